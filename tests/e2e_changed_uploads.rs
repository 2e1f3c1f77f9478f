//! What the jobs read is what was completed (SPEC §5): an object PUT again
//! to its upload URL after completion is never mixed with the first one —
//! not in the derivatives, not in what Retina is shown.

mod common;

use serde_json::{Value, json};

use common::*;
use media_core::domain::{Audience, Role};
use media_core::ids::PhotoId;
use media_core::service::ReprocessStep;

/// (status, failureReason) of a photo, as its photographer lists it.
async fn photo_state(app: &TestApp, w: &World, id: &str) -> (String, Option<String>) {
    let listed = app.listed_photos(w).await;
    let p = listed.iter().find(|p| p["id"] == id).unwrap();
    (
        p["status"].as_str().unwrap().to_owned(),
        p["failureReason"].as_str().map(str::to_owned),
    )
}

fn changed() -> (String, Option<String>) {
    ("failed".to_owned(), Some("upload_changed".to_owned()))
}

/// A second PUT to the upload URL after completion (the photographer's
/// client retrying with another file) fails the photo with `upload_changed`
/// instead of mixing two images.
async fn an_original_replaced_after_completion_fails_the_photo_as_changed(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let (id, url, _) = photo_with_url(&app, &w, &identity_jpeg(0, 64, 48)).await;
    // Before any job ran: another image under the same key.
    put(&app, &url, &identity_jpeg(9, 96, 64)).await;
    app.drain().await;
    assert_eq!(photo_state(&app, &w, &id).await, changed());
    app.shutdown().await;
}

/// Retina reads the original through a presigned GET, which cannot carry
/// `If-Match`: a faces-only reprocess of a replaced original must not store
/// the faces of the other image next to thumbnails of the first.
async fn a_faces_reprocess_of_a_replaced_original_fails_the_photo_and_retina_never_sees_it(
    pg: bool,
) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let (id, url, _) = photo_with_url(&app, &w, &identity_jpeg(3, 400, 300)).await;
    app.drain().await;
    assert_eq!(photo_state(&app, &w, &id).await.0, "ready");
    let calls = app.retina.call_count();

    put(&app, &url, &identity_jpeg(4, 400, 300)).await;
    let photo: PhotoId = id.parse::<uuid::Uuid>().unwrap().into();
    app.media()
        .reprocess(&[photo], ReprocessStep::Faces)
        .await
        .unwrap();
    app.drain().await;
    assert_eq!(photo_state(&app, &w, &id).await, changed(), "pg={pg}");
    assert_eq!(
        app.retina.call_count(),
        calls,
        "pg={pg}: Retina was not shown the other image"
    );
    app.shutdown().await;
}

/// The selfie's ETag is recorded at completion too: another image PUT to
/// the same URL before the job runs fails the selfie as `upload_changed`,
/// and Retina never sees either.
async fn a_selfie_replaced_after_completion_fails_as_changed_and_retina_never_sees_it(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let user = app.member(w.project).await;
    let token = app.token(user, Audience::Media, Role::User);
    let r = app.post("/v1/selfie/upload-url", &token, json!({})).await;
    assert_eq!(r.status(), 201);
    let t: Value = r.json().await.unwrap();
    let url = t["uploadUrl"].as_str().unwrap().to_owned();
    put(&app, &url, &identity_jpeg(5, 400, 400)).await;
    let id = t["selfieId"].as_str().unwrap();
    let r = app
        .post(&format!("/v1/selfie/{id}/complete"), &token, json!({}))
        .await;
    assert_eq!(r.status(), 202);
    put(&app, &url, &identity_jpeg(6, 400, 400)).await;
    app.drain().await;

    let s: Value = app.get("/v1/selfie", &token).await.json().await.unwrap();
    assert_eq!(
        (s["status"].as_str(), s["failureReason"].as_str()),
        (Some("failed"), Some("upload_changed")),
        "pg={pg}: {s}"
    );
    assert_eq!(app.retina.call_count(), 0, "pg={pg}");
    app.shutdown().await;
}

common::backend_tests! {
    an_original_replaced_after_completion_fails_the_photo_as_changed,
    a_faces_reprocess_of_a_replaced_original_fails_the_photo_and_retina_never_sees_it,
    a_selfie_replaced_after_completion_fails_as_changed_and_retina_never_sees_it,
}
