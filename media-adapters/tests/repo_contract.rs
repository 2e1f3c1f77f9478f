//! The repository contract, run against SQLite and (when configured) Postgres.

use std::time::Duration;

use time::OffsetDateTime;

use media_adapters::testing::{Store, World};
use media_core::domain::*;
use media_core::ids::*;
use media_core::listing::{
    Cursor, PhotoQuery, PhotoScope, from_micros, listing_order, truncate_to_micros,
};
use media_core::ports::PhotoCreation;

fn now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

async fn world(store: &impl Store) -> World {
    World::create(store).await
}

fn new_photo(w: &World, taken_at: Option<OffsetDateTime>, created_at: OffsetDateTime) -> Photo {
    Photo {
        id: PhotoId::new(),
        project_id: w.project,
        photographer_id: w.photographer,
        status: PhotoStatus::AwaitingUpload,
        taken_at,
        width: None,
        height: None,
        created_at,
        upload_expires_at: created_at + Duration::from_secs(600),
        failure_reason: None,
        thumbnails_done: false,
        watermark_done: false,
        faces_done: false,
    }
}

fn new_selfie(user: UserId, created_at: OffsetDateTime) -> Selfie {
    Selfie {
        id: SelfieId::new(),
        user_id: user,
        key_timestamp_ms: (created_at.unix_timestamp_nanos() / 1_000_000) as i64,
        status: SelfieStatus::AwaitingUpload,
        rejection_reason: None,
        failure_reason: None,
        created_at,
        processed_at: None,
        upload_expires_at: created_at + Duration::from_secs(600),
    }
}

/// Records one member's matches the way `cluster_faces` does.
async fn record(
    store: &impl Store,
    project: ProjectId,
    user: UserId,
    selfie: SelfieId,
    matches: &[FaceMatch],
    through_seq: i64,
) {
    let found = MemberMatches {
        user_id: user,
        selfie_id: selfie,
        matches: matches.to_vec(),
    };
    store
        .record_matches(project, through_seq, &[found])
        .await
        .unwrap();
}

/// The member's matching progress as `cluster_faces` reads it (None when
/// the user is not matchable in the project).
async fn progress(store: &impl Store, project: ProjectId, user: UserId) -> Option<(SelfieId, i64)> {
    store
        .matchable_members(project)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user_id == user)
        .map(|m| (m.selfie_id, m.through_seq))
}

fn unit(i: usize) -> Vec<f32> {
    let mut v = vec![0.0; EMBEDDING_DIM];
    v[i] = 1.0;
    v
}

async fn directory_writes_are_idempotent(store: &impl Store) {
    let w = world(store).await;
    // again, alike: no error, no duplicate
    store
        .upsert_operator(&Operator {
            id: w.operator,
            name: "Olga".into(),
        })
        .await
        .unwrap();
    store.assign(w.project, w.photographer).await.unwrap();
    assert!(store.is_assigned(w.project, w.photographer).await.unwrap());
    assert!(
        !store
            .is_assigned(w.project, PhotographerId::new())
            .await
            .unwrap()
    );
    let p = store.project(w.project).await.unwrap().unwrap();
    assert_eq!((p.name.as_str(), p.operator_id), ("Gala", w.operator));
    assert!(store.project(ProjectId::new()).await.unwrap().is_none());
    assert!(store.operator_exists(w.operator).await.unwrap());
    assert!(store.photographer_exists(w.photographer).await.unwrap());

    let user = UserId::new();
    let job = JobPayload::ClusterFaces {
        project_id: w.project,
    };
    assert!(
        store
            .join(w.project, user, std::slice::from_ref(&job), now())
            .await
            .unwrap(),
        "new member"
    );
    assert!(
        !store.join(w.project, user, &[job], now()).await.unwrap(),
        "already a member"
    );
    assert_eq!(
        store.list(Some(JobStatus::Queued), 10).await.unwrap().len(),
        1,
        "jobs only for a new row"
    );
    assert!(store.is_member(w.project, user).await.unwrap());
    assert_eq!(store.projects_of_user(user).await.unwrap(), vec![w.project]);
}

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
        JobPayload::thumbnails(p.id),
        JobPayload::GenerateWatermark { photo_id: p.id },
    ];
    assert!(store.mark_photo_uploaded(p.id, &jobs, t).await.unwrap());
    assert!(
        !store.mark_photo_uploaded(p.id, &jobs, t).await.unwrap(),
        "once"
    );
    assert_eq!(
        store.list(Some(JobStatus::Queued), 10).await.unwrap().len(),
        2,
        "jobs once"
    );

    let taken = Some(from_micros(1_700_000_000_123_456).unwrap());
    let meta = PhotoMetadata {
        width: 6000,
        height: 4000,
        taken_at: taken,
    };
    assert!(store.record_thumbnails(p.id, &meta).await.unwrap());
    assert_eq!(
        store.photo(p.id).await.unwrap().unwrap().status,
        PhotoStatus::Processing
    );
    assert!(store.record_watermark(p.id).await.unwrap());
    let ready = store.photo(p.id).await.unwrap().unwrap();
    assert_eq!(ready.status, PhotoStatus::Ready);
    assert_eq!(
        (ready.width, ready.height, ready.taken_at),
        (Some(6000), Some(4000), taken)
    );

    assert!(
        store
            .reset_photo(p.id, true, false, false, &[JobPayload::thumbnails(p.id)], t)
            .await
            .unwrap()
    );
    let reset = store.photo(p.id).await.unwrap().unwrap();
    assert_eq!(
        (reset.status, reset.thumbnails_done, reset.watermark_done),
        (PhotoStatus::Processing, false, true)
    );

    store
        .fail_photo(p.id, FailureReason::UnreadableImage)
        .await
        .unwrap();
    let failed = store.photo(p.id).await.unwrap().unwrap();
    assert_eq!(
        (failed.status, failed.failure_reason),
        (PhotoStatus::Failed, Some(FailureReason::UnreadableImage))
    );
    assert_eq!(store.failed_photos().await.unwrap(), vec![p.id]);
    assert!(
        !store.record_watermark(p.id).await.unwrap(),
        "a failed photo stays failed"
    );
}

async fn listings_follow_the_spec_order_and_cursors_visit_each_photo_once(store: &impl Store) {
    let w = world(store).await;
    let base = now();
    let mut photos = Vec::new();
    // Many ties: three dates (one undated), two creation times.
    for i in 0..30u64 {
        let taken = match i % 3 {
            0 => None,
            1 => Some(base - Duration::from_secs(86_400)),
            _ => Some(base - Duration::from_secs(3600)),
        };
        let p = new_photo(&w, taken, base - Duration::from_secs(i % 2));
        store.create_photo_if_assigned(&p).await.unwrap();
        photos.push(p);
    }
    let mut expected: Vec<Cursor> = photos.iter().map(Cursor::of).collect();
    expected.sort_by(listing_order);

    let all = store
        .list_photos(&PhotoQuery {
            scope: PhotoScope::Project(w.project),
            after: None,
            limit: 100,
        })
        .await
        .unwrap();
    let got: Vec<Cursor> = all.iter().map(|l| Cursor::of(&l.photo)).collect();
    assert_eq!(got, expected, "order");
    assert_eq!(all[0].project_name, "Gala");
    assert_eq!(all[0].photographer_name, "Pat Photographer");

    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_photos(&PhotoQuery {
                scope: PhotoScope::Project(w.project),
                after,
                limit: 7,
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|l| Cursor::of(&l.photo));
        paged.extend(page.iter().map(|l| Cursor::of(&l.photo)));
    }
    assert_eq!(paged, expected, "pages");
}

async fn operator_scope_and_filters(store: &impl Store) {
    let mine = world(store).await;
    let theirs = world(store).await;
    let t = now();
    let a = new_photo(&mine, None, t);
    let b = new_photo(&theirs, None, t);
    store.create_photo_if_assigned(&a).await.unwrap();
    store.create_photo_if_assigned(&b).await.unwrap();
    let q = |project_ids: Option<Vec<ProjectId>>, photographer_ids: Option<Vec<PhotographerId>>| {
        PhotoQuery {
            scope: PhotoScope::Operator {
                operator: mine.operator,
                project_ids,
                photographer_ids,
            },
            after: None,
            limit: 100,
        }
    };
    let ids = |v: Vec<PhotoListing>| v.into_iter().map(|l| l.photo.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_photos(&q(None, None)).await.unwrap()),
        vec![a.id]
    );
    assert_eq!(
        ids(store
            .list_photos(&q(Some(vec![mine.project]), None))
            .await
            .unwrap()),
        vec![a.id]
    );
    assert!(
        store
            .list_photos(&q(Some(vec![theirs.project]), None))
            .await
            .unwrap()
            .is_empty(),
        "outside matches nothing"
    );
    assert_eq!(
        ids(store
            .list_photos(&q(None, Some(vec![mine.photographer])))
            .await
            .unwrap()),
        vec![a.id]
    );
    assert!(
        store
            .list_photos(&q(None, Some(vec![theirs.photographer])))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_photos(&q(Some(vec![]), None))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn deleting_a_photo_removes_faces_and_matches_and_enqueues_the_purge(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let p = new_photo(&w, None, t);
    store.create_photo_if_assigned(&p).await.unwrap();
    store.mark_photo_uploaded(p.id, &[], t).await.unwrap();
    store.store_faces(p.id, &[unit(0)], &[], t).await.unwrap();
    let user = UserId::new();
    let s = new_selfie(user, t);
    store.create_selfie(&s).await.unwrap();
    store.mark_selfie_uploaded(s.id, &[], t).await.unwrap();
    assert!(
        store
            .approve_selfie(s.id, &unit(0), &[], &[], t)
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

    let purge = JobPayload::PurgeObjects {
        targets: vec![PurgeTarget::Photo {
            project_id: w.project,
            photo_id: p.id,
        }],
    };
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
    let queued = store.list(Some(JobStatus::Queued), 10).await.unwrap();
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
        .pending_photo_uploads(t - Duration::from_secs(30), 10)
        .await
        .unwrap();
    assert_eq!(
        pending.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![old.id]
    );
    store.expire_photo(old.id).await.unwrap();
    assert_eq!(
        store.photo(old.id).await.unwrap().unwrap().status,
        PhotoStatus::Expired
    );
    assert_eq!(store.expired_photos(t).await.unwrap().len(), 1);

    let user = UserId::new();
    let s = new_selfie(user, t - Duration::from_secs(3600));
    store.create_selfie(&s).await.unwrap();
    assert_eq!(store.pending_selfie_uploads(t, 10).await.unwrap().len(), 1);
    store.expire_selfie(s.id).await.unwrap();
    assert_eq!(
        store.selfie(s.id).await.unwrap().unwrap().status,
        SelfieStatus::Expired
    );
    // a late arrival still completes
    assert!(store.mark_selfie_uploaded(s.id, &[], t).await.unwrap());
}

async fn selfies_consents_approval_and_erasure(store: &impl Store) {
    let w = world(store).await;
    let user = UserId::new();
    let t = now();
    store
        .grant_consent(user, ConsentPurpose::BiometricProcessing, t)
        .await
        .unwrap();
    store
        .grant_consent(
            user,
            ConsentPurpose::BiometricProcessing,
            t + Duration::from_secs(5),
        )
        .await
        .unwrap();
    let consents = store.consents(user).await.unwrap();
    assert_eq!(
        consents,
        vec![Consent {
            purpose: ConsentPurpose::BiometricProcessing,
            granted_at: t
        }],
        "first grant kept"
    );
    assert!(
        store
            .has_consent(user, ConsentPurpose::BiometricProcessing)
            .await
            .unwrap()
    );
    store.join(w.project, user, &[], t).await.unwrap();

    let first = new_selfie(user, t - Duration::from_secs(60));
    let second = new_selfie(user, t);
    store.create_selfie(&first).await.unwrap();
    store.create_selfie(&second).await.unwrap();
    assert_eq!(
        store.latest_selfie(user).await.unwrap().unwrap().id,
        second.id
    );
    assert_eq!(
        store
            .selfie_by_key(user, first.key_timestamp_ms)
            .await
            .unwrap()
            .unwrap()
            .id,
        first.id
    );
    store.mark_selfie_uploaded(first.id, &[], t).await.unwrap();
    assert!(
        store
            .approve_selfie(first.id, &unit(1), &[], &[], t)
            .await
            .unwrap()
    );
    assert_eq!(
        store.approved_embedding(user).await.unwrap(),
        Some((first.id, unit(1)))
    );
    assert_eq!(
        progress(store, w.project, user).await,
        Some((first.id, 0)),
        "a consenting member with an approved selfie is matchable"
    );
    assert!(
        !store
            .approve_selfie(first.id, &unit(1), &[], &[], t)
            .await
            .unwrap(),
        "only while processing"
    );

    // A newer approval replaces the older selfie, its matches and progress.
    let p = new_photo(&w, None, t);
    store.create_photo_if_assigned(&p).await.unwrap();
    record(
        store,
        w.project,
        user,
        first.id,
        &[FaceMatch {
            user_id: user,
            project_id: w.project,
            photo_id: p.id,
            distance: 0.2,
        }],
        5,
    )
    .await;
    store.mark_selfie_uploaded(second.id, &[], t).await.unwrap();
    let cluster = JobPayload::ClusterFaces {
        project_id: w.project,
    };
    assert!(
        store
            .approve_selfie(
                second.id,
                &unit(2),
                &[first.id],
                std::slice::from_ref(&cluster),
                t
            )
            .await
            .unwrap()
    );
    assert!(
        store.selfie(first.id).await.unwrap().is_none(),
        "superseded row gone"
    );
    assert!(
        store.matches_of_user(user).await.unwrap().is_empty(),
        "old matches gone"
    );
    assert_eq!(
        progress(store, w.project, user).await,
        Some((second.id, 0)),
        "progress reset"
    );
    assert!(
        store
            .list(Some(JobStatus::Queued), 10)
            .await
            .unwrap()
            .iter()
            .any(|j| j.payload == cluster)
    );

    // Rejection and failure keep their reasons.
    let third = new_selfie(user, t + Duration::from_secs(1));
    store.create_selfie(&third).await.unwrap();
    store
        .reject_selfie(third.id, RejectionReason::MultipleFaces, t)
        .await
        .unwrap();
    let got = store.selfie(third.id).await.unwrap().unwrap();
    assert_eq!(
        (got.status, got.rejection_reason),
        (SelfieStatus::Rejected, Some(RejectionReason::MultipleFaces))
    );
    assert!(got.processed_at.is_some());
    let fourth = new_selfie(user, t + Duration::from_secs(2));
    store.create_selfie(&fourth).await.unwrap();
    store
        .fail_selfie(fourth.id, FailureReason::RetinaUnavailable, t)
        .await
        .unwrap();
    assert_eq!(
        store
            .selfie(fourth.id)
            .await
            .unwrap()
            .unwrap()
            .failure_reason,
        Some(FailureReason::RetinaUnavailable)
    );

    // Revocation erases every biometric row.
    record(
        store,
        w.project,
        user,
        second.id,
        &[FaceMatch {
            user_id: user,
            project_id: w.project,
            photo_id: p.id,
            distance: 0.2,
        }],
        5,
    )
    .await;
    store
        .erase_biometrics(user, Some(ConsentPurpose::BiometricProcessing), &[], t)
        .await
        .unwrap();
    assert!(store.selfies_of(user).await.unwrap().is_empty());
    assert!(store.approved_embedding(user).await.unwrap().is_none());
    assert!(store.matches_of_user(user).await.unwrap().is_empty());
    assert_eq!(progress(store, w.project, user).await, None);
    assert!(
        !store
            .has_consent(user, ConsentPurpose::BiometricProcessing)
            .await
            .unwrap()
    );
}

async fn faces_are_numbered_in_order_and_matches_keep_the_closest(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let mut photos = Vec::new();
    for i in 0..3 {
        let p = new_photo(&w, Some(t - Duration::from_secs(i * 60)), t);
        store.create_photo_if_assigned(&p).await.unwrap();
        store.mark_photo_uploaded(p.id, &[], t).await.unwrap();
        store
            .store_faces(p.id, &[unit(i as usize), unit(10)], &[], t)
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

    let user = UserId::new();
    store.join(w.project, user, &[], t).await.unwrap();
    store
        .grant_consent(user, ConsentPurpose::BiometricProcessing, t)
        .await
        .unwrap();
    let s = new_selfie(user, t);
    store.create_selfie(&s).await.unwrap();
    store.mark_selfie_uploaded(s.id, &[], t).await.unwrap();
    store
        .approve_selfie(s.id, &unit(0), &[], &[], t)
        .await
        .unwrap();
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
        s.id,
        &[m(photos[0].id, 0.3), m(photos[1].id, 0.4)],
        4,
    )
    .await;
    record(
        store,
        w.project,
        user,
        s.id,
        &[m(photos[0].id, 0.1), m(photos[1].id, 0.45)],
        6,
    )
    .await;
    assert_eq!(progress(store, w.project, user).await, Some((s.id, 6)));
    record(store, w.project, user, s.id, &[], 5).await;
    assert_eq!(
        progress(store, w.project, user).await,
        Some((s.id, 6)),
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
        store.mark_photo_uploaded(p.id, &[], t).await.unwrap();
        ids.push(p.id);
    }
    let mut handles = Vec::new();
    for id in ids {
        let s = store.clone();
        handles.push(tokio::spawn(async move {
            s.store_faces(id, &[unit(1), unit(2), unit(3)], &[], t)
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
    };
    match event {
        PhotoEvent::UploadArrived => Some(store.mark_photo_uploaded(id, &[], t).await.unwrap()),
        PhotoEvent::ThumbnailsRecorded => Some(store.record_thumbnails(id, &meta).await.unwrap()),
        PhotoEvent::WatermarkRecorded => Some(store.record_watermark(id).await.unwrap()),
        PhotoEvent::Failed => {
            store
                .fail_photo(id, FailureReason::UnreadableImage)
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
                .reset_photo(id, thumbnails, watermark, false, &[], t)
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
    photo_statuses_follow_the_core_table: 5,
    directory_writes_are_idempotent: 5,
    photos_round_trip_and_move_through_their_statuses_once: 5,
    listings_follow_the_spec_order_and_cursors_visit_each_photo_once: 5,
    operator_scope_and_filters: 5,
    deleting_a_photo_removes_faces_and_matches_and_enqueues_the_purge: 5,
    uploads_still_awaited_are_found_and_expired: 5,
    selfies_consents_approval_and_erasure: 5,
    faces_are_numbered_in_order_and_matches_keep_the_closest: 5,
    concurrent_face_inserts_commit_in_sequence_order: 5,
}
