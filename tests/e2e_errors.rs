//! Every 400/401/403/404/409 case of SPEC §2 over HTTP (the URL rules of
//! SPEC §1 are in `e2e_urls.rs`).

mod common;

use serde_json::{Value, json};
use uuid::Uuid;

use common::*;
use media_core::domain::{Audience, Role};

async fn problem(r: reqwest::Response, status: u16, code: &str) {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    if status == 401 {
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
    }
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], "about:blank");
    assert!(body["title"].is_string() && body["detail"].is_string());
}

async fn every_error_case_is_a_problem_with_its_code(pg: bool) {
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    let user = app.member(w.project).await;
    let ph = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let ph_media = app.token(w.photographer, Audience::Media, Role::Photographer);
    let op = app.token(w.operator, Audience::Backoffice, Role::Operator);
    let ut = app.token(user, Audience::Media, Role::User);

    // 401: no token, bad token, wrong audience for the route
    let r = app
        .http
        .get(app.url("/v1/operators/me/photos"))
        .send()
        .await
        .unwrap();
    problem(r, 401, "unauthorized").await;
    problem(
        app.get("/v1/operators/me/photos", "garbage").await,
        401,
        "unauthorized",
    )
    .await;
    let op_media = app.token(w.operator, Audience::Media, Role::Operator);
    problem(
        app.get("/v1/operators/me/photos", &op_media).await,
        401,
        "unauthorized",
    )
    .await;
    problem(app.get("/v1/selfie", &ph).await, 401, "unauthorized").await;

    // 403 forbidden: role not allowed
    problem(
        app.get("/v1/operators/me/photos", &ph).await,
        403,
        "forbidden",
    )
    .await;
    problem(
        app.post(
            "/v1/photos/upload-url",
            &ut,
            json!({"projectId": w.project}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // 403 consent_required
    let no_consent = app.token(Uuid::new_v4(), Audience::Media, Role::User);
    problem(
        app.post("/v1/selfie/upload-url", &no_consent, json!({}))
            .await,
        403,
        "consent_required",
    )
    .await;
    problem(
        app.get(
            &format!("/v1/me/projects/{}/photos", w.project),
            &no_consent,
        )
        .await,
        403,
        "consent_required",
    )
    .await;

    // 404: outside scope or absent
    let foreign = app.world().await;
    problem(
        app.get(
            &format!("/v1/photographers/me/projects/{}/photos", foreign.project),
            &ph,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    problem(
        app.get(
            &format!("/v1/operators/me/projects/{}/photos", foreign.project),
            &op,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    problem(
        app.post(
            "/v1/photos/upload-url",
            &ph_media,
            json!({"projectId": Uuid::new_v4()}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    problem(
        app.get(&format!("/v1/me/projects/{}/photos", foreign.project), &ut)
            .await,
        404,
        "not_found",
    )
    .await;
    problem(app.get("/v1/selfie", &ut).await, 404, "not_found").await;
    problem(
        app.get("/v1/operators/me/profile-picture", &op).await,
        404,
        "not_found",
    )
    .await;
    problem(
        app.delete(
            &format!(
                "/v1/operators/me/projects/{}/photos/{}",
                w.project,
                Uuid::new_v4()
            ),
            &op,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    problem(
        app.http.get(app.url("/nowhere")).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;

    // 403: sees the photo but may not change it
    let other_ph = media_core::ids::PhotographerId::new();
    w.add_photographer(app.media().ports().directory.as_ref(), other_ph, "Quinn")
        .await;
    let photo = app.upload_photo(&w, identity_jpeg(0, 32, 32)).await;
    let quinn = app.token(other_ph, Audience::Backoffice, Role::Photographer);
    problem(
        app.delete(
            &format!("/v1/photographers/me/projects/{}/photos/{photo}", w.project),
            &quinn,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // another operator's photo is not found
    let other_op = app.token(foreign.operator, Audience::Backoffice, Role::Operator);
    problem(
        app.delete(
            &format!("/v1/operators/me/projects/{}/photos/{photo}", w.project),
            &other_op,
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // 400: malformed body, ids, query; declared size and type
    let r = app
        .http
        .post(app.url("/v1/photographers/me/photos/upload-url"))
        .bearer_auth(&ph)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(r, 400, "invalid_request").await;
    problem(
        app.post(
            "/v1/photographers/me/photos/upload-url",
            &ph,
            json!({"projectId": "nope"}),
        )
        .await,
        400,
        "invalid_request",
    )
    .await;
    problem(
        app.post("/v1/photographers/me/photos/upload-url", &ph, json!({}))
            .await,
        400,
        "invalid_request",
    )
    .await;
    problem(
        app.get("/v1/photographers/me/projects/not-a-uuid/photos", &ph)
            .await,
        400,
        "invalid_request",
    )
    .await;
    problem(
        app.get("/v1/operators/me/photos?projectIds=abc", &op).await,
        400,
        "invalid_request",
    )
    .await;
    problem(
        app.get("/v1/operators/me/photos?limit=0", &op).await,
        400,
        "invalid_request",
    )
    .await;
    problem(
        app.get("/v1/operators/me/photos?limit=1001", &op).await,
        400,
        "invalid_request",
    )
    .await;
    problem(
        app.get("/v1/operators/me/photos?cursor=bogus", &op).await,
        400,
        "invalid_request",
    )
    .await;
    problem(
        app.post(
            "/v1/photographers/me/photos/upload-url",
            &ph,
            json!({"projectId": w.project, "contentLength": 60_000_000u64}),
        )
        .await,
        400,
        "upload_too_large",
    )
    .await;
    problem(
        app.post(
            "/v1/photographers/me/photos/upload-url",
            &ph,
            json!({"projectId": w.project, "contentType": "image/gif"}),
        )
        .await,
        400,
        "unsupported_type",
    )
    .await;

    // 409: confirming an upload that is not in the store
    let t: Value = app
        .post(
            "/v1/photographers/me/photos/upload-url",
            &ph,
            json!({"projectId": w.project}),
        )
        .await
        .json()
        .await
        .unwrap();
    let missing = t["photoId"].as_str().unwrap();
    problem(
        app.post(&format!("/v1/photos/{missing}/complete"), &ph, json!({}))
            .await,
        409,
        "upload_missing",
    )
    .await;
    let s: Value = app
        .post("/v1/selfie/upload-url", &ut, json!({}))
        .await
        .json()
        .await
        .unwrap();
    let sid = s["selfieId"].as_str().unwrap();
    problem(
        app.post(&format!("/v1/selfie/{sid}/complete"), &ut, json!({}))
            .await,
        409,
        "upload_missing",
    )
    .await;
    // Found by schemathesis: `1945.0` is an integer to JSON Schema (it
    // was a 400 `malformed JSON body`), and an id filter is the
    // hyphenated form only (a braced UUID was read as one).
    let r = app
        .post(
            "/v1/selfie/upload-url",
            &ut,
            json!({"contentLength": 1945.0}),
        )
        .await;
    assert_eq!(r.status(), 201);
    problem(
        app.get(
            &format!("/v1/operators/me/photos?projectIds={{{}}}", w.project),
            &op,
        )
        .await,
        400,
        "invalid_request",
    )
    .await;
    // Found by schemathesis: serde read `[null, null]` as a body of
    // all-absent fields and issued a URL. A body is an object or nothing.
    problem(
        app.post("/v1/selfie/upload-url", &ut, json!([null, null]))
            .await,
        400,
        "invalid_request",
    )
    .await;
    app.shutdown().await;
}

/// SPEC §2's order: the role check (403) comes before parsing the body or
/// the path (400), so a caller with the wrong role learns nothing from them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wrong_role_is_refused_before_the_body_or_ids_are_read() {
    let Some(app) = TestApp::start(false).await else {
        return;
    };
    let user = app.token(Uuid::new_v4(), Audience::Media, Role::User);
    let photographer = app.token(Uuid::new_v4(), Audience::Backoffice, Role::Photographer);
    let cases: [(&str, &str, &str, Option<&str>); 4] = [
        ("POST", "/v1/photos/upload-url", &user, Some("{not json")),
        (
            "DELETE",
            "/v1/operators/me/projects/not-a-uuid/photos/also-not",
            &photographer,
            None,
        ),
        (
            "GET",
            "/v1/operators/me/projects/not-a-uuid/photos",
            &photographer,
            None,
        ),
        (
            "DELETE",
            "/v1/photographers/me/projects/x/photos/y",
            &app.token(Uuid::new_v4(), Audience::Backoffice, Role::Operator),
            None,
        ),
    ];
    for (method, path, token, body) in cases {
        let req = match method {
            "POST" => app.http.post(app.url(path)),
            "GET" => app.http.get(app.url(path)),
            _ => app.http.delete(app.url(path)),
        };
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(b.to_owned()),
            None => req,
        };
        let r = req.bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status(), 403, "{method} {path}");
        problem(r, 403, "forbidden").await;
    }
    app.shutdown().await;
}

/// Issue 26: selfie upload URLs are capped per user per hour
/// (`SELFIE_UPLOADS_PER_HOUR`): past it, 429 `rate_limited` with
/// `Retry-After`, also after an erasure; other users are not limited.
async fn selfie_uploads_past_the_hourly_cap_are_429_with_retry_after(pg: bool) {
    let Some(app) = TestApp::start_as(
        pg,
        media_server::server::Role::Api,
        &[("SELFIE_UPLOADS_PER_HOUR", "3")],
    )
    .await
    else {
        return;
    };
    let w = app.world().await;
    let user = app.member(w.project).await;
    let token = app.token(user, Audience::Media, Role::User);
    for _ in 0..3 {
        let r = app.post("/v1/selfie/upload-url", &token, json!({})).await;
        assert_eq!(r.status(), 201);
    }
    assert_eq!(app.delete("/v1/selfie", &token).await.status(), 204);
    let r = app.post("/v1/selfie/upload-url", &token, json!({})).await;
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    problem(r, 429, "rate_limited").await;
    let other = app.member(w.project).await;
    let other = app.token(other, Audience::Media, Role::User);
    let r = app.post("/v1/selfie/upload-url", &other, json!({})).await;
    assert_eq!(r.status(), 201);
    app.shutdown().await;
}

common::backend_tests! {
    every_error_case_is_a_problem_with_its_code,
    selfie_uploads_past_the_hourly_cap_are_429_with_retry_after,
}
