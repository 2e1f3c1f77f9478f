//! dlib's ResNet (face-api's `face_recognition_model`) in candle, the
//! scale layers folded into the convs at load as media-faces does.

use candle_core::{Device, Result, Tensor};

use crate::layers::Conv;
use crate::weights::Weights;

pub struct Recognition {
    down: Conv,
    blocks: Vec<(Conv, Conv, bool)>,
    fc: Tensor,
}

fn conv(w: &mut Weights, prefix: &str, k: usize, cin: usize, cout: usize, down: bool) -> Conv {
    let mut filters = w.get(&format!("{prefix}/conv/filters"), &[k, k, cin, cout]);
    let bias = w.get(&format!("{prefix}/conv/bias"), &[cout]);
    let scale = w.get(&format!("{prefix}/scale/weights"), &[cout]);
    let shift = w.get(&format!("{prefix}/scale/biases"), &[cout]);
    // (x·f + b)·s + t = x·(f·s) + (b·s + t), per output channel.
    for (i, f) in filters.iter_mut().enumerate() {
        *f *= scale[i % cout];
    }
    let bias = (0..cout).map(|o| bias[o] * scale[o] + shift[o]).collect();
    let stride = if down { 2 } else { 1 };
    Conv::new(filters, [k, k, cin, cout], bias, stride, !down)
}

impl Recognition {
    pub fn load() -> Recognition {
        let mut w = Weights::read("face_recognition_model");
        let down = conv(&mut w, "conv32_down", 7, 3, 32, true);
        let plan = [
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
        let blocks = plan
            .into_iter()
            .map(|(name, cin, cout, d)| {
                let c1 = conv(&mut w, &format!("{name}/conv1"), 3, cin, cout, d);
                let c2 = conv(&mut w, &format!("{name}/conv2"), 3, cout, cout, false);
                (c1, c2, d)
            })
            .collect();
        let fc = Tensor::from_vec(w.get("fc", &[256, 128]), (256, 128), &Device::Cpu).expect("fc");
        Recognition { down, blocks, fc }
    }

    /// Descriptors `(n, 128)` of `n` 150×150 RGB chips (bytes, HWC), each
    /// normalised `(x − mean) / 255` as face-api does.
    pub fn describe(&self, chips: &[&[u8]]) -> Result<Tensor> {
        const MEAN: [f32; 3] = [122.782, 117.001, 104.298];
        let data: Vec<f32> = chips
            .iter()
            .flat_map(|c| {
                c.iter()
                    .enumerate()
                    .map(|(i, &v)| (f32::from(v) - MEAN[i % 3]) / 255.0)
            })
            .collect();
        let x = Tensor::from_vec(data, (chips.len(), 150, 150, 3), &Device::Cpu)?
            .permute((0, 3, 1, 2))?
            .contiguous()?;
        self.forward(&x)
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = self.down.forward(x)?.relu()?;
        let mut x = x.max_pool2d_with_stride(3, 2)?;
        for (c1, c2, down) in &self.blocks {
            let out = c2.forward(&c1.forward(&x)?.relu()?)?;
            x = if *down {
                // Shortcut: 2×2 average pool, new channels zero; the
                // valid conv's output zero-padded bottom/right to its size.
                let mut pooled = x.avg_pool2d(2)?;
                let (_, cin, ph, pw) = pooled.dims4()?;
                let (_, cout, oh, ow) = out.dims4()?;
                if cout > cin {
                    pooled = pooled.pad_with_zeros(1, 0, cout - cin)?;
                }
                let mut out = out;
                if ph > oh {
                    out = out.pad_with_zeros(2, 0, ph - oh)?;
                }
                if pw > ow {
                    out = out.pad_with_zeros(3, 0, pw - ow)?;
                }
                (pooled + out)?.relu()?
            } else {
                (x + out)?.relu()?
            };
        }
        x.flatten_from(2)?.mean(2)?.matmul(&self.fc)
    }
}
