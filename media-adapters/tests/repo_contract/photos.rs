//! Photo rows: creation, statuses against the core table, deletion, awaited uploads.

use super::*;

async fn photos_round_trip_and_move_through_their_statuses_once(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let p = new_photo(&w, None, t);
    assert_eq!(
        store.create_photo_if_assigned(&p).await.unwrap(),
        PhotoCreation::Created,
        "assigned"
    );
    assert_eq!(store.photo(p.id).await.unwrap().unwrap(), p, "round trip");
    // A photographer not assigned to the project cannot create one.
    let stranger = Photo {
        id: PhotoId::new(),
        photographer_id: PhotographerId::new(),
        ..p.clone()
    };
    assert_eq!(
        store.create_photo_if_assigned(&stranger).await.unwrap(),
        PhotoCreation::NotAssigned
    );
    assert!(store.photo(stranger.id).await.unwrap().is_none());

    let jobs = [
        JobPayload::thumbnails(w.project, p.id),
        JobPayload::watermark(w.project, p.id),
    ];
    assert!(
        store
            .mark_photo_uploaded(p.id, None, &jobs, t)
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_photo_uploaded(p.id, None, &jobs, t)
            .await
            .unwrap(),
        "once"
    );
    assert_eq!(
        store.list(&[JobStatus::Queued], 10).await.unwrap().len(),
        2,
        "jobs once"
    );

    let taken = Some(from_micros(1_700_000_000_123_456).unwrap());
    let meta = PhotoMetadata {
        width: 6000,
        height: 4000,
        taken_at: taken,
        thumbhash: Some(vec![0x2c, 0x07, 0x0a, 0xff, 0x00, 0x80]),
    };
    let on_ready = [JobPayload::deliver(Event::photo_ready(&p, t))];
    let deliveries = || async {
        store
            .list(&[JobStatus::Queued], 10)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| j.payload.kind() == JobKind::DeliverEvent)
            .count()
    };
    assert!(
        store
            .record_thumbnails(p.id, &meta, &on_ready, t)
            .await
            .unwrap()
    );
    assert_eq!(
        store.photo(p.id).await.unwrap().unwrap().status,
        PhotoStatus::Processing
    );
    assert_eq!(deliveries().await, 0, "not ready yet: nothing announced");
    assert!(store.record_watermark(p.id, &on_ready, t).await.unwrap());
    let ready = store.photo(p.id).await.unwrap().unwrap();
    assert_eq!(ready.status, PhotoStatus::Ready);
    assert_eq!(deliveries().await, 1, "announced with the move to ready");
    assert!(
        store
            .record_thumbnails(p.id, &meta, &on_ready, t)
            .await
            .unwrap(),
        "a rerender of a ready photo records"
    );
    assert_eq!(
        deliveries().await,
        1,
        "but it was ready already: no second event"
    );
    assert_eq!(
        (ready.width, ready.height, ready.taken_at, ready.thumbhash),
        (Some(6000), Some(4000), taken, meta.thumbhash),
        "bytes kept as they are, 0x00 and 0xff included"
    );

    assert!(
        store
            .reset_photo(
                p.id,
                PhotoReset {
                    thumbnails: true,
                    ..PhotoReset::default()
                },
                &[JobPayload::thumbnails(w.project, p.id)],
                t
            )
            .await
            .unwrap()
    );
    let reset = store.photo(p.id).await.unwrap().unwrap();
    assert_eq!(
        (reset.status, reset.thumbnails_done, reset.watermark_done),
        (PhotoStatus::Processing, false, true)
    );

    let on_fail = [JobPayload::deliver(Event::photo_failed(
        &p,
        FailureReason::UnreadableImage,
        None,
        t,
    ))];
    assert!(
        store
            .fail_photo(p.id, FailureReason::UnreadableImage, &on_fail, t)
            .await
            .unwrap()
    );
    assert_eq!(deliveries().await, 2, "the failure's event with it");
    assert!(
        !store
            .fail_photo(p.id, FailureReason::UnreadableImage, &on_fail, t)
            .await
            .unwrap(),
        "failed once"
    );
    assert_eq!(deliveries().await, 2, "and announced once");
    let failed = store.photo(p.id).await.unwrap().unwrap();
    assert_eq!(
        (failed.status, failed.failure_reason),
        (PhotoStatus::Failed, Some(FailureReason::UnreadableImage))
    );
    assert_eq!(store.failed_photos().await.unwrap(), vec![p.id]);
    assert!(
        !store.record_watermark(p.id, &[], t).await.unwrap(),
        "a failed photo stays failed"
    );
}

async fn deleting_a_photo_removes_faces_and_matches_and_enqueues_the_purge(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let p = new_photo(&w, None, t);
    store.create_photo_if_assigned(&p).await.unwrap();
    store.mark_photo_uploaded(p.id, None, &[], t).await.unwrap();
    store
        .store_faces(p.id, TEST_MODEL, &[unit(0)], &[], t)
        .await
        .unwrap();
    let user = UserId::new();
    let s = new_selfie(user, t);
    store.create_selfie(&s).await.unwrap();
    store
        .mark_selfie_uploaded(s.id, None, &[], t)
        .await
        .unwrap();
    assert!(
        store
            .approve_selfie(s.id, TEST_MODEL, &unit(0), &[], &[], t)
            .await
            .unwrap()
    );
    let m = FaceMatch {
        user_id: user,
        project_id: w.project,
        photo_id: p.id,
        distance: 0.1,
    };
    record(store, w.project, user, s.id, &[m], 1).await;
    assert_eq!(store.matches_of_user(user).await.unwrap().len(), 1);

    let purge = JobPayload::purge(vec![PurgeTarget::Photo {
        project_id: w.project,
        photo_id: p.id,
    }]);
    assert!(
        store
            .delete_photo(p.id, std::slice::from_ref(&purge), t)
            .await
            .unwrap()
    );
    assert!(store.photo(p.id).await.unwrap().is_none());
    assert!(
        store
            .faces_after(w.project, 0, 10)
            .await
            .unwrap()
            .is_empty(),
        "faces gone"
    );
    assert!(
        store.matches_of_user(user).await.unwrap().is_empty(),
        "matches gone"
    );
    let queued = store.list(&[JobStatus::Queued], 10).await.unwrap();
    assert!(queued.iter().any(|j| j.payload == purge), "purge enqueued");
}

async fn uploads_still_awaited_are_found_and_expired(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let old = new_photo(&w, None, t - Duration::from_secs(3600));
    let fresh = new_photo(&w, None, t);
    store.create_photo_if_assigned(&old).await.unwrap();
    store.create_photo_if_assigned(&fresh).await.unwrap();
    let pending = store
        .pending_photo_uploads(t - Duration::from_secs(30), None, 10)
        .await
        .unwrap();
    assert_eq!(
        pending.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![old.id]
    );
    // Resuming after a cursor: only what comes after it, in (created_at, id) order.
    let older = new_photo(&w, None, t - Duration::from_secs(7200));
    store.create_photo_if_assigned(&older).await.unwrap();
    let page = |after| store.pending_photo_uploads(t, after, 1);
    let first = page(None).await.unwrap();
    assert_eq!(
        first.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![older.id]
    );
    let next = page(Some((older.created_at, older.id))).await.unwrap();
    assert_eq!(next.iter().map(|p| p.id).collect::<Vec<_>>(), vec![old.id]);
    store.expire_photo(older.id).await.unwrap();
    store.expire_photo(old.id).await.unwrap();
    assert_eq!(
        store.photo(old.id).await.unwrap().unwrap().status,
        PhotoStatus::Expired
    );
    assert_eq!(
        store.expired_photos(t).await.unwrap().len(),
        2,
        "old and older"
    );

    let user = UserId::new();
    let s = new_selfie(user, t - Duration::from_secs(3600));
    store.create_selfie(&s).await.unwrap();
    assert_eq!(
        store
            .pending_selfie_uploads(t, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    store.expire_selfie(s.id).await.unwrap();
    assert_eq!(
        store.selfie(s.id).await.unwrap().unwrap().status,
        SelfieStatus::Expired
    );
    // a late arrival still completes
    assert!(
        store
            .mark_selfie_uploaded(s.id, None, &[], t)
            .await
            .unwrap()
    );
}

/// Applies `event` through the repository; the bool when the port reports one.
async fn apply(
    store: &impl Store,
    id: PhotoId,
    event: PhotoEvent,
    t: OffsetDateTime,
) -> Option<bool> {
    let meta = PhotoMetadata {
        width: 64,
        height: 48,
        taken_at: None,
        thumbhash: None,
    };
    match event {
        PhotoEvent::UploadArrived => {
            Some(store.mark_photo_uploaded(id, None, &[], t).await.unwrap())
        }
        PhotoEvent::ThumbnailsRecorded => {
            Some(store.record_thumbnails(id, &meta, &[], t).await.unwrap())
        }
        PhotoEvent::WatermarkRecorded => Some(store.record_watermark(id, &[], t).await.unwrap()),
        PhotoEvent::Failed => {
            store
                .fail_photo(id, FailureReason::UnreadableImage, &[], t)
                .await
                .unwrap();
            None
        }
        PhotoEvent::Expired => {
            store.expire_photo(id).await.unwrap();
            None
        }
        PhotoEvent::Reprocessed {
            thumbnails,
            watermark,
        } => Some(
            store
                .reset_photo(
                    id,
                    PhotoReset {
                        thumbnails,
                        watermark,
                        faces: false,
                    },
                    &[],
                    t,
                )
                .await
                .unwrap(),
        ),
    }
}

/// The SQL's guarded updates move a photo exactly as the core's table does
/// (`PhotoProgress::apply`), over many event sequences.
async fn photo_statuses_follow_the_core_table(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let events = [
        PhotoEvent::UploadArrived,
        PhotoEvent::ThumbnailsRecorded,
        PhotoEvent::WatermarkRecorded,
        PhotoEvent::Failed,
        PhotoEvent::Expired,
        PhotoEvent::Reprocessed {
            thumbnails: true,
            watermark: false,
        },
        PhotoEvent::Reprocessed {
            thumbnails: false,
            watermark: true,
        },
        PhotoEvent::Reprocessed {
            thumbnails: false,
            watermark: false,
        },
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..24 {
        let p = new_photo(&w, None, t);
        store.create_photo_if_assigned(&p).await.unwrap();
        let mut model = PhotoProgress::NEW;
        for _ in 0..10 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let event = events[(seed % events.len() as u64) as usize];
            let expected = model.apply(event);
            let reported = apply(store, p.id, event, t).await;
            if let Some(r) = reported {
                assert_eq!(r, expected, "{event:?} reported");
            }
            let row = store.photo(p.id).await.unwrap().unwrap();
            assert_eq!(
                (row.status, row.thumbnails_done, row.watermark_done),
                (model.status, model.thumbnails_done, model.watermark_done),
                "after {event:?}"
            );
        }
    }
}

media_adapters::contract_tests! {
    photos_round_trip_and_move_through_their_statuses_once: 5,
    deleting_a_photo_removes_faces_and_matches_and_enqueues_the_purge: 5,
    uploads_still_awaited_are_found_and_expired: 5,
    photo_statuses_follow_the_core_table: 5,
}
