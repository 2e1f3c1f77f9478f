//! The storage webhook (SPEC §3.10) and the operations routes (§3.14) over HTTP.

mod common;

use std::time::Duration;

use serde_json::{Value, json};

use common::*;
use media_core::domain::{Audience, Role};

async fn the_storage_webhook_completes_uploads_in_s3_and_r2_forms(pg: bool) {
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    let token = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let t: Value = app
            .post(
                "/v1/photographers/me/photos/upload-url",
                &token,
                json!({"projectId": w.project}),
            )
            .await
            .json()
            .await
            .unwrap();
        // Written straight into the store's folder, as another writer would: no report.
        let key = t["key"].as_str().unwrap();
        let path = app.data.path().join("objects").join("media").join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, identity_jpeg(0, 32, 32)).unwrap();
        ids.push((t["photoId"].as_str().unwrap().to_owned(), key.to_owned()));
    }
    let hook = |body: Value, secret: Option<&str>| {
        let mut req = app.http.post(app.url("/v1/storage/events")).json(&body);
        if let Some(s) = secret {
            req = req.bearer_auth(s);
        }
        req.send()
    };
    let s3 = json!({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "media"}, "object": {"key": ids[0].1, "size": 10}}}]});
    assert_eq!(hook(s3.clone(), None).await.unwrap().status(), 401);
    assert_eq!(hook(s3.clone(), Some("wrong")).await.unwrap().status(), 401);
    assert_eq!(hook(s3, Some(WEBHOOK_SECRET)).await.unwrap().status(), 204);
    let r2 = json!({"account": "a", "action": "PutObject", "bucket": "media", "object": {"key": ids[1].1, "size": 10, "eTag": "x"}});
    assert_eq!(hook(r2, Some(WEBHOOK_SECRET)).await.unwrap().status(), 204);
    let unknown = json!({"action": "PutObject", "object": {"key": "photos/not/ours.jpg"}});
    assert_eq!(
        hook(unknown, Some(WEBHOOK_SECRET)).await.unwrap().status(),
        204,
        "unknown keys are ignored"
    );
    // Found by schemathesis: an array of non-objects was taken as an
    // empty batch (204); the documented body is an event or an array of them.
    for bad in [json!([null, null]), json!("x"), json!(7)] {
        assert_eq!(
            hook(bad.clone(), Some(WEBHOOK_SECRET))
                .await
                .unwrap()
                .status(),
            400,
            "{bad}"
        );
    }
    for (id, _) in &ids {
        assert_eq!(app.wait_photo(id.parse().unwrap()).await, "ready");
    }
    app.shutdown().await;

    // Without a secret the route does not exist.
    let Some(app) = TestApp::start_with(pg, &[("STORAGE_WEBHOOK_SECRET", "")]).await else {
        return;
    };
    let r = app
        .http
        .post(app.url("/v1/storage/events"))
        .bearer_auth("x")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_routes() {
    let app = TestApp::start(false).await.unwrap();
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let spec: Value = app
        .http
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/v1/selfie/upload-url",
        "/v1/photos/upload-url",
        "/v1/photographers/me/photos/upload-url",
        "/v1/photographers/me/projects/{projectId}/photos",
        "/v1/photographers/me/projects/{projectId}/photos/{photoId}",
        "/v1/operators/me/photos",
        "/v1/operators/me/projects/{projectId}/photos",
        "/v1/operators/me/projects/{projectId}/photos/{photoId}",
        "/v1/operators/me/projects/{projectId}/stats",
        "/v1/operators/me/profile-picture/upload-url",
        "/v1/operators/me/profile-picture",
        "/v1/photos/{photoId}/complete",
        "/v1/selfie/{selfieId}/complete",
        "/v1/storage/events",
        "/v1/selfie",
        "/v1/me/consents",
        "/v1/me/consents/{purpose}",
        "/v1/me/projects/{projectId}/photos",
        "/v1/me/projects/{projectId}/photos/{photoId}",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} is documented");
    }
    // What /metrics says is tests/e2e_metrics.rs's (one server per process:
    // the recorder is global).
    let id = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert!(id.headers().contains_key("x-request-id"));
    tokio::time::sleep(Duration::from_millis(10)).await;
    app.shutdown().await;
}

/// The image's health probe needs no shell (its `/bin/sh` is dash, which has
/// no `/dev/tcp`: the old probe could never pass) and tells ready from not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_container_health_probe_is_the_binary_and_reads_readyz() {
    let dockerfile =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile")).unwrap();
    let probe = dockerfile
        .lines()
        .find(|l| l.starts_with("HEALTHCHECK"))
        .expect("a HEALTHCHECK");
    assert!(
        probe.ends_with(r#"CMD ["media-server", "healthcheck"]"#),
        "exec form, no shell: {probe}"
    );

    let app = TestApp::start(false).await.unwrap();
    let addr = app.running().addr.unwrap();
    let ready = tokio::task::spawn_blocking(move || media_server::healthcheck::check(addr));
    assert_eq!(ready.await.unwrap(), Ok(()));
    app.shutdown().await;
    let closed = tokio::task::spawn_blocking(move || media_server::healthcheck::check(addr));
    assert!(closed.await.unwrap().is_err(), "nothing listens any more");
    let wildcard: std::net::SocketAddr = "0.0.0.0:8003".parse().unwrap();
    assert_eq!(
        media_server::healthcheck::probe_addr(wildcard),
        "127.0.0.1:8003".parse().unwrap()
    );
}

/// A client that accepts gzip gets the listing compressed; one that does
/// not gets it as it is (issue 16, part 6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_are_gzipped_for_clients_that_accept_it() {
    let app = TestApp::start(false).await.unwrap();
    let w = app.world().await;
    for seed in 0..3 {
        app.upload_photo(&w, identity_jpeg(seed, 32, 32)).await;
    }
    let token = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let url = app.url(&format!(
        "/v1/photographers/me/projects/{}/photos",
        w.project
    ));
    let plain = app.http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain_len = plain.bytes().await.unwrap().len();
    let gzipped = app
        .http
        .get(&url)
        .bearer_auth(&token)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.status(), 200);
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let gzipped_len = gzipped.bytes().await.unwrap().len();
    assert!(gzipped_len < plain_len / 2, "{gzipped_len} vs {plain_len}");
    app.shutdown().await;
}

common::backend_tests! {
    the_storage_webhook_completes_uploads_in_s3_and_r2_forms,
}
