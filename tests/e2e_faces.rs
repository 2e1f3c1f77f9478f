//! The face side end to end (SPEC §3.1, §3.10–§3.13, §5): selfie verdicts,
//! replacement, consent revoked while work is queued, and erasure that
//! leaves nothing in the database or the store.

mod common;

use serde_json::Value;

use common::*;
use media_core::domain::{Audience, Role, SelfieStatus};
use media_core::ids::{ProjectId, UserId};
use media_core::keys;
use media_core::ports::{FaceRepo, SelfieRepo, Storage};

async fn selfie_status(app: &TestApp, token: &str) -> Value {
    let r = app.get("/v1/selfie", token).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn my_photos(app: &TestApp, token: &str, project: ProjectId) -> Vec<String> {
    let r = app
        .get(&format!("/v1/me/projects/{project}/photos"), token)
        .await;
    assert_eq!(r.status(), 200);
    let v: Vec<Value> = r.json().await.unwrap();
    let mut ids: Vec<String> = v
        .iter()
        .map(|m| m["photoId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Nothing biometric of `user` is left: no selfie row (and so no
/// embedding), no match, no matching progress, no selfie object.
async fn assert_no_biometric_trace(app: &TestApp, uid: UserId, project: ProjectId) {
    let db = &app.running().assembled.database;
    assert!(db.selfies_of(uid).await.unwrap().is_empty(), "selfie rows");
    assert!(db.approved_embedding(uid).await.unwrap().is_none());
    assert!(db.matches_of_user(uid).await.unwrap().is_empty(), "matches");
    assert!(
        !db.matchable_members(project)
            .await
            .unwrap()
            .iter()
            .any(|m| m.user_id == uid),
        "matching progress"
    );
    let objects = app
        .running()
        .assembled
        .storage
        .list_prefix(&keys::selfies_of(uid))
        .await
        .unwrap();
    assert!(objects.is_empty(), "selfie objects: {objects:?}");
}

async fn every_rejection_reason_then_an_approval_that_replaces_the_older_selfie(pg: bool) {
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    let user = app.member(w.project).await;
    let token = app.token(user, Audience::Media, Role::User);
    let seven = app.upload_photo(&w, identity_jpeg(7, 640, 480)).await;
    let eight = app.upload_photo(&w, identity_jpeg(8, 640, 480)).await;
    // A face of identity 8 only 30 px tall: ignored, never matched.
    let tiny = app.upload_photo(&w, identity_jpeg(8, 60, 60)).await;
    for p in [seven, eight, tiny] {
        assert_eq!(app.wait_photo(p).await, "ready");
    }

    for (bytes, reason) in [
        (identity_jpeg(0, 400, 400), "no_face"),
        (identity_jpeg(24, 400, 400), "no_face"), // one face, scored under 0.8
        (identity_jpeg(25, 400, 400), "multiple_faces"),
        (identity_jpeg(7, 120, 120), "low_quality"), // a 60 px face
    ] {
        let id = app.upload_selfie(&token, bytes).await;
        app.wait_idle().await;
        let s = selfie_status(&app, &token).await;
        assert_eq!(s["selfieId"].as_str(), Some(id.as_str()));
        assert_eq!(
            (s["status"].as_str(), s["rejectionReason"].as_str()),
            (Some("rejected"), Some(reason)),
            "{s}"
        );
        assert!(my_photos(&app, &token, w.project).await.is_empty());
    }

    let first = app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;
    app.wait_idle().await;
    assert_eq!(selfie_status(&app, &token).await["status"], "approved");
    assert_eq!(
        my_photos(&app, &token, w.project).await,
        vec![seven.to_string()]
    );

    // A newer approved selfie replaces the older one: its object, row,
    // embedding and matches go; the new face finds its own photos.
    let second = app.upload_selfie(&token, identity_jpeg(8, 400, 400)).await;
    app.wait_idle().await;
    let s = selfie_status(&app, &token).await;
    assert_eq!(
        (s["selfieId"].as_str(), s["status"].as_str()),
        (Some(second.as_str()), Some("approved"))
    );
    assert_eq!(
        my_photos(&app, &token, w.project).await,
        vec![eight.to_string()],
        "the 30 px face of the third photo is ignored"
    );
    let db = &app.running().assembled.database;
    let rows = db.selfies_of(user).await.unwrap();
    assert!(
        rows.iter().all(|r| r.id.to_string() != first),
        "the replaced selfie's row is gone"
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == SelfieStatus::Approved)
            .count(),
        1
    );
    let objects = app
        .running()
        .assembled
        .storage
        .list_prefix(&keys::selfies_of(user))
        .await
        .unwrap();
    let first_row_key_gone = objects.iter().all(|o| {
        rows.iter()
            .any(|r| o.key.ends_with(&format!("/{}.jpg", r.key_timestamp_ms)))
    });
    assert!(
        first_row_key_gone,
        "only objects of remaining selfies: {objects:?}"
    );

    // Retina: once per photo, once per selfie.
    assert_eq!(app.retina.call_count(), 3 + 6);
    app.shutdown().await;
}

async fn consent_revoked_while_the_selfie_job_is_queued_erases_it_unprocessed(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let user = app.member(w.project).await;
    let token = app.token(user, Audience::Media, Role::User);
    let photo = app.upload_photo(&w, identity_jpeg(7, 640, 480)).await;
    app.drain().await;
    app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;
    // The selfie job is queued; no worker has run it.
    assert_eq!(selfie_status(&app, &token).await["status"], "processing");

    let r = app
        .delete("/v1/me/consents/biometric_processing", &token)
        .await;
    assert_eq!(r.status(), 204);
    app.drain().await;

    let selfie_calls = app
        .retina
        .calls()
        .iter()
        .filter(|c| c.image_url.contains("/selfies/"))
        .count();
    assert_eq!(selfie_calls, 0, "Retina never saw the selfie");
    assert_eq!(app.get("/v1/selfie", &token).await.status(), 404);
    assert_no_biometric_trace(&app, user, w.project).await;
    let _ = photo;
    app.shutdown().await;
}

/// Issue 26: every `DELETE /v1/selfie` (and revocation) with something to
/// erase queued an erasure's purge and its sweep. Erasures in a row
/// coalesce into one pending purge per user, which still deletes every
/// selfie object erased; its sweep is queued once it has run.
async fn erasures_in_a_row_leave_one_pending_purge_that_takes_every_erased_object(pg: bool) {
    use media_core::domain::{JobPayload, JobStatus};
    use media_core::ports::JobAdmin;
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let user = app.member(w.project).await;
    let token = app.token(user, Audience::Media, Role::User);
    for i in 0..4 {
        app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;
        let r = if i < 3 {
            app.delete("/v1/selfie", &token).await
        } else {
            app.delete("/v1/me/consents/biometric_processing", &token)
                .await
        };
        assert_eq!(r.status(), 204);
    }
    let db = &app.running().assembled.database;
    let storage = &app.running().assembled.storage;
    let purges = || async {
        db.list(&[JobStatus::Queued], 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| matches!(j.payload, JobPayload::PurgeObjects { .. }))
            .collect::<Vec<_>>()
    };
    let pending = purges().await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(
        storage
            .list_prefix(&keys::selfies_of(user))
            .await
            .unwrap()
            .len(),
        4,
        "four selfie objects to erase"
    );

    app.drain().await;
    let left = storage.list_prefix(&keys::selfies_of(user)).await.unwrap();
    assert!(left.is_empty(), "every erased selfie's object: {left:?}");
    let sweep = purges().await;
    assert_eq!(sweep.len(), 1, "the sweep, after the purge: {sweep:?}");
    assert!(
        sweep[0].run_at > time::OffsetDateTime::now_utc() + std::time::Duration::from_secs(500),
        "once the upload URLs have expired: {}",
        sweep[0].run_at
    );
    app.shutdown().await;
}

async fn deletion_and_revocation_leave_nothing_biometric(pg: bool) {
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    let (deleter, revoker, stranger) = (
        app.member(w.project).await,
        app.member(w.project).await,
        app.member(w.project).await,
    );
    let photo = app.upload_photo(&w, identity_jpeg(7, 640, 480)).await;
    app.wait_photo(photo).await;
    for (user, identity) in [(deleter, 7), (revoker, 7), (stranger, 9)] {
        let token = app.token(user, Audience::Media, Role::User);
        app.upload_selfie(&token, identity_jpeg(identity, 400, 400))
            .await;
    }
    app.wait_idle().await;
    for user in [deleter, revoker] {
        let token = app.token(user, Audience::Media, Role::User);
        assert_eq!(
            my_photos(&app, &token, w.project).await,
            vec![photo.to_string()]
        );
    }
    let stranger_token = app.token(stranger, Audience::Media, Role::User);
    assert!(
        my_photos(&app, &stranger_token, w.project).await.is_empty(),
        "a stranger is never matched"
    );

    let token = app.token(deleter, Audience::Media, Role::User);
    assert_eq!(app.delete("/v1/selfie", &token).await.status(), 204);
    let token = app.token(revoker, Audience::Media, Role::User);
    assert_eq!(
        app.delete("/v1/me/consents/biometric_processing", &token)
            .await
            .status(),
        204
    );
    app.wait_idle().await;
    assert_no_biometric_trace(&app, deleter, w.project).await;
    assert_no_biometric_trace(&app, revoker, w.project).await;
    // A new photo of the same face after erasure matches nobody erased.
    let later = app.upload_photo(&w, identity_jpeg(7, 640, 480)).await;
    app.wait_photo(later).await;
    app.wait_idle().await;
    assert_no_biometric_trace(&app, deleter, w.project).await;
    assert_no_biometric_trace(&app, revoker, w.project).await;
    app.shutdown().await;
}

/// §3.13a "Not me": the photo leaves my photos and stays out through a
/// reprocess of its faces and a retaken selfie; revocation erases the
/// suppression with the rest, so after new consent and a selfie it is back.
async fn not_me_keeps_a_photo_out_through_reprocess_and_retake_until_revocation(pg: bool) {
    use media_core::service::ReprocessStep;
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    let user = app.member(w.project).await;
    let token = app.token(user, Audience::Media, Role::User);
    let a = app.upload_photo(&w, identity_jpeg(7, 640, 480)).await;
    let b = app.upload_photo(&w, identity_jpeg(7, 480, 640)).await;
    app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;
    app.wait_idle().await;
    let both = {
        let mut v = vec![a.to_string(), b.to_string()];
        v.sort();
        v
    };
    assert_eq!(my_photos(&app, &token, w.project).await, both);

    let not_me = |photo: String| {
        let (app, token) = (&app, &token);
        async move {
            app.delete(
                &format!("/v1/me/projects/{}/photos/{photo}", w.project),
                token,
            )
            .await
        }
    };
    assert_eq!(not_me(b.to_string()).await.status(), 204);
    assert_eq!(
        my_photos(&app, &token, w.project).await,
        vec![a.to_string()]
    );
    let again = not_me(b.to_string()).await;
    assert_eq!(again.status(), 404, "no longer in my photos");
    let problem: Value = again.json().await.unwrap();
    assert_eq!(problem["code"], "not_found");
    assert_eq!(not_me(uuid::Uuid::new_v4().to_string()).await.status(), 404);

    // The photo's faces found again, then a retake: still not matched.
    app.media()
        .reprocess(&[b.into()], ReprocessStep::Faces)
        .await
        .unwrap();
    app.wait_idle().await;
    app.upload_selfie(&token, identity_jpeg(7, 420, 420)).await;
    app.wait_idle().await;
    assert_eq!(selfie_status(&app, &token).await["status"], "approved");
    assert_eq!(
        my_photos(&app, &token, w.project).await,
        vec![a.to_string()]
    );

    // Revocation erases the suppression with the rest of the biometrics.
    let revoke = app
        .delete("/v1/me/consents/biometric_processing", &token)
        .await;
    assert_eq!(revoke.status(), 204);
    app.wait_idle().await;
    let db = &app.running().assembled.database;
    assert!(!db.users_with_biometrics().await.unwrap().contains(&user));
    let grant = app
        .put("/v1/me/consents/biometric_processing", &token)
        .await;
    assert_eq!(grant.status(), 200);
    app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;
    app.wait_idle().await;
    assert_eq!(my_photos(&app, &token, w.project).await, both);
    app.shutdown().await;
}

common::backend_tests! {
    every_rejection_reason_then_an_approval_that_replaces_the_older_selfie,
    consent_revoked_while_the_selfie_job_is_queued_erases_it_unprocessed,
    deletion_and_revocation_leave_nothing_biometric,
    erasures_in_a_row_leave_one_pending_purge_that_takes_every_erased_object,
    not_me_keeps_a_photo_out_through_reprocess_and_retake_until_revocation,
}
