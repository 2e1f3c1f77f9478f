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
