//! The matching kernel: one selfie embedding against N face embeddings,
//! one thread, exact cosine decisions at MATCH_MAX_DISTANCE (0.5).
//! `--dim 512` is Retina's embedding, `--dim 128` the built-in engine's.
//!
//!     cargo bench --bench match_bench -- --n 100000 [--reps 30] [--dim 512]
//!
//! Last line: {"n":…,"ms_per_query_median":…}. Compare with
//! ../shared/bench/match_anchor.py --n 100000 (numpy's flat f32 scan).

mod common;

use common::arg_or;
use std::time::Instant;

use media_core::matching::{QuantizedFaces, match_distance, normalize};

/// xorshift: deterministic, dependency-free test vectors.
struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
}

fn main() {
    let n = arg_or("--n", 100_000);
    let reps = arg_or("--reps", 30).max(1);
    let dim = arg_or("--dim", media_core::domain::RETINA_EMBEDDING_DIM).max(1);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut faces = vec![0f32; n * dim];
    for face in faces.chunks_exact_mut(dim) {
        face.iter_mut().for_each(|x| *x = rng.unit());
        normalize(face);
    }
    // The query is a noisy copy of face 7, so there is at least one match.
    let mut query: Vec<f32> = faces[7 * dim..8 * dim]
        .iter()
        .map(|x| x + 0.01 * rng.unit())
        .collect();
    normalize(&mut query);

    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };

    // The plain f32 scan, for comparison.
    let mut f32_times = Vec::with_capacity(reps);
    let mut f32_matches = 0;
    for _ in 0..reps {
        let t = Instant::now();
        f32_matches = faces
            .chunks_exact(dim)
            .filter(|f| match_distance(&query, f, 0.5).is_some())
            .count();
        f32_times.push(t.elapsed().as_secs_f64() * 1000.0);
    }

    // The kernel: int8 codes with a proven error bound, exact re-check.
    let index = QuantizedFaces::new(&faces, dim);
    let mut times = Vec::with_capacity(reps);
    let mut matches = 0;
    for _ in 0..reps {
        let t = Instant::now();
        let mut found = 0;
        index.scan(&query, 0.5, |_, _| found += 1);
        matches = found;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    assert_eq!(matches, f32_matches, "both scans decide alike");
    let (f32_ms, ms) = (median(f32_times), median(times));
    println!("matches {matches}; f32 scan {f32_ms:.3} ms; int8 scan {ms:.3} ms");
    println!(
        "{{\"n\":{n},\"dim\":{dim},\"reps\":{reps},\"ms_per_query_median\":{ms:.3},\"f32_ms_per_query_median\":{f32_ms:.3},\"layout\":\"int8 codes + exact re-check\"}}"
    );
}
