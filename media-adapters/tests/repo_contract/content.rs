//! Originals' SHA-256 per project (SPEC §4 duplicates).

use super::*;

async fn uploaded(store: &impl Store, w: &World, t: OffsetDateTime) -> PhotoId {
    let p = new_photo(w, None, t);
    store.create_photo_if_assigned(&p).await.unwrap();
    store.mark_photo_uploaded(p.id, None, &[], t).await.unwrap();
    p.id
}

/// The first photo to record bytes holds them in its project; a second is
/// told which, and can fail as its duplicate with its purge enqueued.
async fn the_first_photo_to_record_its_bytes_holds_them_in_its_project(store: &impl Store) {
    let (w, t) = (world(store).await, now());
    let sha = "ab".repeat(32);
    let first = uploaded(store, &w, t).await;
    let second = uploaded(store, &w, t).await;
    assert_eq!(
        store.photo_with_content(w.project, &sha).await.unwrap(),
        None
    );
    assert_eq!(
        store.record_content(first, w.project, &sha).await.unwrap(),
        None
    );
    assert_eq!(
        store.record_content(first, w.project, &sha).await.unwrap(),
        None,
        "a retry of the same photo"
    );
    assert_eq!(
        store.record_content(second, w.project, &sha).await.unwrap(),
        Some(first)
    );
    assert_eq!(
        store.photo_with_content(w.project, &sha).await.unwrap(),
        Some(first)
    );
    assert_eq!(
        store
            .photo_with_content(ProjectId::new(), &sha)
            .await
            .unwrap(),
        None,
        "per project"
    );

    let purge = JobPayload::purge(vec![PurgeTarget::Photo {
        project_id: w.project,
        photo_id: second,
    }]);
    assert!(
        store
            .fail_as_duplicate(second, first, std::slice::from_ref(&purge), t)
            .await
            .unwrap()
    );
    let dup = store.photo(second).await.unwrap().unwrap();
    assert_eq!(
        (dup.status, dup.failure_reason, dup.duplicate_of),
        (
            PhotoStatus::Failed,
            Some(FailureReason::Duplicate),
            Some(first)
        )
    );
    assert!(!dup.original_kept());
    let queued = store.list(&[JobStatus::Queued], 100).await.unwrap();
    assert!(
        queued.iter().any(|j| j.payload == purge),
        "purge enqueued with the change"
    );
    assert!(
        !store
            .fail_as_duplicate(second, first, &[purge], t)
            .await
            .unwrap(),
        "failed once"
    );

    // The holder deleted: the bytes are free again.
    assert!(store.delete_photo(first, &[], t).await.unwrap());
    let third = uploaded(store, &w, t).await;
    assert_eq!(
        store.record_content(third, w.project, &sha).await.unwrap(),
        None
    );
}

media_adapters::contract_tests! {
    the_first_photo_to_record_its_bytes_holds_them_in_its_project: 5,
}
