//! The layers the four networks are made of, on HWC `f32` feature maps:
//! convolution as im2col + GEMM (`matrixmultiply`'s AVX/FMA `sgemm`),
//! depthwise 3×3, pooling, activations. TensorFlow's semantics throughout:
//! filters `[kh, kw, cin, cout]`, "SAME" padding puts the odd extra pixel
//! bottom/right.
//!
//! Over 400 lines on purpose: every layer kernel of the four networks is
//! here, side by side, so their shared layout rules (HWC, TF padding) are
//! read in one place; each kernel is short.

/// A feature map: `h × w × c`, channels fastest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Map {
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub data: Vec<f32>,
}

impl Map {
    pub fn zeros(h: usize, w: usize, c: usize) -> Map {
        Map {
            h,
            w,
            c,
            data: vec![0.0; h * w * c],
        }
    }
}

/// TensorFlow's two paddings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pad {
    /// Output `ceil(in / stride)`, the input padded with zeros around (the
    /// odd pixel bottom/right).
    Same,
    /// Output `(in − k) / stride + 1`, no padding.
    Valid,
}

/// What follows a layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Act {
    None,
    Relu,
    Relu6,
    /// `max(x, 0.1·x)`, the tiny detector's.
    Leaky,
}

impl Act {
    fn apply(self, data: &mut [f32]) {
        match self {
            Act::None => {}
            Act::Relu => data.iter_mut().for_each(|v| *v = v.max(0.0)),
            Act::Relu6 => data.iter_mut().for_each(|v| *v = v.clamp(0.0, 6.0)),
            Act::Leaky => data.iter_mut().for_each(|v| *v = v.max(0.1 * *v)),
        }
    }
}

/// Output size and padding before, along one axis.
pub(crate) fn out_size(input: usize, k: usize, stride: usize, pad: Pad) -> (usize, usize) {
    match pad {
        Pad::Same => {
            let out = input.div_ceil(stride);
            let total = ((out.saturating_sub(1)) * stride + k).saturating_sub(input);
            (out, total / 2)
        }
        Pad::Valid => {
            if input < k {
                (0, 0)
            } else {
                ((input - k) / stride + 1, 0)
            }
        }
    }
}

/// A convolution with bias (any BatchNorm or scale layer folded in).
#[derive(Debug, Clone)]
pub(crate) struct Conv {
    k: usize,
    stride: usize,
    pad: Pad,
    cin: usize,
    cout: usize,
    /// `(k·k·cin) × cout`, row-major: TensorFlow's layout as it is.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// im2col patch rows are built a band of output rows at a time: bounded
/// memory at any input size (a 2,550 px tiny-detector input would need
/// 470 MB of patches for its first layer at once), still big GEMMs.
const BAND_FLOATS: usize = 1 << 20;

impl Conv {
    /// A convolution from TF filters `[k, k, cin, cout]` and a bias (zeros
    /// when `None`).
    pub fn new(
        filters: Vec<f32>,
        shape: [usize; 4],
        bias: Option<Vec<f32>>,
        stride: usize,
        pad: Pad,
    ) -> Conv {
        let [k, k2, cin, cout] = shape;
        debug_assert_eq!(k, k2);
        debug_assert_eq!(filters.len(), k * k * cin * cout);
        let bias = bias.unwrap_or_else(|| vec![0.0; cout]);
        Conv {
            k,
            stride,
            pad,
            cin,
            cout,
            weights: filters,
            bias,
        }
    }

    /// Folds `y · scale + shift` per output channel into the weights.
    pub fn fold_scale(&mut self, scale: &[f32], shift: &[f32]) {
        for row in self.weights.chunks_exact_mut(self.cout) {
            row.iter_mut().zip(scale).for_each(|(w, s)| *w *= s);
        }
        for ((b, s), t) in self.bias.iter_mut().zip(scale).zip(shift) {
            *b = *b * s + t;
        }
    }

    /// Output channels.
    pub fn cout(&self) -> usize {
        self.cout
    }

    /// Runs the convolution, then `act`.
    pub fn run(&self, x: &Map, act: Act) -> Map {
        debug_assert_eq!(x.c, self.cin);
        let (oh, pad_top) = out_size(x.h, self.k, self.stride, self.pad);
        let (ow, pad_left) = out_size(x.w, self.k, self.stride, self.pad);
        let mut out = Map::zeros(oh, ow, self.cout);
        if oh == 0 || ow == 0 {
            return out;
        }
        for row in out.data.chunks_exact_mut(self.cout) {
            row.copy_from_slice(&self.bias);
        }
        let kdim = self.k * self.k * self.cin;
        if self.k == 1 && self.stride == 1 {
            gemm(
                oh * ow,
                kdim,
                self.cout,
                &x.data,
                &self.weights,
                &mut out.data,
            );
        } else {
            let band = (BAND_FLOATS / (ow * kdim)).max(1);
            let mut patches = vec![0f32; band.min(oh) * ow * kdim];
            let mut y0 = 0;
            while y0 < oh {
                let rows = band.min(oh - y0);
                let patches = &mut patches[..rows * ow * kdim];
                self.im2col(x, y0, rows, ow, pad_top, pad_left, patches);
                let out_band = &mut out.data[y0 * ow * self.cout..(y0 + rows) * ow * self.cout];
                gemm(rows * ow, kdim, self.cout, patches, &self.weights, out_band);
                y0 += rows;
            }
        }
        act.apply(&mut out.data);
        out
    }

    /// Runs the convolution on two maps of one size in one GEMM (the
    /// weights packed once for both), then `act`.
    pub fn run_pair(&self, a: &Map, b: &Map, act: Act) -> (Map, Map) {
        debug_assert_eq!((a.h, a.w, a.c), (b.h, b.w, b.c));
        let (oh, pad_top) = out_size(a.h, self.k, self.stride, self.pad);
        let (ow, pad_left) = out_size(a.w, self.k, self.stride, self.pad);
        let kdim = self.k * self.k * self.cin;
        if oh == 0 || ow == 0 || 2 * oh * ow * kdim > 2 * BAND_FLOATS {
            return (self.run(a, act), self.run(b, act));
        }
        let one = oh * ow;
        let mut patches = vec![0f32; 2 * one * kdim];
        let (pa, pb) = patches.split_at_mut(one * kdim);
        self.im2col(a, 0, oh, ow, pad_top, pad_left, pa);
        self.im2col(b, 0, oh, ow, pad_top, pad_left, pb);
        let mut out = vec![0f32; 2 * one * self.cout];
        for row in out.chunks_exact_mut(self.cout) {
            row.copy_from_slice(&self.bias);
        }
        gemm(2 * one, kdim, self.cout, &patches, &self.weights, &mut out);
        act.apply(&mut out);
        let second = out.split_off(one * self.cout);
        (
            Map {
                h: oh,
                w: ow,
                c: self.cout,
                data: out,
            },
            Map {
                h: oh,
                w: ow,
                c: self.cout,
                data: second,
            },
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn im2col(
        &self,
        x: &Map,
        y0: usize,
        rows: usize,
        ow: usize,
        pad_top: usize,
        pad_left: usize,
        patches: &mut [f32],
    ) {
        let (k, s, cin) = (self.k, self.stride, self.cin);
        let kdim = k * k * cin;
        for oy in 0..rows {
            for ox in 0..ow {
                let patch = &mut patches[(oy * ow + ox) * kdim..][..kdim];
                for ky in 0..k {
                    let iy = ((y0 + oy) * s + ky) as isize - pad_top as isize;
                    let dst = &mut patch[ky * k * cin..][..k * cin];
                    if iy < 0 || iy >= x.h as isize {
                        dst.fill(0.0);
                        continue;
                    }
                    let row = &x.data[iy as usize * x.w * cin..][..x.w * cin];
                    let ix0 = (ox * s) as isize - pad_left as isize;
                    if ix0 >= 0 && ix0 as usize + k <= x.w {
                        dst.copy_from_slice(&row[ix0 as usize * cin..][..k * cin]);
                    } else {
                        for kx in 0..k {
                            let ix = ix0 + kx as isize;
                            let d = &mut dst[kx * cin..][..cin];
                            if ix < 0 || ix >= x.w as isize {
                                d.fill(0.0);
                            } else {
                                d.copy_from_slice(&row[ix as usize * cin..][..cin]);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `c += a · b`, row-major, `a` m×k, `b` k×n, `c` m×n.
pub(crate) fn gemm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: the three slices hold at least the m×k, k×n and m×n
    // row-major matrices the strides describe (asserted above), and `c`
    // does not alias `a` or `b` (a `&mut` borrow).
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            n as isize,
            1,
            1.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// A 3×3 depthwise convolution with bias, "SAME" padding.
#[derive(Debug, Clone)]
pub(crate) struct Depthwise {
    stride: usize,
    c: usize,
    /// `[3, 3, c]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Depthwise {
    /// From TF depthwise filters `[3, 3, c, 1]`.
    pub fn new(filters: Vec<f32>, c: usize, bias: Option<Vec<f32>>, stride: usize) -> Depthwise {
        debug_assert_eq!(filters.len(), 9 * c);
        Depthwise {
            stride,
            c,
            weights: filters,
            bias: bias.unwrap_or_else(|| vec![0.0; c]),
        }
    }

    /// Folds an inference BatchNorm (`eps` as TF's) into weights and bias.
    pub fn fold_batch_norm(
        &mut self,
        gamma: &[f32],
        beta: &[f32],
        mean: &[f32],
        var: &[f32],
        eps: f32,
    ) {
        let c = self.c;
        for ch in 0..c {
            let s = gamma[ch] / (var[ch] + eps).sqrt();
            for tap in 0..9 {
                self.weights[tap * c + ch] *= s;
            }
            self.bias[ch] = (self.bias[ch] - mean[ch]) * s + beta[ch];
        }
    }

    /// Runs it, then `act`.
    pub fn run(&self, x: &Map, act: Act) -> Map {
        let c = self.c;
        debug_assert_eq!(x.c, c);
        let (oh, pad_top) = out_size(x.h, 3, self.stride, Pad::Same);
        let (ow, pad_left) = out_size(x.w, 3, self.stride, Pad::Same);
        let mut out = Map::zeros(oh, ow, c);
        for oy in 0..oh {
            for ox in 0..ow {
                let acc = &mut out.data[(oy * ow + ox) * c..][..c];
                acc.copy_from_slice(&self.bias);
                for ky in 0..3 {
                    let iy = (oy * self.stride + ky) as isize - pad_top as isize;
                    if iy < 0 || iy >= x.h as isize {
                        continue;
                    }
                    for kx in 0..3 {
                        let ix = (ox * self.stride + kx) as isize - pad_left as isize;
                        if ix < 0 || ix >= x.w as isize {
                            continue;
                        }
                        let src = &x.data[(iy as usize * x.w + ix as usize) * c..][..c];
                        let w = &self.weights[(ky * 3 + kx) * c..][..c];
                        for ((a, &v), &wt) in acc.iter_mut().zip(src).zip(w) {
                            *a += v * wt;
                        }
                    }
                }
            }
        }
        act.apply(&mut out.data);
        out
    }
}

/// Max pooling `k × k`, stride `s`; padded positions never win.
pub(crate) fn max_pool(x: &Map, k: usize, s: usize, pad: Pad) -> Map {
    let (oh, pad_top) = out_size(x.h, k, s, pad);
    let (ow, pad_left) = out_size(x.w, k, s, pad);
    let c = x.c;
    let mut out = Map {
        h: oh,
        w: ow,
        c,
        data: vec![f32::NEG_INFINITY; oh * ow * c],
    };
    for oy in 0..oh {
        for ox in 0..ow {
            let acc = &mut out.data[(oy * ow + ox) * c..][..c];
            for ky in 0..k {
                let iy = (oy * s + ky) as isize - pad_top as isize;
                if iy < 0 || iy >= x.h as isize {
                    continue;
                }
                for kx in 0..k {
                    let ix = (ox * s + kx) as isize - pad_left as isize;
                    if ix < 0 || ix >= x.w as isize {
                        continue;
                    }
                    let src = &x.data[(iy as usize * x.w + ix as usize) * c..][..c];
                    acc.iter_mut().zip(src).for_each(|(a, &v)| *a = a.max(v));
                }
            }
        }
    }
    out
}

/// Average pooling `k × k`, stride `s`, "VALID".
pub(crate) fn avg_pool_valid(x: &Map, k: usize, s: usize) -> Map {
    let (oh, _) = out_size(x.h, k, s, Pad::Valid);
    let (ow, _) = out_size(x.w, k, s, Pad::Valid);
    let c = x.c;
    let mut out = Map::zeros(oh, ow, c);
    let norm = 1.0 / (k * k) as f32;
    for oy in 0..oh {
        for ox in 0..ow {
            let acc = &mut out.data[(oy * ow + ox) * c..][..c];
            for ky in 0..k {
                for kx in 0..k {
                    let src = &x.data[((oy * s + ky) * x.w + ox * s + kx) * c..][..c];
                    acc.iter_mut().zip(src).for_each(|(a, &v)| *a += v);
                }
            }
            acc.iter_mut().for_each(|a| *a *= norm);
        }
    }
    out
}

/// `a += b`, elementwise (same shape).
pub(crate) fn add_into(a: &mut Map, b: &Map) {
    debug_assert_eq!((a.h, a.w, a.c), (b.h, b.w, b.c));
    a.data.iter_mut().zip(&b.data).for_each(|(x, &y)| *x += y);
}

/// ReLU in place.
pub(crate) fn relu(a: &mut Map) {
    Act::Relu.apply(&mut a.data);
}

/// Mean over height and width.
pub(crate) fn global_mean(x: &Map) -> Vec<f32> {
    let mut acc = vec![0f32; x.c];
    for px in x.data.chunks_exact(x.c) {
        acc.iter_mut().zip(px).for_each(|(a, &v)| *a += v);
    }
    let n = (x.h * x.w) as f32;
    acc.iter_mut().for_each(|a| *a /= n);
    acc
}

/// Fully connected: `x · weights (+ bias)`, weights `[in, out]`.
pub(crate) fn fully_connected(
    x: &[f32],
    weights: &[f32],
    bias: Option<&[f32]>,
    out: usize,
) -> Vec<f32> {
    let mut y = bias.map_or_else(|| vec![0.0; out], <[f32]>::to_vec);
    gemm(1, x.len(), out, x, weights, &mut y);
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A direct convolution, the definition, to check im2col + GEMM against.
    fn naive(x: &Map, f: &[f32], k: usize, cout: usize, s: usize, pad: Pad) -> Map {
        let (oh, pt) = out_size(x.h, k, s, pad);
        let (ow, pl) = out_size(x.w, k, s, pad);
        let mut out = Map::zeros(oh, ow, cout);
        for oy in 0..oh {
            for ox in 0..ow {
                for co in 0..cout {
                    let mut acc = 0.0;
                    for ky in 0..k {
                        for kx in 0..k {
                            let iy = (oy * s + ky) as isize - pt as isize;
                            let ix = (ox * s + kx) as isize - pl as isize;
                            if iy < 0 || ix < 0 || iy >= x.h as isize || ix >= x.w as isize {
                                continue;
                            }
                            for ci in 0..x.c {
                                acc += x.data[(iy as usize * x.w + ix as usize) * x.c + ci]
                                    * f[((ky * k + kx) * x.c + ci) * cout + co];
                            }
                        }
                    }
                    out.data[(oy * ow + ox) * cout + co] = acc;
                }
            }
        }
        out
    }

    fn pseudo(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn same_padding_at_stride_two_puts_the_extra_pixel_bottom_right() {
        assert_eq!(out_size(512, 3, 2, Pad::Same), (256, 0));
        assert_eq!(out_size(7, 3, 2, Pad::Same), (4, 1));
        assert_eq!(out_size(150, 7, 2, Pad::Valid), (72, 0));
        assert_eq!(out_size(8, 3, 2, Pad::Valid), (3, 0));
        assert_eq!(out_size(2, 3, 1, Pad::Valid), (0, 0));
    }

    #[test]
    fn im2col_gemm_equals_the_direct_convolution_for_every_kernel_stride_and_padding() {
        for &(h, w, cin, cout, k, s, pad) in &[
            (9, 7, 3, 5, 3, 1, Pad::Same),
            (9, 7, 3, 5, 3, 2, Pad::Same),
            (10, 10, 4, 6, 3, 2, Pad::Valid),
            (16, 13, 3, 8, 7, 2, Pad::Valid),
            (5, 6, 8, 4, 1, 1, Pad::Same),
            (6, 6, 8, 4, 1, 2, Pad::Same),
        ] {
            let x = Map {
                h,
                w,
                c: cin,
                data: pseudo(h * w * cin, 1),
            };
            let f = pseudo(k * k * cin * cout, 2);
            let conv = Conv::new(f.clone(), [k, k, cin, cout], None, s, pad);
            let got = conv.run(&x, Act::None);
            let want = naive(&x, &f, k, cout, s, pad);
            assert_eq!((got.h, got.w, got.c), (want.h, want.w, want.c));
            for (a, b) in got.data.iter().zip(&want.data) {
                assert!((a - b).abs() < 1e-4, "{a} vs {b} for k{k} s{s} {pad:?}");
            }
        }
    }

    #[test]
    fn depthwise_equals_a_convolution_with_a_diagonal_filter() {
        let (h, w, c) = (7, 8, 4);
        let x = Map {
            h,
            w,
            c,
            data: pseudo(h * w * c, 3),
        };
        let dw = pseudo(9 * c, 4);
        let mut full = vec![0f32; 9 * c * c];
        for tap in 0..9 {
            for ch in 0..c {
                full[(tap * c + ch) * c + ch] = dw[tap * c + ch];
            }
        }
        for s in [1, 2] {
            let got = Depthwise::new(dw.clone(), c, None, s).run(&x, Act::None);
            let want = naive(&x, &full, 3, c, s, Pad::Same);
            for (a, b) in got.data.iter().zip(&want.data) {
                assert!((a - b).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn folded_batch_norm_and_scale_equal_the_layers_applied_after() {
        let c = 3;
        let x = Map {
            h: 4,
            w: 4,
            c,
            data: pseudo(48, 5),
        };
        let dw = pseudo(27, 6);
        let (g, b, m, v) = (
            [1.5, 0.5, 2.0],
            [0.1, -0.2, 0.3],
            [0.05, 0.0, -0.1],
            [0.9, 1.1, 0.5],
        );
        let plain = Depthwise::new(dw.clone(), c, None, 1).run(&x, Act::None);
        let mut folded = Depthwise::new(dw, c, None, 1);
        folded.fold_batch_norm(&g, &b, &m, &v, 1e-3);
        let got = folded.run(&x, Act::None);
        for (i, (a, p)) in got.data.iter().zip(&plain.data).enumerate() {
            let ch = i % c;
            let want = (p - m[ch]) * g[ch] / (v[ch] + 1e-3f32).sqrt() + b[ch];
            assert!((a - want).abs() < 1e-5);
        }
        let f = pseudo(9 * c * 2, 7);
        let plain = Conv::new(f.clone(), [3, 3, c, 2], Some(vec![0.5, -0.5]), 1, Pad::Same)
            .run(&x, Act::None);
        let mut conv = Conv::new(f, [3, 3, c, 2], Some(vec![0.5, -0.5]), 1, Pad::Same);
        conv.fold_scale(&[2.0, -1.0], &[0.25, 1.0]);
        let got = conv.run(&x, Act::None);
        for (i, (a, p)) in got.data.iter().zip(&plain.data).enumerate() {
            let want = if i % 2 == 0 { p * 2.0 + 0.25 } else { -p + 1.0 };
            assert!((a - want).abs() < 1e-5);
        }
    }

    #[test]
    fn pooling_and_activations() {
        let x = Map {
            h: 3,
            w: 3,
            c: 1,
            data: (1..=9).map(|v| v as f32).collect(),
        };
        assert_eq!(max_pool(&x, 2, 2, Pad::Same).data, vec![5.0, 6.0, 8.0, 9.0]);
        assert_eq!(
            max_pool(&x, 2, 1, Pad::Same).data,
            vec![5.0, 6.0, 6.0, 8.0, 9.0, 9.0, 8.0, 9.0, 9.0]
        );
        assert_eq!(max_pool(&x, 3, 2, Pad::Valid).data, vec![9.0]);
        assert_eq!(avg_pool_valid(&x, 2, 2).data, vec![3.0]);
        let mut d = vec![-1.0, 3.0, 7.0];
        Act::Relu6.apply(&mut d);
        assert_eq!(d, vec![0.0, 3.0, 6.0]);
        let mut d = vec![-1.0, 3.0];
        Act::Leaky.apply(&mut d);
        assert_eq!(d, vec![-0.1, 3.0]);
        assert_eq!(global_mean(&x), vec![5.0]);
        assert_eq!(
            fully_connected(&[1.0, 2.0], &[1.0, 0.0, 0.0, 1.0], Some(&[0.5, 0.5]), 2),
            vec![1.5, 2.5]
        );
    }
}
