//! face-api's 68-point landmark net (`face_landmark_68_model`): four dense
//! blocks of separable convolutions on a 112×112 crop, then a fully
//! connected layer to 68 (x, y) pairs relative to the padded square.

use crate::LoadError;
use crate::ops::{self, Act, Conv, Depthwise, Map, Pad};
use crate::weights::WeightMap;

/// The net's input side.
pub(crate) const INPUT: usize = 112;

/// A separable conv: depthwise 3×3 (no bias), then 1×1 with bias.
pub(crate) struct Separable {
    depthwise: Depthwise,
    pointwise: Conv,
}

impl Separable {
    pub fn load(
        map: &mut WeightMap,
        prefix: &str,
        cin: usize,
        cout: usize,
        stride: usize,
    ) -> Result<Separable, LoadError> {
        let dw = map.take(&format!("{prefix}/depthwise_filter"), &[3, 3, cin, 1])?;
        let pw = map.take(&format!("{prefix}/pointwise_filter"), &[1, 1, cin, cout])?;
        let bias = map.take(&format!("{prefix}/bias"), &[cout])?;
        Ok(Separable {
            depthwise: Depthwise::new(dw, cin, None, stride),
            pointwise: Conv::new(pw, [1, 1, cin, cout], Some(bias), 1, Pad::Same),
        })
    }

    pub fn run(&self, x: &Map, act: Act) -> Map {
        self.pointwise.run(&self.depthwise.run(x, Act::None), act)
    }

    /// Output channels.
    pub fn cout(&self) -> usize {
        self.pointwise.cout()
    }
}

enum First {
    Plain(Conv),
    Separable(Separable),
}

struct DenseBlock {
    conv0: First,
    convs: [Separable; 3],
}

pub(crate) struct LandmarkNet {
    blocks: Vec<DenseBlock>,
    fc: Vec<f32>,
    fc_bias: Vec<f32>,
}

impl LandmarkNet {
    pub fn load(mut map: WeightMap) -> Result<LandmarkNet, LoadError> {
        let mut blocks = Vec::new();
        for (i, (cin, cout)) in [(3, 32), (32, 64), (64, 128), (128, 256)]
            .into_iter()
            .enumerate()
        {
            let p = format!("dense{i}");
            let conv0 = if i == 0 {
                let f = map.take(&format!("{p}/conv0/filters"), &[3, 3, cin, cout])?;
                let b = map.take(&format!("{p}/conv0/bias"), &[cout])?;
                First::Plain(Conv::new(f, [3, 3, cin, cout], Some(b), 2, Pad::Same))
            } else {
                First::Separable(Separable::load(
                    &mut map,
                    &format!("{p}/conv0"),
                    cin,
                    cout,
                    2,
                )?)
            };
            let convs = [
                Separable::load(&mut map, &format!("{p}/conv1"), cout, cout, 1)?,
                Separable::load(&mut map, &format!("{p}/conv2"), cout, cout, 1)?,
                Separable::load(&mut map, &format!("{p}/conv3"), cout, cout, 1)?,
            ];
            blocks.push(DenseBlock { conv0, convs });
        }
        let fc = map.take("fc/weights", &[256, 136])?;
        let fc_bias = map.take("fc/bias", &[136])?;
        Ok(LandmarkNet {
            blocks,
            fc,
            fc_bias,
        })
    }

    /// The 68 points of a normalised 112×112 input, relative (0–1) to it.
    pub fn forward(&self, input: &Map) -> Vec<f32> {
        let mut x = input.clone();
        for block in &self.blocks {
            x = dense_block(&x, block);
        }
        let pooled = ops::avg_pool_valid(&x, 7, 2);
        ops::fully_connected(&pooled.data, &self.fc, Some(&self.fc_bias), 136)
    }
}

/// out1 = ReLU(conv0); out2 = sep(out1); out3 = sep(ReLU(out1 + out2));
/// out4 = sep(ReLU(out1 + out2 + out3)); ReLU(out1 + out2 + out3 + out4).
fn dense_block(x: &Map, block: &DenseBlock) -> Map {
    let out1 = match &block.conv0 {
        First::Plain(conv) => conv.run(x, Act::Relu),
        First::Separable(sep) => sep.run(x, Act::Relu),
    };
    let mut sum = out1.clone();
    let out2 = block.convs[0].run(&out1, Act::None);
    ops::add_into(&mut sum, &out2);
    let mut input = sum.clone();
    ops::relu(&mut input);
    let out3 = block.convs[1].run(&input, Act::None);
    ops::add_into(&mut sum, &out3);
    let mut input = sum.clone();
    ops::relu(&mut input);
    let out4 = block.convs[2].run(&input, Act::None);
    ops::add_into(&mut sum, &out4);
    ops::relu(&mut sum);
    sum
}
