//! TF-layout weights to candle layers: filters `[kh, kw, cin, cout]` to
//! candle's `(cout, cin, kh, kw)`, depthwise `[kh, kw, C, 1]` to
//! `(C, 1, kh, kw)` with `groups = C`, and TF's "SAME" padding (the odd
//! pixel bottom/right) as explicit zero padding when it is not symmetric.

use candle_core::{Device, Module, Result, Tensor};
use candle_nn::{Conv2d, Conv2dConfig};

/// A convolution with TF's padding rule.
pub struct Conv {
    conv: Conv2d,
    k: usize,
    stride: usize,
    same: bool,
}

impl Conv {
    /// A full convolution; `filters` in TF layout.
    pub fn new(
        filters: Vec<f32>,
        shape: [usize; 4],
        bias: Vec<f32>,
        stride: usize,
        same: bool,
    ) -> Conv {
        let [kh, kw, cin, cout] = shape;
        let w = Tensor::from_vec(filters, (kh, kw, cin, cout), &Device::Cpu)
            .and_then(|t| t.permute((3, 2, 0, 1)))
            .and_then(|t| t.contiguous())
            .expect("filters");
        Conv::build(w, bias, kh, stride, same, 1)
    }

    /// A depthwise convolution; `filters` `[k, k, C, 1]`.
    pub fn depthwise(filters: Vec<f32>, k: usize, c: usize, bias: Vec<f32>, stride: usize) -> Conv {
        let w = Tensor::from_vec(filters, (k, k, c), &Device::Cpu)
            .and_then(|t| t.permute((2, 0, 1)))
            .and_then(|t| t.contiguous())
            .and_then(|t| t.reshape((c, 1, k, k)))
            .expect("filters");
        Conv::build(w, bias, k, stride, true, c)
    }

    fn build(
        w: Tensor,
        bias: Vec<f32>,
        k: usize,
        stride: usize,
        same: bool,
        groups: usize,
    ) -> Conv {
        let n = bias.len();
        let b = Tensor::from_vec(bias, n, &Device::Cpu).expect("bias");
        // Symmetric "SAME" (stride 1, odd k) goes to candle's own padding.
        let padding = if same && stride == 1 { k / 2 } else { 0 };
        let cfg = Conv2dConfig {
            padding,
            stride,
            dilation: 1,
            groups,
            cudnn_fwd_algo: None,
        };
        Conv {
            conv: Conv2d::new(w, Some(b), cfg),
            k,
            stride,
            same,
        }
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if self.same && self.stride > 1 {
            let (_, _, h, w) = x.dims4()?;
            let mut x = x.clone();
            for (dim, size) in [(2, h), (3, w)] {
                let out = size.div_ceil(self.stride);
                let total = ((out - 1) * self.stride + self.k).saturating_sub(size);
                let before = total / 2;
                if total > 0 {
                    x = x.pad_with_zeros(dim, before, total - before)?;
                }
            }
            self.conv.forward(&x)
        } else {
            self.conv.forward(x)
        }
    }
}

/// TF's ReLU6.
pub fn relu6(x: &Tensor) -> Result<Tensor> {
    x.clamp(0f32, 6f32)
}

/// A 3×3 depthwise convolution written as nine shifted multiply-adds of
/// whole tensors (candle's grouped conv2d runs one conv per channel): the
/// workaround a candle user would try; stride 2 computes the stride-1
/// result and keeps the even rows and columns.
pub struct ShiftedDepthwise {
    taps: Vec<Tensor>,
    bias: Tensor,
    stride: usize,
}

impl ShiftedDepthwise {
    /// `filters` `[3, 3, C, 1]`.
    pub fn new(filters: &[f32], c: usize, bias: &[f32], stride: usize) -> ShiftedDepthwise {
        let taps = filters
            .chunks_exact(c)
            .map(|t| Tensor::from_slice(t, (1, c, 1, 1), &Device::Cpu).expect("tap"))
            .collect();
        let bias = Tensor::from_slice(bias, (1, c, 1, 1), &Device::Cpu).expect("bias");
        ShiftedDepthwise { taps, bias, stride }
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (n, c, h, w) = x.dims4()?;
        // TF "SAME": stride 1 pads 1 each side; stride 2 (even sizes) pads
        // only bottom/right — 2 here so the discarded odd rows stay inside.
        let (before, after) = if self.stride == 1 { (1, 1) } else { (0, 2) };
        let xp = x
            .pad_with_zeros(2, before, after)?
            .pad_with_zeros(3, before, after)?;
        let mut acc = self.bias.broadcast_as((n, c, h, w))?.contiguous()?;
        for dy in 0..3 {
            for dx in 0..3 {
                let shifted = xp.narrow(2, dy, h)?.narrow(3, dx, w)?;
                acc = (acc + shifted.broadcast_mul(&self.taps[dy * 3 + dx])?)?;
            }
        }
        if self.stride == 1 {
            return Ok(acc);
        }
        acc.reshape((n, c, h / 2, 2 * w))?
            .narrow(3, 0, w)?
            .reshape((n, c, h / 2, w / 2, 2))?
            .narrow(4, 0, 1)?
            .squeeze(4)
    }
}
