//! The matching kernel: exact cosine distance between one selfie embedding
//! and many face embeddings (all L2-normalised, so cosine = dot product).
//!
//! The scan uses an f32 dot product laid out for the compiler to vectorise
//! (eight independent accumulators). Because its summation order differs from
//! a sequential sum, a face whose fast distance lies within `RECHECK_BAND` of
//! the threshold is decided again in f64, sequentially: decisions are those of
//! the exact reference.

//!
//! - [`match_distance`], [`best_matches`]: the f32 scan with the f64
//!   re-check, and [`exact_distance`], the reference it is decided like;
//! - [`QuantizedFaces`]: the int8 first pass (with its AVX2 path);
//! - [`FaceBatch`]: one batch of a project's faces against many selfies.

mod batch;
mod quantized;
mod reference;

pub use batch::FaceBatch;
pub use quantized::QuantizedFaces;
pub use reference::{best_matches, dot, exact_distance, match_distance, normalize};

#[cfg(test)]
mod tests {
    use super::quantized::{dot_i8, dots_i8, dots_i8_portable};
    use super::*;
    use crate::domain::PhotoFace;
    use crate::ids::{PhotoId, ProjectId, UserId};
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
                    model: "m".to_owned(),
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

    /// Retina's embeddings are 512 long, the built-in engine's 128.
    fn model_dims() -> impl Strategy<Value = usize> {
        prop_oneof![Just(128usize), Just(512usize)]
    }

    proptest! {
        #[test]
        fn the_int8_scan_decides_like_the_reference_at_both_models_lengths(
            (q, faces, noise) in model_dims().prop_flat_map(|d| (
                unit(d),
                proptest::collection::vec(unit(d), 1..12),
                proptest::collection::vec(-0.05f32..0.05, d),
            )),
            t in 0.0f32..2.0,
        ) {
            let dim = q.len();
            // The first face is a near copy of the query, to exercise the band.
            let mut faces = faces;
            faces[0] = q.iter().zip(&noise).map(|(x, n)| x + n).collect();
            normalize(&mut faces[0]);
            let flat: Vec<f32> = faces.iter().flatten().copied().collect();
            let index = QuantizedFaces::new(&flat, dim);
            let mut got = Vec::new();
            index.scan(&q, t, |i, d| got.push((i, d)));
            let want: Vec<usize> = (0..faces.len()).filter(|&i| exact_distance(&q, &faces[i]) <= f64::from(t)).collect();
            prop_assert_eq!(got.iter().map(|(i, _)| *i).collect::<Vec<_>>(), want);
            for (i, d) in got {
                prop_assert!((f64::from(d) - exact_distance(&q, &faces[i])).abs() < 1e-6);
                prop_assert_eq!(match_distance(&q, &faces[i], t).is_some(), true);
            }
        }

        #[test]
        fn a_face_of_another_length_never_matches(q in unit(128), f in unit(512)) {
            // Even where the shorter prefix is the query itself.
            let mut f = f;
            f[..128].copy_from_slice(&q);
            let face = PhotoFace { seq: 1, photo_id: PhotoId::new(), embedding: f, model: "m".to_owned() };
            prop_assert!(best_matches(ProjectId::new(), UserId::new(), &q, std::slice::from_ref(&face), 2.0).is_empty());
            prop_assert!(FaceBatch::new(std::slice::from_ref(&face)).best_matches(ProjectId::new(), UserId::new(), &q, 0, 2.0).is_empty());
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
                model: "m".to_owned(),
            },
            PhotoFace {
                seq: 2,
                photo_id: photo,
                embedding: vec![1.0, 0.0, 0.0, 0.0],
                model: "m".to_owned(),
            },
            PhotoFace {
                seq: 3,
                photo_id: PhotoId::new(),
                embedding: vec![0.0, 1.0, 0.0, 0.0],
                model: "m".to_owned(),
            },
        ];
        let m = best_matches(project, user, &q, &faces, 0.5);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].photo_id, photo);
        assert!(m[0].distance.abs() < 1e-6);
    }
}
