//! The f32 scan, decided like the exact f64 reference.

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

/// Best match per photo among `faces`: at most one per photo, the closest
/// face. A face of another length than `query` (another model's) is never
/// a match: a dot product over the shorter prefix would mean nothing.
pub fn best_matches(
    project: ProjectId,
    user: UserId,
    query: &[f32],
    faces: &[PhotoFace],
    max_distance: f32,
) -> Vec<FaceMatch> {
    let mut best: HashMap<PhotoId, f32> = HashMap::new();
    for face in faces.iter().filter(|f| f.embedding.len() == query.len()) {
        if let Some(d) = match_distance(query, &face.embedding, max_distance) {
            best.entry(face.photo_id)
                .and_modify(|b| *b = b.min(d))
                .or_insert(d);
        }
    }
    collect_matches(project, user, best)
}

/// The per-photo bests as matches, in photo order.
pub(super) fn collect_matches(
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
