//! The auditor (SPEC §8 `media-cli audit`): every kind of finding made on
//! purpose, found, repaired by `--fix`, and a second audit clean.

mod common;

use common::*;
use media_core::domain::{Archive, ArchiveStatus, Audience, Role};
use media_core::ids::{ArchiveId, PhotoId, ProjectId, UserId};
use media_core::keys::{self, PhotoObject};
use media_core::ports::{ArchiveRepo, PhotoRepo, Storage};

async fn the_audit_finds_each_kind_and_fix_repairs_what_is_safe(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let store = &app.running().assembled.storage;
    let db = &app.running().assembled.database;
    let jpeg = identity_jpeg(0, 64, 48);

    // A ready photo whose watermarked copy vanished.
    let ready = app.upload_photo(&w, jpeg.clone()).await;
    app.drain().await;
    let ready: PhotoId = ready.into();
    store
        .delete(&keys::photo(w.project, ready, PhotoObject::Watermarked))
        .await
        .unwrap();
    // An object with no row.
    let orphan = keys::photo(ProjectId::new(), PhotoId::new(), PhotoObject::Original);
    store
        .put(&orphan, jpeg.clone(), "image/jpeg")
        .await
        .unwrap();
    // A ZIP whose archive row is gone (erased, or expired), and one
    // whose row is there (building).
    let lost_zip = keys::archive(UserId::new(), ArchiveId::new());
    store
        .put(&lost_zip, b"PK\x05\x06".to_vec(), "application/zip")
        .await
        .unwrap();
    let member = app.member(w.project).await;
    let building = Archive {
        id: ArchiveId::new(),
        user_id: member,
        project_id: w.project,
        status: ArchiveStatus::Building,
        photo_count: None,
        bytes: None,
        created_at: time::OffsetDateTime::now_utc(),
        expires_at: None,
        matches: None,
    };
    db.start_archive(&building, &[], &[], building.created_at)
        .await
        .unwrap();
    store
        .put(
            &keys::archive(member, building.id),
            b"PK\x05\x06".to_vec(),
            "application/zip",
        )
        .await
        .unwrap();
    // A selfie object of a user who never consented.
    let stranger = UserId::new();
    store
        .put(&keys::selfie(stranger, 1), jpeg.clone(), "image/jpeg")
        .await
        .unwrap();
    // A photo processing with no job left (its jobs lost).
    // Its own bytes: the same file twice would be a duplicate (§4).
    let stuck = app.upload_photo(&w, identity_jpeg(0, 64, 48)).await;
    let stuck: PhotoId = stuck.into();
    let queued = app
        .media()
        .list_jobs(Some(media_core::domain::JobStatus::Queued), 100)
        .await
        .unwrap();
    let ids: Vec<_> = queued.iter().map(|j| j.id).collect();
    sqlx_delete_jobs(&app, &ids).await;

    let report = app.media().audit(false, &|_| {}).await.unwrap();
    // The photo object, the lost ZIP and the stranger's selfie object have no row.
    assert_eq!(report.orphans.count, 3, "{report:?}");
    assert!(report.orphans.examples.contains(&orphan.to_string()));
    assert!(report.orphans.examples.contains(&lost_zip.to_string()));
    assert_eq!(report.missing_derivatives.count, 1, "{report:?}");
    assert_eq!(report.biometrics_without_consent.count, 1, "{report:?}");
    assert_eq!(report.stuck_photos.count, 1, "{report:?}");
    assert_eq!(report.stuck_photos.examples, [stuck.to_string()]);
    assert!(report.fixed.is_empty(), "no --fix, nothing done");

    let fixed = app.media().audit(true, &|_| {}).await.unwrap();
    assert!(!fixed.fixed.is_empty(), "{fixed:?}");
    app.drain().await;
    let again = app.media().audit(false, &|_| {}).await.unwrap();
    assert!(again.is_clean(), "after --fix and the jobs: {again:?}");
    assert!(
        store.head(&lost_zip).await.unwrap().is_none(),
        "the lost ZIP went"
    );
    assert!(
        store
            .head(&keys::archive(member, building.id))
            .await
            .unwrap()
            .is_some(),
        "the building one stays"
    );
    assert_eq!(
        db.photo(stuck).await.unwrap().unwrap().status.as_str(),
        "ready",
        "the stuck photo was finished"
    );
    let token = app.token(w.operator, Audience::Backoffice, Role::Operator);
    assert_eq!(
        app.get("/v1/operators/me/photos", &token).await.status(),
        200
    );
    app.shutdown().await;
}

/// Removes jobs outright, as a lost queue would.
async fn sqlx_delete_jobs(app: &TestApp, ids: &[media_core::ids::JobId]) {
    let pool = app.running().assembled.database.pool();
    for id in ids {
        sqlx::query("DELETE FROM jobs WHERE id = $1")
            .bind(id.to_string())
            .execute(pool)
            .await
            .unwrap();
    }
}

/// Issue 26: the audit asks "has a job" of each photo still processing,
/// whatever the length of the queue. It read the 10,000 newest queued jobs:
/// behind 10,001 purges a photo's queued thumbnail job was not among them,
/// so the photo was reported stuck and `--fix` queued it a second job.
async fn a_photo_whose_job_waits_behind_ten_thousand_others_is_not_stuck(pg: bool) {
    use media_core::domain::{JobPayload, PurgeTarget};
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    app.upload_photo(&w, identity_jpeg(0, 64, 48)).await;
    let purges: Vec<JobPayload> = (0..10_001)
        .map(|_| {
            JobPayload::purge(vec![PurgeTarget::AllSelfiesOf {
                user_id: UserId::new(),
            }])
        })
        .collect();
    let later = time::OffsetDateTime::now_utc() + std::time::Duration::from_secs(1);
    app.media()
        .ports()
        .queue
        .enqueue(&purges, later)
        .await
        .unwrap();
    let report = app.media().audit(false, &|_| {}).await.unwrap();
    assert_eq!(report.stuck_photos.count, 0, "{report:?}");
    app.shutdown().await;
}

common::backend_tests! {
    the_audit_finds_each_kind_and_fix_repairs_what_is_safe,
    a_photo_whose_job_waits_behind_ten_thousand_others_is_not_stuck,
}
