//! The int8 first pass over many faces, with a proven error bound and an
//! exact re-check; the hot loop has an AVX2 path.

use super::reference::exact_distance;

/// Face embeddings laid out for a fast first pass: each face as int8 codes
/// with its own scale (a quarter of the f32 bytes to stream), beside the
/// exact f32 values. A face whose approximate distance, widened by a proven
/// bound on the quantisation error, could be within the threshold is decided
/// again by [`exact_distance`]: decisions equal the exact reference's.
pub struct QuantizedFaces {
    dim: usize,
    codes: Vec<i8>,
    /// Per face: its scale, half a step times sqrt(dim), and its norm.
    scale: Vec<f32>,
    half_step: Vec<f32>,
    norm: Vec<f32>,
    exact: Vec<f32>,
}

/// Per-vector symmetric int8 quantisation: codes, scale, and the L2 norm.
fn quantize(v: &[f32], out: &mut Vec<i8>) -> (f32, f32) {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    out.extend(
        v.iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8),
    );
    let norm = v
        .iter()
        .map(|x| f64::from(*x) * f64::from(*x))
        .sum::<f64>()
        .sqrt() as f32;
    (scale, norm)
}

/// Integer dot product; the i16 products keep it vectorisable.
#[inline(always)]
pub(super) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    const W: usize = 32;
    let mut acc = [0i32; W];
    let (ca, cb) = (a.chunks_exact(W), b.chunks_exact(W));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..W {
            acc[l] += i32::from(i16::from(x[l]) * i16::from(y[l]));
        }
    }
    let tail: i32 = ra
        .iter()
        .zip(rb)
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum();
    acc.iter().sum::<i32>() + tail
}

impl QuantizedFaces {
    /// `embeddings` holds the faces back to back, `dim` values each.
    pub fn new(embeddings: &[f32], dim: usize) -> Self {
        let dim = dim.max(1);
        let n = embeddings.len() / dim;
        let mut codes = Vec::with_capacity(n * dim);
        let (mut scale, mut half_step, mut norm) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let root = (dim as f32).sqrt();
        for face in embeddings.chunks_exact(dim) {
            let (s, nf) = quantize(face, &mut codes);
            scale.push(s);
            half_step.push(s * root / 2.0);
            norm.push(nf);
        }
        Self {
            dim,
            codes,
            scale,
            half_step,
            norm,
            exact: embeddings[..n * dim].to_vec(),
        }
    }

    /// How many faces.
    pub fn len(&self) -> usize {
        self.scale.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.scale.is_empty()
    }

    /// Calls `hit(index, distance)` for every face within `max_distance` of
    /// `query`, decided and measured exactly.
    pub fn scan(&self, query: &[f32], max_distance: f32, hit: impl FnMut(usize, f32)) {
        self.scan_from(0, query, max_distance, hit);
    }

    /// [`scan`](Self::scan) over the faces from index `start` on.
    pub fn scan_from(
        &self,
        start: usize,
        query: &[f32],
        max_distance: f32,
        mut hit: impl FnMut(usize, f32),
    ) {
        if query.len() != self.dim {
            return;
        }
        let mut q = Vec::with_capacity(self.dim);
        let (sq, nq) = quantize(query, &mut q);
        let root = (self.dim as f32).sqrt();
        let bq = sq * root / 2.0;
        let d4 = self.dim as f32 / 4.0;
        let threshold = f64::from(max_distance);
        let start = start.min(self.len());
        let mut dots = Vec::with_capacity(DOT_BLOCK);
        for block in (start..self.len()).step_by(DOT_BLOCK) {
            let end = (block + DOT_BLOCK).min(self.len());
            dots.clear();
            dots_i8(&q, &self.codes[block * self.dim..end * self.dim], &mut dots);
            for (i, &dot) in (block..end).zip(&dots) {
                self.decide(
                    i,
                    dot,
                    query,
                    (sq, nq, bq, d4),
                    max_distance,
                    threshold,
                    &mut hit,
                );
            }
        }
    }

    /// Widens the approximate distance of face `i` by the error bound and
    /// re-checks exactly what could match.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn decide(
        &self,
        i: usize,
        dot: i32,
        query: &[f32],
        (sq, nq, bq, d4): (f32, f32, f32, f32),
        max_distance: f32,
        threshold: f64,
        hit: &mut impl FnMut(usize, f32),
    ) {
        let approx = 1.0 - sq * self.scale[i] * dot as f32;
        // |q·f − sq·sf·(Q·F)| ≤ ‖sq·Q‖‖e_f‖ + ‖sf·F‖‖e_q‖ + |e_q·e_f|, each
        // rounding error at most half a step per component; 1e-4 covers f32 arithmetic.
        let (af, nf) = (self.half_step[i], self.norm[i]);
        let bound = (nq + bq) * af + (nf + af) * bq + d4 * sq * self.scale[i] + 1e-4;
        if approx - bound > max_distance {
            return;
        }
        let face = &self.exact[i * self.dim..(i + 1) * self.dim];
        let exact = exact_distance(query, face);
        if exact <= threshold {
            hit(i, exact as f32);
        }
    }
}

/// Faces whose integer dot products are computed in one go (16 KiB of
/// results, their codes streamed once).
const DOT_BLOCK: usize = 4096;

/// The integer dot product of `q` with every `q.len()`-long row of `codes`.
/// The hot loop of matching. On x86-64 CPUs with AVX2 (checked at run time,
/// since release builds target the x86-64 baseline) it runs compiled for
/// 256-bit vectors and prefetches rows ahead: 13.0 → 4.7 ms per 100,000
/// faces on the benchmark machine (BENCHMARKS.md), where the hardware
/// prefetcher alone left the scan at a third of the memory bandwidth.
pub(super) fn dots_i8(q: &[i8], codes: &[i8], out: &mut Vec<i32>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { dots_i8_avx2(q, codes, out) };
        return;
    }
    dots_i8_portable(q, codes, out);
}

#[inline(always)]
pub(super) fn dots_i8_portable(q: &[i8], codes: &[i8], out: &mut Vec<i32>) {
    if q.is_empty() {
        return;
    }
    out.extend(codes.chunks_exact(q.len()).map(|c| dot_i8(q, c)));
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dots_i8_avx2(q: &[i8], codes: &[i8], out: &mut Vec<i32>) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    const AHEAD: usize = 4;
    let dim = q.len();
    if dim == 0 {
        return;
    }
    for (r, row) in codes.chunks_exact(dim).enumerate() {
        // The hardware prefetcher alone streams these rows at a third of the
        // memory bandwidth here: ask for the row AHEAD rows on, line by line.
        if let Some(next) = codes.get((r + AHEAD) * dim..(r + AHEAD + 1) * dim) {
            for line in next.chunks(64) {
                _mm_prefetch::<_MM_HINT_T0>(line.as_ptr());
            }
        }
        out.push(dot_i8(q, row));
    }
}
