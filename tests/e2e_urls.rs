//! The URL rules of SPEC §1 over HTTP: every URL presigned with its exact
//! expiry, none under the public URL but `fileUrl`.

mod common;

use serde_json::{Value, json};

use common::*;
use media_core::domain::{Audience, Role};

/// Every URL in a JSON value.
fn urls(v: &Value, out: &mut Vec<(String, String)>, field: &str) {
    match v {
        Value::String(s) if s.starts_with("http") => out.push((field.to_owned(), s.clone())),
        Value::Array(a) => a.iter().for_each(|x| urls(x, out, field)),
        Value::Object(o) => o.iter().for_each(|(k, x)| urls(x, out, k)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_url_is_presigned_with_its_exact_expiry_and_none_is_public() {
    let app = TestApp::start_with(false, &[("R2_PUBLIC_URL", PUBLIC_URL)])
        .await
        .unwrap();
    let w = app.world().await;
    let user = app.member(w.project).await;
    let ph = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let op = app.token(w.operator, Audience::Backoffice, Role::Operator);
    let ut = app.token(user, Audience::Media, Role::User);

    let photo = app.upload_photo(&w, identity_jpeg(4, 100, 100)).await;
    app.wait_photo(photo).await;
    let mut responses: Vec<Value> = Vec::new();
    let s: Value = app
        .post("/v1/selfie/upload-url", &ut, json!({}))
        .await
        .json()
        .await
        .unwrap();
    app.http
        .put(s["uploadUrl"].as_str().unwrap())
        .body(identity_jpeg(4, 300, 300))
        .send()
        .await
        .unwrap();
    let sid = s["selfieId"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(&format!("/v1/selfie/{sid}/complete"), &ut, json!({}))
            .await
            .status(),
        202
    );
    responses.push(s);
    app.wait_idle().await;
    responses.push(
        app.post(
            "/v1/photographers/me/photos/upload-url",
            &ph,
            json!({"projectId": w.project}),
        )
        .await
        .json()
        .await
        .unwrap(),
    );
    let ph_media = app.token(w.photographer, Audience::Media, Role::Photographer);
    responses.push(
        app.post(
            "/v1/photos/upload-url",
            &ph_media,
            json!({"projectId": w.project}),
        )
        .await
        .json()
        .await
        .unwrap(),
    );
    let profile: Value = app
        .post(
            "/v1/operators/me/profile-picture/upload-url",
            &op,
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        profile["fileUrl"].as_str().unwrap().starts_with(PUBLIC_URL),
        "§3.9 fileUrl is the public reference"
    );
    let put = app
        .http
        .put(profile["uploadUrl"].as_str().unwrap())
        .body(identity_jpeg(1, 16, 16))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    responses.push(profile);
    responses.push(
        app.get("/v1/operators/me/profile-picture", &op)
            .await
            .json()
            .await
            .unwrap(),
    );
    responses.push(
        app.get(
            &format!("/v1/photographers/me/projects/{}/photos", w.project),
            &ph,
        )
        .await
        .json()
        .await
        .unwrap(),
    );
    responses.push(
        app.get("/v1/operators/me/photos", &op)
            .await
            .json()
            .await
            .unwrap(),
    );
    responses.push(
        app.get(
            &format!("/v1/operators/me/projects/{}/photos", w.project),
            &op,
        )
        .await
        .json()
        .await
        .unwrap(),
    );
    let mine: Value = app
        .get(&format!("/v1/me/projects/{}/photos", w.project), &ut)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        mine.as_array().unwrap().len(),
        1,
        "the user is in the photo"
    );
    responses.push(mine);

    let mut found = Vec::new();
    for r in &responses {
        urls(r, &mut found, "");
    }
    assert!(found.len() >= 12, "{found:?}");
    for (field, url) in found {
        if field == "fileUrl" {
            continue;
        }
        assert!(!url.starts_with(PUBLIC_URL), "{field} is public: {url}");
        let expires = if field == "uploadUrl" {
            "X-Amz-Expires=600"
        } else {
            "X-Amz-Expires=900"
        };
        assert!(
            url.contains(expires) && url.contains("X-Amz-Signature="),
            "{field}: {url}"
        );
    }
    app.shutdown().await;
}
