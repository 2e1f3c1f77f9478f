//! SSD MobileNet v1 (face-api's default detector) at 512×512: the
//! MobileNet body (BatchNorm folded into the depthwise convs at load), the
//! extra layers, six box/class heads over 5,118 anchors (the anchors are in
//! the weights file), decoding as face-api does.

use crate::LoadError;
use crate::ops::{Act, Conv, Depthwise, Map, Pad};
use crate::weights::WeightMap;

/// The input side.
pub(crate) const INPUT: usize = 512;
/// BatchNorm's epsilon in face-api's graph (`0.0010000000474974513`).
const BN_EPS: f32 = 1e-3;
/// Anchors in the weights file.
pub(crate) const ANCHORS: usize = 5118;

struct Block {
    depthwise: Depthwise,
    pointwise: Conv,
}

struct Head {
    boxes: Conv,
    classes: Conv,
}

pub(crate) struct Ssd {
    conv0: Conv,
    blocks: Vec<Block>,
    extra: Vec<Conv>,
    heads: Vec<Head>,
    /// `ymin, xmin, ymax, xmax` per anchor, relative to the input.
    anchors: Vec<f32>,
}

/// One anchor's decoded box (`ymin, xmin, ymax, xmax`, relative) and score.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Raw {
    pub bbox: [f32; 4],
    pub score: f32,
}

fn pointwise_layer(
    map: &mut WeightMap,
    prefix: &str,
    k: usize,
    cin: usize,
    cout: usize,
    stride: usize,
) -> Result<Conv, LoadError> {
    let w = map.take(&format!("{prefix}/weights"), &[k, k, cin, cout])?;
    let b = map.take(&format!("{prefix}/convolution_bn_offset"), &[cout])?;
    Ok(Conv::new(w, [k, k, cin, cout], Some(b), stride, Pad::Same))
}

impl Ssd {
    pub fn load(mut map: WeightMap) -> Result<Ssd, LoadError> {
        let conv0 = pointwise_layer(&mut map, "MobilenetV1/Conv2d_0_pointwise", 3, 3, 32, 2)?;
        let widths = [
            32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024,
        ];
        let mut blocks = Vec::new();
        for i in 1..=13 {
            let (cin, cout) = (widths[i - 1], widths[i]);
            let stride = if [2, 4, 6, 12].contains(&i) { 2 } else { 1 };
            let p = format!("MobilenetV1/Conv2d_{i}_depthwise");
            let f = map.take(&format!("{p}/depthwise_weights"), &[3, 3, cin, 1])?;
            let gamma = map.take(&format!("{p}/BatchNorm/gamma"), &[cin])?;
            let beta = map.take(&format!("{p}/BatchNorm/beta"), &[cin])?;
            let mean = map.take(&format!("{p}/BatchNorm/moving_mean"), &[cin])?;
            let var = map.take(&format!("{p}/BatchNorm/moving_variance"), &[cin])?;
            let mut depthwise = Depthwise::new(f, cin, None, stride);
            depthwise.fold_batch_norm(&gamma, &beta, &mean, &var, BN_EPS);
            let pointwise = pointwise_layer(
                &mut map,
                &format!("MobilenetV1/Conv2d_{i}_pointwise"),
                1,
                cin,
                cout,
                1,
            )?;
            blocks.push(Block {
                depthwise,
                pointwise,
            });
        }
        let plan = [
            (1, 1024, 256, 1),
            (3, 256, 512, 2),
            (1, 512, 128, 1),
            (3, 128, 256, 2),
            (1, 256, 128, 1),
            (3, 128, 256, 2),
            (1, 256, 64, 1),
            (3, 64, 128, 2),
        ];
        let mut extra = Vec::new();
        for (i, (k, cin, cout, stride)) in plan.into_iter().enumerate() {
            extra.push(pointwise_layer(
                &mut map,
                &format!("Prediction/Conv2d_{i}_pointwise"),
                k,
                cin,
                cout,
                stride,
            )?);
        }
        let mut heads = Vec::new();
        for (i, cin) in [512, 1024, 512, 256, 256, 128].into_iter().enumerate() {
            let anchors = if i == 0 { 3 } else { 6 };
            let p = format!("Prediction/BoxPredictor_{i}");
            let head = |map: &mut WeightMap, name: &str, per: usize| -> Result<Conv, LoadError> {
                let cout = anchors * per;
                let w = map.take(&format!("{p}/{name}/weights"), &[1, 1, cin, cout])?;
                let b = map.take(&format!("{p}/{name}/biases"), &[cout])?;
                Ok(Conv::new(w, [1, 1, cin, cout], Some(b), 1, Pad::Same))
            };
            let boxes = head(&mut map, "BoxEncodingPredictor", 4)?;
            let classes = head(&mut map, "ClassPredictor", 3)?;
            heads.push(Head { boxes, classes });
        }
        let anchors = map.take("Output/extra_dim", &[1, ANCHORS, 4])?;
        Ok(Ssd {
            conv0,
            blocks,
            extra,
            heads,
            anchors,
        })
    }

    /// Every anchor's box and score for a normalised (`x / 127.5 − 1`)
    /// 512×512 input.
    pub fn forward(&self, input: &Map) -> Vec<Raw> {
        let mut x = self.conv0.run(input, Act::Relu6);
        let mut conv11 = None;
        for (i, block) in self.blocks.iter().enumerate() {
            x = block
                .pointwise
                .run(&block.depthwise.run(&x, Act::Relu6), Act::Relu6);
            if i + 1 == 11 {
                conv11 = Some(x.clone());
            }
        }
        let mut features = vec![conv11.unwrap_or_else(|| x.clone()), x.clone()];
        let mut y = x;
        for (i, conv) in self.extra.iter().enumerate() {
            y = conv.run(&y, Act::Relu6);
            if i % 2 == 1 {
                features.push(y.clone());
            }
        }
        let mut raw = Vec::with_capacity(ANCHORS);
        for (feature, head) in features.iter().zip(&self.heads) {
            let boxes = head.boxes.run(feature, Act::None);
            let classes = head.classes.run(feature, Act::None);
            for (t, c) in boxes.data.chunks_exact(4).zip(classes.data.chunks_exact(3)) {
                let a = &self.anchors[raw.len() * 4..][..4];
                raw.push(Raw {
                    bbox: decode(t, a),
                    score: sigmoid(c[1]),
                });
            }
        }
        raw
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// face-api's `decodeBoxesLayer`: centre `t/10 · size + centre`, size
/// `e^(t/5) · size`, for `[ty, tx, th, tw]` against `[ymin, xmin, ymax, xmax]`.
fn decode(t: &[f32], anchor: &[f32]) -> [f32; 4] {
    let (ah, aw) = (anchor[2] - anchor[0], anchor[3] - anchor[1]);
    let (acy, acx) = (anchor[0] + ah / 2.0, anchor[1] + aw / 2.0);
    let half_h = (t[2] / 5.0).exp() * ah / 2.0;
    let cy = t[0] / 10.0 * ah + acy;
    let half_w = (t[3] / 5.0).exp() * aw / 2.0;
    let cx = t[1] / 10.0 * aw + acx;
    [cy - half_h, cx - half_w, cy + half_h, cx + half_w]
}
