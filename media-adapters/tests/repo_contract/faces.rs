//! Faces, matches and matching progress.

use super::*;

/// Each stored embedding keeps the model that made it, whatever its
/// length: the built-in engine's are 128 long (SPEC §7a).
async fn every_embedding_keeps_its_model(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let p = new_photo(&w, None, t);
    store.create_photo_if_assigned(&p).await.unwrap();
    store.mark_photo_uploaded(p.id, None, &[], t).await.unwrap();
    let short: Vec<f32> = unit(3)[..128].to_vec();
    store
        .store_faces(p.id, "engine-128", std::slice::from_ref(&short), &[], t)
        .await
        .unwrap();
    let faces = store.faces_after(w.project, 0, 10).await.unwrap();
    assert_eq!(faces.len(), 1);
    assert_eq!(
        (faces[0].model.as_str(), &faces[0].embedding),
        ("engine-128", &short)
    );

    let user = UserId::new();
    store.join(w.project, user, &[], t).await.unwrap();
    store
        .grant_consent(user, ConsentPurpose::BiometricProcessing, t)
        .await
        .unwrap();
    let s = new_selfie(user, t);
    store.create_selfie(&s).await.unwrap();
    store
        .mark_selfie_uploaded(s.id, None, &[], t)
        .await
        .unwrap();
    store
        .approve_selfie(s.id, "engine-128", &short, &[], &[], t)
        .await
        .unwrap();
    let members = store.matchable_members(w.project).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].model.as_str(), &members[0].embedding),
        ("engine-128", &short)
    );
}

async fn faces_are_numbered_in_order_and_matches_keep_the_closest(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let mut photos = Vec::new();
    for i in 0..3 {
        let p = new_photo(&w, Some(t - Duration::from_secs(i * 60)), t);
        store.create_photo_if_assigned(&p).await.unwrap();
        store.mark_photo_uploaded(p.id, None, &[], t).await.unwrap();
        store
            .store_faces(p.id, TEST_MODEL, &[unit(i as usize), unit(10)], &[], t)
            .await
            .unwrap();
        photos.push(p);
    }
    let faces = store.faces_after(w.project, 0, 100).await.unwrap();
    assert_eq!(
        faces.iter().map(|f| f.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5, 6]
    );
    assert_eq!(faces[2].photo_id, photos[1].id);
    assert_eq!(faces[2].embedding, unit(1));
    assert_eq!(
        store.faces_after(w.project, 4, 100).await.unwrap().len(),
        2,
        "resumes after"
    );
    assert!(store.photo(photos[0].id).await.unwrap().unwrap().faces_done);

    let (user, s) = consenting_member(store, w.project, t).await;
    let m = |photo: PhotoId, distance| FaceMatch {
        user_id: user,
        project_id: w.project,
        photo_id: photo,
        distance,
    };
    record(
        store,
        w.project,
        user,
        s,
        &[m(photos[0].id, 0.3), m(photos[1].id, 0.4)],
        4,
    )
    .await;
    record(
        store,
        w.project,
        user,
        s,
        &[m(photos[0].id, 0.1), m(photos[1].id, 0.45)],
        6,
    )
    .await;
    assert_eq!(progress(store, w.project, user).await, Some((s, 6)));
    record(store, w.project, user, s, &[], 5).await;
    assert_eq!(
        progress(store, w.project, user).await,
        Some((s, 6)),
        "an overlapping older run never moves progress back"
    );
    let got = store.matched_photos(w.project, user).await.unwrap();
    assert_eq!(
        got.iter().map(|m| m.photo_id).collect::<Vec<_>>(),
        vec![photos[0].id, photos[1].id],
        "listing order"
    );
    assert!((got[0].distance - 0.1).abs() < 1e-6, "closer replaces");
    assert!((got[1].distance - 0.4).abs() < 1e-6, "farther does not");

    // Matches for a selfie that is no longer the approved one are dropped.
    record(
        store,
        w.project,
        user,
        SelfieId::new(),
        &[m(photos[2].id, 0.0)],
        99,
    )
    .await;
    assert_eq!(
        store.matched_photos(w.project, user).await.unwrap().len(),
        2
    );
}

async fn concurrent_face_inserts_commit_in_sequence_order(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let mut ids = Vec::new();
    for _ in 0..8 {
        let p = new_photo(&w, None, t);
        store.create_photo_if_assigned(&p).await.unwrap();
        store.mark_photo_uploaded(p.id, None, &[], t).await.unwrap();
        ids.push(p.id);
    }
    let mut handles = Vec::new();
    for id in ids {
        let s = store.clone();
        handles.push(tokio::spawn(async move {
            s.store_faces(id, TEST_MODEL, &[unit(1), unit(2), unit(3)], &[], t)
                .await
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let seqs: Vec<i64> = store
        .faces_after(w.project, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|f| f.seq)
        .collect();
    assert_eq!(seqs, (1..=24).collect::<Vec<_>>(), "no gaps, no duplicates");
}

/// A photo deleted while its faces are being stored keeps no face: the
/// two transactions race 60 times (on Postgres they run at once).
async fn no_face_outlives_a_photo_deleted_while_its_faces_are_stored(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let mut ids = Vec::new();
    for _ in 0..60 {
        let p = new_photo(&w, None, t);
        store.create_photo_if_assigned(&p).await.unwrap();
        store.mark_photo_uploaded(p.id, None, &[], t).await.unwrap();
        let (a, b) = (store.clone(), store.clone());
        let (id, embeddings) = (p.id, vec![unit(1), unit(2)]);
        let faces =
            tokio::spawn(async move { a.store_faces(id, TEST_MODEL, &embeddings, &[], t).await });
        let delete = tokio::spawn(async move { b.delete_photo(id, &[], t).await });
        faces.await.unwrap().unwrap();
        delete.await.unwrap().unwrap();
        ids.push(p.id);
    }
    let left: Vec<_> = store
        .faces_after(w.project, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| ids.contains(&f.photo_id))
        .collect();
    assert!(left.is_empty(), "{} faces of deleted photos", left.len());
}

/// A match recorded while its photo is deleted is not left behind to be
/// announced (a `matches.added` naming a deleted photo): the two
/// transactions race 60 times (on Postgres they run at once).
async fn no_match_outlives_a_photo_deleted_while_it_is_matched(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let (user, selfie) = consenting_member(store, w.project, t).await;
    for seq in 1..=60 {
        let p = new_photo(&w, None, t);
        store.create_photo_if_assigned(&p).await.unwrap();
        store.mark_photo_uploaded(p.id, None, &[], t).await.unwrap();
        let found = MemberMatches {
            user_id: user,
            selfie_id: selfie,
            matches: vec![FaceMatch {
                user_id: user,
                project_id: w.project,
                photo_id: p.id,
                distance: 0.2,
            }],
        };
        let (a, b, project, id) = (store.clone(), store.clone(), w.project, p.id);
        let matched =
            tokio::spawn(
                async move { a.record_matches(project, seq, &[found], true, &[], t).await },
            );
        let delete = tokio::spawn(async move { b.delete_photo(id, &[], t).await });
        matched.await.unwrap().unwrap();
        delete.await.unwrap().unwrap();
    }
    let left = store.unannounced_matches(w.project, user).await.unwrap();
    assert!(left.is_empty(), "{} matches of deleted photos", left.len());
}

media_adapters::contract_tests! {
    no_match_outlives_a_photo_deleted_while_it_is_matched: 5,
    no_face_outlives_a_photo_deleted_while_its_faces_are_stored: 5,
    faces_are_numbered_in_order_and_matches_keep_the_closest: 5,
    every_embedding_keeps_its_model: 5,
    concurrent_face_inserts_commit_in_sequence_order: 5,
}
