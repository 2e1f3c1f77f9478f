//! The matching kernel: exact cosine distance between one selfie embedding
//! and many face embeddings (all L2-normalised, so cosine = dot product).
//!
//! The scan uses an f32 dot product laid out for the compiler to vectorise
//! (eight independent accumulators). Because its summation order differs from
//! a sequential sum, a face whose fast distance lies within `RECHECK_BAND` of
//! the threshold is decided again in f64, sequentially: decisions are those of
//! the exact reference.

use std::collections::HashMap;

use crate::domain::{FaceMatch, PhotoFace};
use crate::ids::{PhotoId, ProjectId, UserId};

const LANES: usize = 8;
/// Far above the f32 rounding error of a 512-term dot product of unit vectors (~1e-5).
const RECHECK_BAND: f32 = 1e-3;

/// Dot product with eight accumulators (auto-vectorised to SIMD).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; LANES];
    let chunks = n / LANES;
    for c in 0..chunks {
        let (x, y) = (
            &a[c * LANES..c * LANES + LANES],
            &b[c * LANES..c * LANES + LANES],
        );
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for i in chunks * LANES..n {
        sum += a[i] * b[i];
    }
    sum
}

/// The reference: cosine distance in f64, summed in order.
pub fn exact_distance(a: &[f32], b: &[f32]) -> f64 {
    1.0 - a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum::<f64>()
}

/// Whether `face` matches `query` at `max_distance`, decided like the reference.
/// Returns the distance when it does.
pub fn match_distance(query: &[f32], face: &[f32], max_distance: f32) -> Option<f32> {
    let fast = 1.0 - dot(query, face);
    if fast > max_distance + RECHECK_BAND {
        return None;
    }
    if fast < max_distance - RECHECK_BAND {
        return Some(fast);
    }
    let exact = exact_distance(query, face);
    (exact <= f64::from(max_distance)).then_some(exact as f32)
}

/// L2-normalises in place; a zero vector stays zero.
pub fn normalize(v: &mut [f32]) {
    let norm = v
        .iter()
        .map(|x| f64::from(*x) * f64::from(*x))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x = (f64::from(*x) / norm) as f32;
        }
    }
}

/// Best match per photo among `faces`: at most one per photo, the closest face.
pub fn best_matches(
    project: ProjectId,
    user: UserId,
    query: &[f32],
    faces: &[PhotoFace],
    max_distance: f32,
) -> Vec<FaceMatch> {
    let mut best: HashMap<PhotoId, f32> = HashMap::new();
    for face in faces {
        if let Some(d) = match_distance(query, &face.embedding, max_distance) {
            best.entry(face.photo_id)
                .and_modify(|b| *b = b.min(d))
                .or_insert(d);
        }
    }
    collect_matches(project, user, best)
}

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
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
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

    pub fn len(&self) -> usize {
        self.scale.len()
    }

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
fn dots_i8(q: &[i8], codes: &[i8], out: &mut Vec<i32>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { dots_i8_avx2(q, codes, out) };
        return;
    }
    dots_i8_portable(q, codes, out);
}

#[inline(always)]
fn dots_i8_portable(q: &[i8], codes: &[i8], out: &mut Vec<i32>) {
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

/// One batch of a project's faces (in `seq` order), prepared once and
/// matched against many members' selfies: what `cluster_faces` for a whole
/// project runs.
pub struct FaceBatch<'a> {
    faces: &'a [PhotoFace],
    index: QuantizedFaces,
}

impl<'a> FaceBatch<'a> {
    pub fn new(faces: &'a [PhotoFace]) -> Self {
        let dim = faces.first().map_or(1, |f| f.embedding.len());
        let flat: Vec<f32> = faces
            .iter()
            .filter(|f| f.embedding.len() == dim)
            .flat_map(|f| f.embedding.iter().copied())
            .collect();
        // A face of another length (never stored by Retina's adapter) would
        // shift every index after it: fall back to nothing rather than guess.
        let index = if flat.len() == faces.len() * dim {
            QuantizedFaces::new(&flat, dim)
        } else {
            QuantizedFaces::new(&[], dim)
        };
        Self { faces, index }
    }

    /// Like [`best_matches`] over the faces with `seq > after`.
    pub fn best_matches(
        &self,
        project: ProjectId,
        user: UserId,
        query: &[f32],
        after: i64,
        max_distance: f32,
    ) -> Vec<FaceMatch> {
        let start = self.faces.partition_point(|f| f.seq <= after);
        if self.index.len() != self.faces.len() {
            return best_matches(project, user, query, &self.faces[start..], max_distance);
        }
        let mut best: HashMap<PhotoId, f32> = HashMap::new();
        self.index.scan_from(start, query, max_distance, |i, d| {
            best.entry(self.faces[i].photo_id)
                .and_modify(|b| *b = b.min(d))
                .or_insert(d);
        });
        collect_matches(project, user, best)
    }
}

fn collect_matches(
    project: ProjectId,
    user: UserId,
    best: HashMap<PhotoId, f32>,
) -> Vec<FaceMatch> {
    let mut out: Vec<FaceMatch> = best
        .into_iter()
        .map(|(photo_id, distance)| FaceMatch {
            user_id: user,
            project_id: project,
            photo_id,
            distance,
        })
        .collect();
    out.sort_by_key(|m| m.photo_id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unit(dim: usize) -> impl Strategy<Value = Vec<f32>> {
        proptest::collection::vec(-1.0f32..1.0, dim).prop_map(|mut v| {
            normalize(&mut v);
            v
        })
    }

    proptest! {
        #[test]
        fn decisions_equal_the_exact_reference(q in unit(512), faces in proptest::collection::vec(unit(512), 1..20), t in 0.0f32..2.0) {
            for f in &faces {
                let reference = exact_distance(&q, f) <= f64::from(t);
                prop_assert_eq!(match_distance(&q, f, t).is_some(), reference);
            }
        }

        #[test]
        fn near_copies_match_and_distances_agree(q in unit(512), noise in proptest::collection::vec(-0.02f32..0.02, 512)) {
            let mut f: Vec<f32> = q.iter().zip(&noise).map(|(a, b)| a + b).collect();
            normalize(&mut f);
            let d = match_distance(&q, &f, 0.5).expect("a near copy matches");
            prop_assert!((f64::from(d) - exact_distance(&q, &f)).abs() < 1e-4);
        }

        #[test]
        fn dot_equals_sequential_sum(a in proptest::collection::vec(-1.0f32..1.0, 0..100), b in proptest::collection::vec(-1.0f32..1.0, 0..100)) {
            let n = a.len().min(b.len());
            let reference: f64 = (0..n).map(|i| f64::from(a[i]) * f64::from(b[i])).sum();
            prop_assert!((f64::from(dot(&a, &b)) - reference).abs() < 1e-4);
        }
    }

    proptest! {
        #[test]
        fn quantized_scan_decides_like_the_reference(
            q in unit(512),
            faces in proptest::collection::vec(unit(512), 1..12),
            near in proptest::collection::vec((0usize..12, -0.05f32..0.05), 0..6),
            t in 0.0f32..2.0,
        ) {
            // Some faces are near copies of the query, to exercise the band.
            let mut faces = faces;
            for (i, noise) in near {
                if let Some(f) = faces.get_mut(i) {
                    *f = q.iter().enumerate().map(|(j, x)| x + noise * ((j % 7) as f32 - 3.0) / 3.0).collect();
                    normalize(f);
                }
            }
            let flat: Vec<f32> = faces.iter().flatten().copied().collect();
            let index = QuantizedFaces::new(&flat, 512);
            let mut got = Vec::new();
            index.scan(&q, t, |i, d| got.push((i, d)));
            let want: Vec<usize> = (0..faces.len()).filter(|&i| exact_distance(&q, &faces[i]) <= f64::from(t)).collect();
            prop_assert_eq!(got.iter().map(|(i, _)| *i).collect::<Vec<_>>(), want);
            for (i, d) in got {
                prop_assert!((f64::from(d) - exact_distance(&q, &faces[i])).abs() < 1e-6);
            }
        }
    }

    proptest! {
        #[test]
        fn a_batch_matches_like_best_matches_after_the_progress(
            q in unit(512),
            embeddings in proptest::collection::vec(unit(512), 1..10),
            near in proptest::collection::vec(0usize..10, 0..4),
            photos in proptest::collection::vec(0usize..4, 10),
            after in 0i64..10,
        ) {
            let ids: Vec<PhotoId> = (0..4).map(|_| PhotoId::new()).collect();
            let faces: Vec<PhotoFace> = embeddings
                .into_iter()
                .enumerate()
                .map(|(i, e)| PhotoFace {
                    seq: i as i64 + 1,
                    photo_id: ids[photos[i]],
                    embedding: if near.contains(&i) { q.clone() } else { e },
                })
                .collect();
            let (project, user) = (ProjectId::new(), UserId::new());
            let start = faces.partition_point(|f| f.seq <= after);
            let want = best_matches(project, user, &q, &faces[start..], 0.5);
            let got = FaceBatch::new(&faces).best_matches(project, user, &q, after, 0.5);
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert_eq!(g.photo_id, w.photo_id);
                prop_assert!((g.distance - w.distance).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn int8_dot_is_exact() {
        let a: Vec<i8> = (0..517).map(|i| ((i * 37) % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..517).map(|i| ((i * 91) % 255 - 127) as i8).collect();
        let reference: i32 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| i32::from(*x) * i32::from(*y))
            .sum();
        assert_eq!(dot_i8(&a, &b), reference);

        // Every row, through the dispatching scan (AVX2 where the CPU has it)
        // and the portable loop, with rows before and after the prefetch window.
        let rows: Vec<i8> = (0..517 * 9).map(|i| ((i * 53) % 255 - 127) as i8).collect();
        let (mut fast, mut portable) = (Vec::new(), Vec::new());
        dots_i8(&a, &rows, &mut fast);
        dots_i8_portable(&a, &rows, &mut portable);
        let want: Vec<i32> = rows.chunks_exact(517).map(|r| dot_i8(&a, r)).collect();
        assert_eq!(fast, want);
        assert_eq!(portable, want);
    }

    #[test]
    fn one_match_per_photo_the_closest() {
        let project = ProjectId::new();
        let user = UserId::new();
        let photo = PhotoId::new();
        let q = vec![1.0, 0.0, 0.0, 0.0];
        let faces = vec![
            PhotoFace {
                seq: 1,
                photo_id: photo,
                embedding: vec![0.8, 0.6, 0.0, 0.0],
            },
            PhotoFace {
                seq: 2,
                photo_id: photo,
                embedding: vec![1.0, 0.0, 0.0, 0.0],
            },
            PhotoFace {
                seq: 3,
                photo_id: PhotoId::new(),
                embedding: vec![0.0, 1.0, 0.0, 0.0],
            },
        ];
        let m = best_matches(project, user, &q, &faces, 0.5);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].photo_id, photo);
        assert!(m[0].distance.abs() < 1e-6);
    }
}
