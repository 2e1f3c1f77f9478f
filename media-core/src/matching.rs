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
    pub fn scan(&self, query: &[f32], max_distance: f32, mut hit: impl FnMut(usize, f32)) {
        if query.len() != self.dim {
            return;
        }
        let mut q = Vec::with_capacity(self.dim);
        let (sq, nq) = quantize(query, &mut q);
        let root = (self.dim as f32).sqrt();
        let bq = sq * root / 2.0;
        let d4 = self.dim as f32 / 4.0;
        let threshold = f64::from(max_distance);
        for (i, codes) in self.codes.chunks_exact(self.dim).enumerate() {
            let approx = 1.0 - sq * self.scale[i] * dot_i8(&q, codes) as f32;
            // |q·f − sq·sf·(Q·F)| ≤ ‖sq·Q‖‖e_f‖ + ‖sf·F‖‖e_q‖ + |e_q·e_f|, each
            // rounding error at most half a step per component; 1e-4 covers f32 arithmetic.
            let (af, nf) = (self.half_step[i], self.norm[i]);
            let bound = (nq + bq) * af + (nf + af) * bq + d4 * sq * self.scale[i] + 1e-4;
            if approx - bound > max_distance {
                continue;
            }
            let face = &self.exact[i * self.dim..(i + 1) * self.dim];
            let exact = exact_distance(query, face);
            if exact <= threshold {
                hit(i, exact as f32);
            }
        }
    }
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
