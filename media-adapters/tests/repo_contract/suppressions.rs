//! "Not me" (SPEC §3.13a): suppressed (user, photo) pairs.

use super::*;

/// A member with an approved selfie, matched to two photos of the world's project.
async fn matched_member(
    store: &impl Store,
    w: &World,
    t: OffsetDateTime,
) -> (UserId, SelfieId, [PhotoId; 2]) {
    let mut photos = [PhotoId::new(); 2];
    for (i, slot) in photos.iter_mut().enumerate() {
        let p = new_photo(w, Some(t - Duration::from_secs(i as u64 * 60)), t);
        store.create_photo_if_assigned(&p).await.unwrap();
        store.mark_photo_uploaded(p.id, None, &[], t).await.unwrap();
        *slot = p.id;
    }
    let (user, s) = consenting_member(store, w.project, t).await;
    let matches: Vec<_> = photos
        .iter()
        .map(|p| FaceMatch {
            user_id: user,
            project_id: w.project,
            photo_id: *p,
            distance: 0.2,
        })
        .collect();
    record(store, w.project, user, s, &matches, 2).await;
    (user, s, photos)
}

fn matched(user: UserId, project: ProjectId, photo: PhotoId) -> FaceMatch {
    FaceMatch {
        user_id: user,
        project_id: project,
        photo_id: photo,
        distance: 0.1,
    }
}

async fn listed(store: &impl Store, project: ProjectId, user: UserId) -> Vec<PhotoId> {
    let got = store.matched_photos(project, user).await.unwrap();
    got.iter().map(|m| m.photo_id).collect()
}

/// Suppressing removes the match, and no later matching brings it back.
async fn a_suppressed_photo_is_never_matched_again(store: &impl Store) {
    let (w, t) = (world(store).await, now());
    let (user, selfie, [kept, gone]) = matched_member(store, &w, t).await;
    let stranger = UserId::new();
    assert!(
        !store
            .suppress_match(w.project, stranger, gone, t)
            .await
            .unwrap(),
        "not their match"
    );
    assert!(
        !store
            .suppress_match(ProjectId::new(), user, gone, t)
            .await
            .unwrap(),
        "another project"
    );

    assert!(
        store
            .suppress_match(w.project, user, gone, t)
            .await
            .unwrap()
    );
    assert_eq!(listed(store, w.project, user).await, vec![kept]);
    assert!(
        !store
            .suppress_match(w.project, user, gone, t)
            .await
            .unwrap(),
        "once"
    );

    // A later run (a reprocess, a closer face) finds the photo again: not recorded.
    record(
        store,
        w.project,
        user,
        selfie,
        &[matched(user, w.project, gone)],
        9,
    )
    .await;
    assert_eq!(listed(store, w.project, user).await, vec![kept]);
    // Nor for a new selfie.
    let retake = approved_selfie(store, user, &unit(0), t + Duration::from_secs(1)).await;
    record(
        store,
        w.project,
        user,
        retake,
        &[
            matched(user, w.project, gone),
            matched(user, w.project, kept),
        ],
        9,
    )
    .await;
    assert_eq!(listed(store, w.project, user).await, vec![kept]);
}

/// Suppressions are biometric-derived: erasure takes them, and a photo's
/// deletion takes its own.
async fn erasure_and_photo_deletion_take_the_suppressions(store: &impl Store) {
    let (w, t) = (world(store).await, now());
    let (user, _, [first, second]) = matched_member(store, &w, t).await;
    assert!(
        store
            .suppress_match(w.project, user, first, t)
            .await
            .unwrap()
    );
    assert!(store.users_with_biometrics().await.unwrap().contains(&user));
    store
        .erase_biometrics(
            user,
            Some(ConsentPurpose::BiometricProcessing),
            i64::MAX,
            &[],
            t,
        )
        .await
        .unwrap();
    assert!(
        !store.users_with_biometrics().await.unwrap().contains(&user),
        "no suppression left behind"
    );

    // After a new consent and selfie the photo can be matched again.
    store
        .grant_consent(user, ConsentPurpose::BiometricProcessing, t)
        .await
        .unwrap();
    let s = approved_selfie(store, user, &unit(0), t + Duration::from_secs(1)).await;
    record(
        store,
        w.project,
        user,
        s,
        &[
            matched(user, w.project, first),
            matched(user, w.project, second),
        ],
        9,
    )
    .await;
    assert_eq!(listed(store, w.project, user).await.len(), 2);

    // Deleting a suppressed photo deletes its suppression: a photo row
    // under the same id later (a restore) can be matched.
    assert!(
        store
            .suppress_match(w.project, user, second, t)
            .await
            .unwrap()
    );
    assert!(store.delete_photo(second, &[], t).await.unwrap());
    let mut again = new_photo(&w, None, t);
    again.id = second;
    store.create_photo_if_assigned(&again).await.unwrap();
    record(
        store,
        w.project,
        user,
        s,
        &[matched(user, w.project, second)],
        10,
    )
    .await;
    assert!(listed(store, w.project, user).await.contains(&second));
}

media_adapters::contract_tests! {
    a_suppressed_photo_is_never_matched_again: 5,
    erasure_and_photo_deletion_take_the_suppressions: 5,
}
