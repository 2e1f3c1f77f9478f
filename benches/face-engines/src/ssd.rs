//! SSD MobileNet v1 (face-api's default detector) at 512 in candle:
//! depthwise convs as candle's grouped conv2d, BatchNorm folded into them
//! at load as media-faces does; the photo's resize and the box decoding in
//! plain Rust, NMS by media-faces' public `nms`.

use candle_core::{Device, Result, Tensor};
use media_faces::Detection;

use crate::layers::{Conv, ShiftedDepthwise, relu6};
use crate::weights::Weights;

const INPUT: usize = 512;
const ANCHORS: usize = 5118;

pub struct Ssd {
    conv0: Conv,
    blocks: Vec<(Conv, Conv)>,
    /// The same depthwise layers as shifted multiply-adds.
    shifted: Vec<ShiftedDepthwise>,
    /// Which depthwise `forward` runs.
    pub use_shifted: bool,
    extra: Vec<Conv>,
    heads: Vec<(Conv, Conv)>,
    anchors: Vec<f32>,
}

fn pointwise(
    w: &mut Weights,
    prefix: &str,
    k: usize,
    cin: usize,
    cout: usize,
    stride: usize,
) -> Conv {
    let f = w.get(&format!("{prefix}/weights"), &[k, k, cin, cout]);
    let b = w.get(&format!("{prefix}/convolution_bn_offset"), &[cout]);
    Conv::new(f, [k, k, cin, cout], b, stride, true)
}

impl Ssd {
    pub fn load() -> Ssd {
        let mut w = Weights::read("ssd_mobilenetv1_model");
        let conv0 = pointwise(&mut w, "MobilenetV1/Conv2d_0_pointwise", 3, 3, 32, 2);
        let widths = [
            32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024,
        ];
        let (mut blocks, mut shifted) = (Vec::new(), Vec::new());
        for i in 1..=13 {
            let (cin, cout) = (widths[i - 1], widths[i]);
            let stride = if [2, 4, 6, 12].contains(&i) { 2 } else { 1 };
            let p = format!("MobilenetV1/Conv2d_{i}_depthwise");
            let mut f = w.get(&format!("{p}/depthwise_weights"), &[3, 3, cin, 1]);
            let gamma = w.get(&format!("{p}/BatchNorm/gamma"), &[cin]);
            let beta = w.get(&format!("{p}/BatchNorm/beta"), &[cin]);
            let mean = w.get(&format!("{p}/BatchNorm/moving_mean"), &[cin]);
            let var = w.get(&format!("{p}/BatchNorm/moving_variance"), &[cin]);
            // BatchNorm (eps 1e-3) as a per-channel scale and shift.
            let scale: Vec<f32> = (0..cin)
                .map(|c| gamma[c] / (var[c] + 1e-3).sqrt())
                .collect();
            for (i, v) in f.iter_mut().enumerate() {
                *v *= scale[i % cin];
            }
            let shift: Vec<f32> = (0..cin).map(|c| beta[c] - mean[c] * scale[c]).collect();
            shifted.push(ShiftedDepthwise::new(&f, cin, &shift, stride));
            let dw = Conv::depthwise(f, 3, cin, shift, stride);
            let pw = pointwise(
                &mut w,
                &format!("MobilenetV1/Conv2d_{i}_pointwise"),
                1,
                cin,
                cout,
                1,
            );
            blocks.push((dw, pw));
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
        let extra = plan
            .into_iter()
            .enumerate()
            .map(|(i, (k, cin, cout, s))| {
                pointwise(
                    &mut w,
                    &format!("Prediction/Conv2d_{i}_pointwise"),
                    k,
                    cin,
                    cout,
                    s,
                )
            })
            .collect();
        let mut heads = Vec::new();
        for (i, cin) in [512, 1024, 512, 256, 256, 128].into_iter().enumerate() {
            let anchors = if i == 0 { 3 } else { 6 };
            let mut head = |name: &str, per: usize| {
                let p = format!("Prediction/BoxPredictor_{i}/{name}");
                let cout = anchors * per;
                let f = w.get(&format!("{p}/weights"), &[1, 1, cin, cout]);
                let b = w.get(&format!("{p}/biases"), &[cout]);
                Conv::new(f, [1, 1, cin, cout], b, 1, true)
            };
            let boxes = head("BoxEncodingPredictor", 4);
            let classes = head("ClassPredictor", 3);
            heads.push((boxes, classes));
        }
        let anchors = w.get("Output/extra_dim", &[1, ANCHORS, 4]);
        Ssd {
            conv0,
            blocks,
            shifted,
            use_shifted: false,
            extra,
            heads,
            anchors,
        }
    }

    /// Box encodings `(5118, 4)` and class logits `(5118, 3)` of a
    /// normalised `(1, 3, 512, 512)` input.
    pub fn forward(&self, input: &Tensor) -> Result<(Vec<f32>, Vec<f32>)> {
        let mut x = relu6(&self.conv0.forward(input)?)?;
        let mut features = Vec::new();
        for (i, (dw, pw)) in self.blocks.iter().enumerate() {
            let d = if self.use_shifted {
                self.shifted[i].forward(&x)?
            } else {
                dw.forward(&x)?
            };
            x = relu6(&pw.forward(&relu6(&d)?)?)?;
            if i + 1 == 11 {
                features.push(x.clone());
            }
        }
        features.push(x.clone());
        for (i, conv) in self.extra.iter().enumerate() {
            x = relu6(&conv.forward(&x)?)?;
            if i % 2 == 1 {
                features.push(x.clone());
            }
        }
        let (mut boxes, mut classes) = (Vec::new(), Vec::new());
        for (f, (b, c)) in features.iter().zip(&self.heads) {
            // NCHW to HWC order: anchor by anchor, as the anchors are listed.
            let hwc = |t: Tensor| -> Result<Vec<f32>> {
                t.permute((0, 2, 3, 1))?.flatten_all()?.to_vec1::<f32>()
            };
            boxes.extend(hwc(b.forward(f)?)?);
            classes.extend(hwc(c.forward(f)?)?);
        }
        Ok((boxes, classes))
    }

    /// face-api's SSD pass on a whole photo: padded bottom/right to a
    /// square, TF-bilinear to 512, `x / 127.5 − 1`, NMS at IoU 0.5 over
    /// scores above `min_score`, boxes in the photo's pixels.
    pub fn detect(
        &self,
        width: usize,
        height: usize,
        rgb: &[u8],
        min_score: f32,
    ) -> Result<Vec<Detection>> {
        let input = input(width, height, rgb)?;
        let (boxes, classes) = self.forward(&input)?;
        let mut found = Vec::new();
        for (a, (t, c)) in boxes
            .chunks_exact(4)
            .zip(classes.chunks_exact(3))
            .enumerate()
        {
            let score = 1.0 / (1.0 + (-c[1]).exp());
            if score <= min_score {
                continue;
            }
            let an = &self.anchors[a * 4..][..4];
            let (ah, aw) = (an[2] - an[0], an[3] - an[1]);
            let (cy, cx) = (
                an[0] + ah / 2.0 + t[0] / 10.0 * ah,
                an[1] + aw / 2.0 + t[1] / 10.0 * aw,
            );
            let (h, w) = ((t[2] / 5.0).exp() * ah, (t[3] / 5.0).exp() * aw);
            found.push(Detection {
                bbox: [cx - w / 2.0, cy - h / 2.0, w, h],
                score,
            });
        }
        // Relative to the padded square to pixels, through the rounded
        // size the photo had inside the 512 input (face-api's way).
        let (w, h) = (width as f64, height as f64);
        let side = w.max(h);
        let sx = INPUT as f64 / (w * INPUT as f64 / side).round() * w;
        let sy = INPUT as f64 / (h * INPUT as f64 / side).round() * h;
        Ok(media_faces::nms(found, 0.5, 100)
            .into_iter()
            .map(|d| {
                let [x, y, bw, bh] = d.bbox.map(f64::from);
                let (l, r) = (x.max(0.0) * sx, (x + bw).min(1.0) * sx);
                let (t, b) = (y.max(0.0) * sy, (y + bh).min(1.0) * sy);
                Detection {
                    bbox: [l as f32, t as f32, (r - l) as f32, (b - t) as f32],
                    score: d.score,
                }
            })
            .collect())
    }
}

/// The photo padded black bottom/right to a square and resized to 512
/// with TF's bilinear (`src = dst · in / out`), `x / 127.5 − 1`, NCHW.
pub fn input(width: usize, height: usize, rgb: &[u8]) -> Result<Tensor> {
    let side = width.max(height);
    let scale = side as f32 / INPUT as f32;
    let taps: Vec<(usize, usize, f32)> = (0..INPUT)
        .map(|o| {
            let s = o as f32 * scale;
            let lo = (s.floor() as usize).min(side - 1);
            (lo, (s.ceil() as usize).min(side - 1), s - s.floor())
        })
        .collect();
    let px = |y: usize, x: usize, c: usize| -> f32 {
        if y < height && x < width {
            f32::from(rgb[(y * width + x) * 3 + c])
        } else {
            0.0
        }
    };
    let mut out = vec![0f32; 3 * INPUT * INPUT];
    for (oy, &(y0, y1, fy)) in taps.iter().enumerate() {
        for (ox, &(x0, x1, fx)) in taps.iter().enumerate() {
            for c in 0..3 {
                let top = px(y0, x0, c) + (px(y0, x1, c) - px(y0, x0, c)) * fx;
                let bottom = px(y1, x0, c) + (px(y1, x1, c) - px(y1, x0, c)) * fx;
                out[(c * INPUT + oy) * INPUT + ox] = (top + (bottom - top) * fy) / 127.5 - 1.0;
            }
        }
    }
    Tensor::from_vec(out, (1, 3, INPUT, INPUT), &Device::Cpu)
}
