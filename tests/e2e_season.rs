//! What a season in production meets (issue: nothing lost, nothing
//! resurrected): erasures racing retakes, replayed upload URLs.

mod common;

use serde_json::{Value, json};

use common::*;
use media_core::domain::{Audience, JobPayload, JobStatus, Role};
use media_core::ids::UserId;
use media_core::keys;
use media_core::ports::Storage;

async fn selfie_status(app: &TestApp, token: &str) -> Value {
    let r = app.get("/v1/selfie", token).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn selfie_objects(app: &TestApp, user: UserId) -> usize {
    app.running()
        .assembled
        .storage
        .list_prefix(&keys::selfies_of(user))
        .await
        .unwrap()
        .len()
}

/// SPEC §3.11: erasure removes exactly what existed when it was asked for.
/// The purge waits in the queue (no worker runs) while the user retakes.
async fn a_retake_right_after_an_erasure_or_a_revocation_survives_it(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    for revoke in [false, true] {
        let user = app.member(w.project).await;
        let token = app.token(user, Audience::Media, Role::User);
        app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;
        app.drain().await;
        assert_eq!(selfie_status(&app, &token).await["status"], "approved");

        if revoke {
            let r = app
                .delete("/v1/me/consents/biometric_processing", &token)
                .await;
            assert_eq!(r.status(), 204);
            let r = app
                .put("/v1/me/consents/biometric_processing", &token)
                .await;
            assert_eq!(r.status(), 200);
        } else {
            assert_eq!(app.delete("/v1/selfie", &token).await.status(), 204);
        }
        let retake = app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;
        app.drain().await;

        let s = selfie_status(&app, &token).await;
        assert_eq!(s["selfieId"], retake.as_str(), "revoke={revoke}");
        assert_eq!(s["status"], "approved", "revoke={revoke}: {s}");
        assert_eq!(
            selfie_objects(&app, user).await,
            1,
            "revoke={revoke}: the retake's object, and only it"
        );
    }
    app.shutdown().await;
}

async fn objects_under(app: &TestApp, prefix: &str) -> Vec<String> {
    let root = if prefix.starts_with("photos/") {
        keys::photos_root()
    } else {
        keys::selfies_root()
    };
    app.running()
        .assembled
        .storage
        .list_prefix(&root)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .filter(|k| k.starts_with(prefix))
        .collect()
}

/// Runs jobs until nothing is left under `prefix` (the store's report of a
/// PUT reaches the core asynchronously), for at most 10 s.
async fn drain_until_gone(app: &TestApp, prefix: &str, what: &str) {
    for _ in 0..100 {
        app.drain().await;
        if objects_under(app, prefix).await.is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "{what}: still there: {:?}",
        objects_under(app, prefix).await
    );
}

/// The queued sweeps (purges not due before a time) and their due times.
async fn sweeps(app: &TestApp) -> Vec<(JobPayload, time::OffsetDateTime)> {
    app.media()
        .list_jobs(Some(JobStatus::Queued), 1000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|j| match &j.payload {
            JobPayload::PurgeObjects {
                not_before: Some(at),
                ..
            } => Some((j.payload.clone(), *at)),
            _ => None,
        })
        .collect()
}

/// SPEC §3.11: an upload URL issued before a photo deletion or an erasure
/// cannot bring the data back. Reported PUTs (the embedded store's report,
/// the webhook) of a key whose row is gone are purged; without any report,
/// the sweep due once the URL and the grace are over removes them.
async fn replayed_upload_urls_cannot_bring_deleted_data_back(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let jpeg = identity_jpeg(0, 64, 48);
    let operator = app.token(w.operator, Audience::Backoffice, Role::Operator);

    // A photo: processed, deleted (204), then its old URL replayed.
    let (id, url, key) = photo_with_url(&app, &w, &jpeg).await;
    app.drain().await;
    let folder = key.trim_end_matches("original.jpg").to_owned();
    let r = app
        .delete(
            &format!("/v1/operators/me/projects/{}/photos/{id}", w.project),
            &operator,
        )
        .await;
    assert_eq!(r.status(), 204);
    drain_until_gone(&app, &folder, "the deleted photo").await;
    let started = time::OffsetDateTime::now_utc();
    put(&app, &url, &jpeg).await; // the embedded store reports it
    drain_until_gone(&app, &folder, "a replayed photo PUT (store report)").await;
    put(&app, &url, &jpeg).await;
    let hook =
        json!({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": key}}}]});
    let r = app
        .http
        .post(app.url("/v1/storage/events"))
        .bearer_auth(WEBHOOK_SECRET)
        .json(&hook)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    drain_until_gone(&app, &folder, "a replayed photo PUT (webhook)").await;

    // No report at all: the sweep, due after the URL's 600 s and the
    // 300 s grace, removes what a replay wrote.
    let photo_sweep = sweeps(&app)
        .await
        .into_iter()
        .find(|(p, _)| p.to_json().contains(&id))
        .expect("a sweep is queued for the deleted photo");
    assert!(photo_sweep.1 >= started + std::time::Duration::from_secs(850));
    put(&app, &url, &jpeg).await;
    app.media().handle(&photo_sweep.0).await.unwrap();
    assert!(
        objects_under(&app, &folder).await.is_empty(),
        "the sweep removed the replayed photo"
    );

    // A selfie: approved, consent revoked, then its old URL replayed.
    let user = app.member(w.project).await;
    let token = app.token(user, Audience::Media, Role::User);
    let r = app.post("/v1/selfie/upload-url", &token, json!({})).await;
    let t: Value = r.json().await.unwrap();
    let selfie_url = t["uploadUrl"].as_str().unwrap().to_owned();
    let selfie_jpeg = identity_jpeg(9, 400, 400);
    put(&app, &selfie_url, &selfie_jpeg).await;
    app.drain().await;
    let r = app
        .delete("/v1/me/consents/biometric_processing", &token)
        .await;
    assert_eq!(r.status(), 204);
    let prefix = format!("selfies/{user}/");
    drain_until_gone(&app, &prefix, "the erased selfie").await;
    put(&app, &selfie_url, &selfie_jpeg).await;
    drain_until_gone(&app, &prefix, "a replayed selfie PUT after revocation").await;
    let selfie_sweep = sweeps(&app)
        .await
        .into_iter()
        .find(|(p, _)| p.to_json().contains(&user.to_string()))
        .expect("a sweep is queued for the erased selfies");
    put(&app, &selfie_url, &selfie_jpeg).await;
    app.media().handle(&selfie_sweep.0).await.unwrap();
    assert!(
        objects_under(&app, &prefix).await.is_empty(),
        "the sweep removed the replayed selfie"
    );
    app.shutdown().await;
}

/// SPEC §5: retrying a dead job brings its selfie or photo back to
/// `processing` and finishes it. Retina is down for a selfie's only attempt
/// (the selfie ends `retina_unavailable`); once it is back, `jobs retry
/// --dead` approves the selfie.
async fn retrying_a_dead_selfie_job_finishes_the_selfie(pg: bool) {
    let Some(app) = TestApp::start_as(
        pg,
        media_server::server::Role::Api,
        &[("JOB_MAX_ATTEMPTS", "1")],
    )
    .await
    else {
        return;
    };
    let w = app.world().await;
    let user = app.member(w.project).await;
    let token = app.token(user, Audience::Media, Role::User);
    app.retina.set_mode(RetinaMode::Status(503));
    app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;
    app.drain().await;
    let s = selfie_status(&app, &token).await;
    assert_eq!(
        (s["status"].as_str(), s["failureReason"].as_str()),
        (Some("failed"), Some("retina_unavailable"))
    );

    app.retina.set_mode(RetinaMode::Identity);
    assert_eq!(app.media().retry_dead_jobs().await.unwrap(), 1);
    assert_eq!(
        selfie_status(&app, &token).await["status"],
        "processing",
        "back to processing with the retry"
    );
    app.drain().await;
    let s = selfie_status(&app, &token).await;
    assert_eq!(s["status"], "approved", "{s}");
    assert!(s["failureReason"].is_null());
    app.shutdown().await;
}

/// The jobs table does not grow for ever: finished jobs go after
/// `JOB_RETENTION_HOURS` (0 here: at the next upkeep); dead ones stay
/// until retried or pruned by hand.
async fn finished_jobs_are_pruned_after_the_retention(pg: bool) {
    let Some(app) = TestApp::start_as(
        pg,
        media_server::server::Role::Api,
        &[("JOB_RETENTION_HOURS", "0")],
    )
    .await
    else {
        return;
    };
    let w = app.world().await;
    app.upload_photo(&w, identity_jpeg(0, 64, 48)).await;
    app.drain().await;
    let done = app
        .media()
        .list_jobs(Some(JobStatus::Done), 100)
        .await
        .unwrap();
    assert!(!done.is_empty(), "the derivatives job ran: {done:?}");
    app.media().maintenance().await.unwrap();
    let left = app
        .media()
        .list_jobs(Some(JobStatus::Done), 100)
        .await
        .unwrap();
    assert!(left.is_empty(), "finished jobs pruned: {left:?}");
    app.shutdown().await;
}

common::backend_tests! {
    a_retake_right_after_an_erasure_or_a_revocation_survives_it,
    replayed_upload_urls_cannot_bring_deleted_data_back,
    retrying_a_dead_selfie_job_finishes_the_selfie,
    finished_jobs_are_pruned_after_the_retention,
}
