//! dlib's face recognition ResNet (face-api's `face_recognition_model`):
//! a 150×150 chip to a 128-d descriptor. Every conv is followed by a scale
//! layer, folded into it at load.

use crate::LoadError;
use crate::ops::{self, Act, Conv, Map, Pad};
use crate::weights::WeightMap;

/// The chip's side.
pub(crate) const CHIP: usize = 150;
/// face-api's channel means for the landmark and recognition nets.
pub(crate) const MEAN_RGB: [f32; 3] = [122.782, 117.001, 104.298];

struct Residual {
    conv1: Conv,
    conv2: Conv,
    down: bool,
}

pub(crate) struct RecognitionNet {
    conv_down: Conv,
    blocks: Vec<Residual>,
    /// `[256, 128]`.
    fc: Vec<f32>,
}

fn conv_layer(
    map: &mut WeightMap,
    prefix: &str,
    cin: usize,
    cout: usize,
    k: usize,
    stride: usize,
    pad: Pad,
) -> Result<Conv, LoadError> {
    let filters = map.take(&format!("{prefix}/conv/filters"), &[k, k, cin, cout])?;
    let bias = map.take(&format!("{prefix}/conv/bias"), &[cout])?;
    let scale = map.take(&format!("{prefix}/scale/weights"), &[cout])?;
    let shift = map.take(&format!("{prefix}/scale/biases"), &[cout])?;
    let mut conv = Conv::new(filters, [k, k, cin, cout], Some(bias), stride, pad);
    conv.fold_scale(&scale, &shift);
    Ok(conv)
}

impl RecognitionNet {
    pub fn load(mut map: WeightMap) -> Result<RecognitionNet, LoadError> {
        let conv_down = conv_layer(&mut map, "conv32_down", 3, 32, 7, 2, Pad::Valid)?;
        let mut blocks = Vec::new();
        let plan: [(&str, usize, usize, bool); 14] = [
            ("conv32_1", 32, 32, false),
            ("conv32_2", 32, 32, false),
            ("conv32_3", 32, 32, false),
            ("conv64_down", 32, 64, true),
            ("conv64_1", 64, 64, false),
            ("conv64_2", 64, 64, false),
            ("conv64_3", 64, 64, false),
            ("conv128_down", 64, 128, true),
            ("conv128_1", 128, 128, false),
            ("conv128_2", 128, 128, false),
            ("conv256_down", 128, 256, true),
            ("conv256_1", 256, 256, false),
            ("conv256_2", 256, 256, false),
            ("conv256_down_out", 256, 256, true),
        ];
        for (name, cin, cout, down) in plan {
            let (stride, pad) = if down {
                (2, Pad::Valid)
            } else {
                (1, Pad::Same)
            };
            let conv1 = conv_layer(
                &mut map,
                &format!("{name}/conv1"),
                cin,
                cout,
                3,
                stride,
                pad,
            )?;
            let conv2 = conv_layer(
                &mut map,
                &format!("{name}/conv2"),
                cout,
                cout,
                3,
                1,
                Pad::Same,
            )?;
            blocks.push(Residual { conv1, conv2, down });
        }
        let fc = map.take("fc", &[256, 128])?;
        Ok(RecognitionNet {
            conv_down,
            blocks,
            fc,
        })
    }

    /// The descriptor of a normalised 150×150 chip.
    pub fn forward(&self, input: &Map) -> Vec<f32> {
        debug_assert_eq!((input.h, input.w, input.c), (CHIP, CHIP, 3));
        let x = self.conv_down.run(input, Act::Relu);
        let mut x = ops::max_pool(&x, 3, 2, Pad::Valid);
        for block in &self.blocks {
            x = if block.down {
                residual_down(&x, block)
            } else {
                residual(&x, block)
            };
        }
        ops::fully_connected(&ops::global_mean(&x), &self.fc, None, 128)
    }
}

impl RecognitionNet {
    /// The descriptors of two normalised chips, layer by layer together.
    pub fn forward_pair(&self, a: &Map, b: &Map) -> (Vec<f32>, Vec<f32>) {
        let (xa, xb) = self.conv_down.run_pair(a, b, Act::Relu);
        let (mut xa, mut xb) = (
            ops::max_pool(&xa, 3, 2, Pad::Valid),
            ops::max_pool(&xb, 3, 2, Pad::Valid),
        );
        for block in &self.blocks {
            let (oa, ob) = block.conv1.run_pair(&xa, &xb, Act::Relu);
            let (oa, ob) = block.conv2.run_pair(&oa, &ob, Act::None);
            if block.down {
                xa = down_sum(&xa, oa);
                xb = down_sum(&xb, ob);
            } else {
                xa = residual_sum(&xa, oa);
                xb = residual_sum(&xb, ob);
            }
        }
        let fa = ops::fully_connected(&ops::global_mean(&xa), &self.fc, None, 128);
        let fb = ops::fully_connected(&ops::global_mean(&xb), &self.fc, None, 128);
        (fa, fb)
    }
}

fn residual_sum(x: &Map, mut out: Map) -> Map {
    ops::add_into(&mut out, x);
    ops::relu(&mut out);
    out
}

fn residual(x: &Map, block: &Residual) -> Map {
    let out = block.conv1.run(x, Act::Relu);
    let mut out = block.conv2.run(&out, Act::None);
    ops::add_into(&mut out, x);
    ops::relu(&mut out);
    out
}

/// The shortcut is a 2×2 average pool with the new channels zero; where
/// the valid stride-2 conv comes out one pixel short (8 → 3 against a
/// pooled 4), its output is padded with zeros bottom/right.
fn residual_down(x: &Map, block: &Residual) -> Map {
    let out = block.conv1.run(x, Act::Relu);
    let out = block.conv2.run(&out, Act::None);
    down_sum(x, out)
}

/// `ReLU(avg_pool(x) ‖ zeros + out)`, `out` zero-padded bottom/right to
/// the pooled size.
fn down_sum(x: &Map, out: Map) -> Map {
    let pooled = ops::avg_pool_valid(x, 2, 2);
    let cout = out.c;
    let mut sum = Map::zeros(pooled.h, pooled.w, cout);
    for y in 0..pooled.h {
        for xx in 0..pooled.w {
            let dst = &mut sum.data[(y * pooled.w + xx) * cout..][..cout];
            dst[..pooled.c]
                .copy_from_slice(&pooled.data[(y * pooled.w + xx) * pooled.c..][..pooled.c]);
            if y < out.h && xx < out.w {
                let src = &out.data[(y * out.w + xx) * cout..][..cout];
                dst.iter_mut().zip(src).for_each(|(d, &s)| *d += s);
            }
        }
    }
    ops::relu(&mut sum);
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weights;

    #[test]
    fn two_chips_together_give_each_chip_its_own_descriptor() {
        let net = RecognitionNet::load(weights::load(&weights::RECOGNITION).unwrap()).unwrap();
        let chip = |seed: usize| Map {
            h: CHIP,
            w: CHIP,
            c: 3,
            data: (0..CHIP * CHIP * 3)
                .map(|i| ((i * 7919 + seed) % 255) as f32 / 255.0 - 0.5)
                .collect(),
        };
        let (a, b) = (chip(1), chip(2));
        let (pa, pb) = net.forward_pair(&a, &b);
        for (got, want) in [(pa, net.forward(&a)), (pb, net.forward(&b))] {
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-4, "{g} vs {w}");
            }
        }
    }
}
