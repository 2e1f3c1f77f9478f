//! Embeddings of several models (SPEC §7a): each selfie meets only faces of
//! its own model, at that model's threshold.

use super::*;

/// The built-in engine's stand-in: 128-dimensional embeddings.
const ENGINE_MODEL: &str = "engine-128-test";

fn unit128(i: usize) -> Vec<f32> {
    let mut v = vec![0.0; 128];
    v[i] = 1.0;
    v
}

/// A unit vector at cosine distance `d` from `unit128(0)`.
fn at_distance(d: f32) -> Vec<f32> {
    let mut v = vec![0.0; 128];
    v[0] = 1.0 - d;
    v[1] = (1.0 - v[0] * v[0]).sqrt();
    v
}

fn member(model: &str, embedding: Vec<f32>) -> MemberSelfie {
    MemberSelfie {
        user_id: UserId::new(),
        selfie_id: SelfieId::new(),
        embedding,
        model: model.to_owned(),
        through_seq: 0,
    }
}

fn photo_face(seq: i64, photo: PhotoId, model: &str, embedding: Vec<f32>) -> PhotoFace {
    PhotoFace {
        seq,
        photo_id: photo,
        embedding,
        model: model.to_owned(),
    }
}

fn matched(found: &[MemberMatches], user: UserId) -> Vec<PhotoId> {
    let mut v: Vec<PhotoId> = found
        .iter()
        .filter(|f| f.user_id == user)
        .flat_map(|f| f.matches.iter().map(|m| m.photo_id))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_selfie_meets_only_faces_of_its_model_at_that_models_threshold() {
    let project = ProjectId::new();
    let retina_member = member(RETINA_TEST_MODEL, unit_vec(0));
    let engine_member = member(ENGINE_MODEL, unit128(0));
    // Retina's face identical to the Retina selfie, another 512-d model's
    // face identical too (never compared), the engine's faces at 0.55 (a
    // match at its 0.6, not at Retina's 0.5) and 0.65 (no match).
    let (retina_photo, other_photo, near_photo, far_photo) = (
        PhotoId::new(),
        PhotoId::new(),
        PhotoId::new(),
        PhotoId::new(),
    );
    let faces = vec![
        photo_face(1, retina_photo, RETINA_TEST_MODEL, unit_vec(0)),
        photo_face(2, other_photo, "another-512", unit_vec(0)),
        photo_face(3, near_photo, ENGINE_MODEL, at_distance(0.55)),
        photo_face(4, far_photo, ENGINE_MODEL, at_distance(0.65)),
    ];
    let mut m = Mocks::new();
    m.faces
        .expect_matchable_members()
        .return_const(Ok(vec![retina_member.clone(), engine_member.clone()]));
    m.faces.expect_faces_after().return_const(Ok(faces));
    let seen: Arc<Mutex<Vec<MemberMatches>>> = Arc::default();
    let out = seen.clone();
    m.faces
        .expect_record_matches()
        .withf(|_, through, _, _, _, _| *through == 4)
        .times(1)
        .returning(move |_, _, found, _, _, _| {
            out.lock().unwrap().extend_from_slice(found);
            Ok(())
        });
    let settings = Settings {
        model_match_distances: vec![(ENGINE_MODEL.to_owned(), 0.6)],
        ..Settings::default()
    };
    m.media_with(NOW, settings)
        .handle(&JobPayload::ClusterFaces {
            project_id: project,
        })
        .await
        .unwrap();
    let found = seen.lock().unwrap().clone();
    // Both members move past the batch, whatever their model.
    assert_eq!(found.len(), 2);
    assert_eq!(matched(&found, retina_member.user_id), [retina_photo]);
    assert_eq!(matched(&found, engine_member.user_id), [near_photo]);
    let d = found
        .iter()
        .flat_map(|f| &f.matches)
        .find(|x| x.photo_id == near_photo)
        .unwrap()
        .distance;
    assert!((d - 0.55).abs() < 1e-4, "{d}");
}

#[test]
fn an_explicit_threshold_overrides_every_models_default() {
    let mut settings = Settings {
        model_match_distances: vec![(ENGINE_MODEL.to_owned(), 0.42)],
        ..Settings::default()
    };
    assert_eq!(settings.match_max_distance_for(ENGINE_MODEL), 0.42);
    assert_eq!(settings.match_max_distance_for(RETINA_TEST_MODEL), 0.5);
    assert_eq!(settings.match_max_distance_for(LEGACY_RETINA_MODEL), 0.5);
    settings.match_max_distance = Some(0.3);
    assert_eq!(settings.match_max_distance_for(ENGINE_MODEL), 0.3);
    assert_eq!(settings.match_max_distance_for(RETINA_TEST_MODEL), 0.3);
}

/// After a change of engine, `reprocess --step faces` describes again the
/// approved selfies of the photos' projects the running engine would not
/// have made; each once, whatever the projects it is in.
#[tokio::test]
async fn a_faces_reprocess_describes_again_the_selfies_of_another_model() {
    let p = photographer(Audience::Media);
    let (one, two) = (ProjectId::new(), ProjectId::new());
    let (a, b) = (
        photo_of(&p, one, PhotoStatus::Ready),
        photo_of(&p, two, PhotoStatus::Ready),
    );
    let kept = member(ENGINE_MODEL, unit128(0));
    let stale = member(RETINA_TEST_MODEL, unit_vec(0));
    let stale_id = stale.selfie_id;
    let mut m = Mocks::new();
    let photos = [a.clone(), b.clone()];
    m.photos
        .expect_photo()
        .returning(move |id| Ok(photos.iter().find(|p| p.id == id).cloned()));
    m.photos
        .expect_reset_photo()
        .times(2)
        .returning(|_, _, _, _| Ok(true));
    // The stale selfie's member is in both projects.
    m.faces
        .expect_matchable_members()
        .times(2)
        .return_const(Ok(vec![kept, stale]));
    m.embedder
        .expect_keeps()
        .returning(|model| model == ENGINE_MODEL);
    m.selfies
        .expect_redescribe_selfie()
        .withf(move |id, jobs, _| {
            *id == stale_id
                && jobs
                    == [JobPayload::ProcessSelfie {
                        selfie_id: stale_id,
                    }]
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    let jobs = m
        .media()
        .reprocess(&[a.id, b.id], ReprocessStep::Faces)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 3, "{jobs:?}");
    assert!(jobs.contains(&JobPayload::ProcessSelfie {
        selfie_id: stale_id
    }));
}
