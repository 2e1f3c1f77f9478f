//! Duplicate uploads (SPEC §4, issue 14 part 4): the same bytes twice in a
//! project fail the second as `duplicate` with nothing kept and no face
//! service call; a declared `contentSha256` already held is a 409.

mod common;

use serde_json::{Value, json};

use common::*;
use media_core::domain::{Audience, Role};
use media_core::keys;
use media_core::ports::Storage;

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn the_same_bytes_again_fail_as_a_duplicate_of_the_first_with_nothing_kept(pg: bool) {
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    let bytes = identity_jpeg(7, 640, 480);
    let first = app.upload_photo(&w, bytes.clone()).await;
    assert_eq!(app.wait_photo(first).await, "ready");
    let calls = app.retina.call_count();

    let second = app.upload_photo(&w, bytes.clone()).await;
    assert_eq!(app.wait_photo(second).await, "failed");
    app.wait_idle().await;
    let listed = app.listed_photos(&w).await;
    let dup = listed
        .iter()
        .find(|p| p["id"] == second.to_string())
        .unwrap();
    assert_eq!(dup["failureReason"], "duplicate", "{dup}");
    assert_eq!(dup["duplicateOf"], first.to_string());
    for url in ["fullUrl", "thumbnailUrl", "watermarkedUrl"] {
        assert!(dup[url].is_null(), "{url}: {dup}");
    }
    let kept = listed
        .iter()
        .find(|p| p["id"] == first.to_string())
        .unwrap();
    assert!(kept["duplicateOf"].is_null());
    let left = app
        .running()
        .assembled
        .storage
        .list_prefix(&keys::photo_folder(w.project, second.into()))
        .await
        .unwrap();
    assert!(
        left.is_empty(),
        "the duplicate's objects are purged: {left:?}"
    );
    assert_eq!(
        app.retina.call_count(),
        calls,
        "no face-service call for it"
    );

    // Another project may hold the same bytes.
    let other = app.world().await;
    let elsewhere = app.upload_photo(&other, bytes).await;
    assert_eq!(app.wait_photo(elsewhere).await, "ready");
    app.shutdown().await;
}

async fn a_declared_hash_the_project_holds_is_a_409_naming_the_photo_and_no_url(pg: bool) {
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    let bytes = identity_jpeg(3, 320, 240);
    let first = app.upload_photo(&w, bytes.clone()).await;
    assert_eq!(app.wait_photo(first).await, "ready");
    let token = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let ask = |sha: String| {
        let (app, token) = (&app, &token);
        async move {
            app.post(
                "/v1/photographers/me/photos/upload-url",
                token,
                json!({"projectId": w.project, "contentSha256": sha}),
            )
            .await
        }
    };
    for sha in [sha256_hex(&bytes), sha256_hex(&bytes).to_uppercase()] {
        let r = ask(sha).await;
        assert_eq!(r.status(), 409);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.unwrap();
        assert_eq!(
            (p["code"].as_str(), p["photoId"].as_str()),
            (Some("duplicate"), Some(first.to_string().as_str())),
            "{p}"
        );
    }
    assert_eq!(ask("abc".into()).await.status(), 400);
    assert_eq!(ask("g".repeat(64)).await.status(), 400);
    let fresh = ask(sha256_hex(b"other bytes")).await;
    assert_eq!(fresh.status(), 201);

    // A photographer not assigned to the project learns nothing of it.
    let stranger = app.world().await;
    let theirs = app.token(
        stranger.photographer,
        Audience::Backoffice,
        Role::Photographer,
    );
    let r = app
        .post(
            "/v1/photographers/me/photos/upload-url",
            &theirs,
            json!({"projectId": w.project, "contentSha256": sha256_hex(&bytes)}),
        )
        .await;
    assert_eq!(r.status(), 404);
    app.shutdown().await;
}

common::backend_tests! {
    the_same_bytes_again_fail_as_a_duplicate_of_the_first_with_nothing_kept,
    a_declared_hash_the_project_holds_is_a_409_naming_the_photo_and_no_url,
}
