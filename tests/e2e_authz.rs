//! The authorization matrix of SPEC §2–§3 over HTTP: every route × caller
//! role {user, photographer, operator} × token audience {media, backoffice}
//! × target {the caller's own resource, another's}, each cell's exact status
//! written down below.

mod common;

use serde_json::{Value, json};
use uuid::Uuid;

use common::*;
use media_core::domain::{Audience, Role};
use media_core::ids::UserId;

/// One route: how to call it on the caller's own resource and on another's,
/// and the expected status for each caller, in the column order
/// user@media · user@backoffice · photographer@media · photographer@backoffice
/// · operator@media · operator@backoffice, each as "own/other".
///
/// Routes under `/me` (and `/v1/selfie`) act on the caller only: they have no
/// "another's" form, so both halves of a cell call the same URL.
struct Row {
    method: &'static str,
    own: String,
    other: String,
    body_own: Value,
    body_other: Value,
    expect: &'static str,
}

struct Fixture {
    /// The callers: one id per role, the same person in both audiences.
    user: Uuid,
    photographer: Uuid,
    operator: Uuid,
    /// The caller's project (operator owns it, photographer assigned, user member).
    p1: Uuid,
    /// Another operator's project, where only the other photographer works.
    p2: Uuid,
    own_selfie: String,
    other_selfie: String,
    /// An archive of the user's, and one of another user's.
    own_archive: Uuid,
    other_archive: Uuid,
    /// Photos by the caller photographer in p1 (one per route that deletes).
    mine_to_complete: Uuid,
    mine_to_delete: Uuid,
    mine_for_operator: Uuid,
    /// A photo of the other photographer in p1, and one in p2.
    theirs_in_p1: Uuid,
    theirs_in_p2: Uuid,
}

#[rustfmt::skip]
fn rows(f: &Fixture) -> Vec<Row> {
    let row = |method, own: String, other: String, body: Value, expect| Row {
        method,
        own,
        other,
        body_own: body.clone(),
        body_other: body,
        expect,
    };
    let same = |method, url: &str, body: Value, expect| {
        row(method, url.to_owned(), url.to_owned(), body, expect)
    };
    let (p1, p2) = (f.p1, f.p2);
    vec![
        //                                                                       user@m   user@b   phot@m   phot@b   oper@m   oper@b
        same("POST", "/v1/selfie/upload-url", json!({}),                        "201/201 401/401 403/403 401/401 403/403 401/401"),
        row("POST", format!("/v1/selfie/{}/complete", f.own_selfie),
            format!("/v1/selfie/{}/complete", f.other_selfie), json!({}),       "202/404 401/401 403/403 401/401 403/403 401/401"),
        same("GET", "/v1/selfie", json!(null),                                  "200/200 401/401 403/403 401/401 403/403 401/401"),
        same("GET", "/v1/me/consents", json!(null),                             "200/200 401/401 403/403 401/401 403/403 401/401"),
        same("PUT", "/v1/me/consents/biometric_processing", json!(null),        "200/200 401/401 403/403 401/401 403/403 401/401"),
        row("GET", format!("/v1/me/projects/{p1}/photos"),
            format!("/v1/me/projects/{p2}/photos"), json!(null),                "200/404 401/401 403/403 401/401 403/403 401/401"),
        // "Not me" of a photo in the user's photos; in a project they are not in.
        row("DELETE", format!("/v1/me/projects/{p1}/photos/{}", f.theirs_in_p1),
            format!("/v1/me/projects/{p2}/photos/{}", f.theirs_in_p2), json!(null),
                                                                                "204/404 401/401 403/403 401/401 403/403 401/401"),
        Row {
            method: "POST",
            own: "/v1/photos/upload-url".into(),
            other: "/v1/photos/upload-url".into(),
            body_own: json!({"projectId": p1}),
            body_other: json!({"projectId": p2}),
            expect:                                                             "403/403 401/401 201/404 401/401 403/403 401/401",
        },
        Row {
            method: "POST",
            own: "/v1/photographers/me/photos/upload-url".into(),
            other: "/v1/photographers/me/photos/upload-url".into(),
            body_own: json!({"projectId": p1}),
            body_other: json!({"projectId": p2}),
            expect:                                                             "401/401 403/403 401/401 201/404 401/401 403/403",
        },
        // Either audience; another photographer's upload in a project the caller sees → 403.
        row("POST", format!("/v1/photos/{}/complete", f.mine_to_complete),
            format!("/v1/photos/{}/complete", f.theirs_in_p1), json!({}),       "403/403 403/403 202/403 202/403 403/403 403/403"),
        row("GET", format!("/v1/photographers/me/projects/{p1}/photos"),
            format!("/v1/photographers/me/projects/{p2}/photos"), json!(null),  "401/401 403/403 401/401 200/404 401/401 403/403"),
        row("DELETE", format!("/v1/photographers/me/projects/{p1}/photos/{}", f.mine_to_delete),
            format!("/v1/photographers/me/projects/{p1}/photos/{}", f.theirs_in_p1), json!(null),
                                                                                "401/401 403/403 401/401 204/403 401/401 403/403"),
        same("GET", "/v1/operators/me/photos", json!(null),                     "401/401 403/403 401/401 403/403 401/401 200/200"),
        row("GET", format!("/v1/operators/me/projects/{p1}/photos"),
            format!("/v1/operators/me/projects/{p2}/photos"), json!(null),      "401/401 403/403 401/401 403/403 401/401 200/404"),
        row("GET", format!("/v1/operators/me/projects/{p1}/stats"),
            format!("/v1/operators/me/projects/{p2}/stats"), json!(null),       "401/401 403/403 401/401 403/403 401/401 200/404"),
        row("DELETE", format!("/v1/operators/me/projects/{p1}/photos/{}", f.mine_for_operator),
            format!("/v1/operators/me/projects/{p2}/photos/{}", f.theirs_in_p2), json!(null),
                                                                                "401/401 403/403 401/401 403/403 401/401 204/404"),
        same("POST", "/v1/operators/me/profile-picture/upload-url", json!({}),  "401/401 403/403 401/401 403/403 401/401 200/200"),
        same("GET", "/v1/operators/me/profile-picture", json!(null),            "401/401 403/403 401/401 403/403 401/401 200/200"),
        row("POST", format!("/v1/me/projects/{p1}/archive"),
            format!("/v1/me/projects/{p2}/archive"), json!(null),               "202/404 401/401 403/403 401/401 403/403 401/401"),
        row("GET", format!("/v1/me/archives/{}", f.own_archive),
            format!("/v1/me/archives/{}", f.other_archive), json!(null),       "200/404 401/401 403/403 401/401 403/403 401/401"),
        // These two change the user's state: last.
        same("DELETE", "/v1/selfie", json!(null),                               "204/204 401/401 403/403 401/401 403/403 401/401"),
        same("DELETE", "/v1/me/consents/biometric_processing", json!(null),     "204/204 401/401 403/403 401/401 403/403 401/401"),
    ]
}

async fn call(app: &TestApp, method: &str, path: &str, token: &str, body: &Value) -> u16 {
    let url = app.url(path);
    let req = match method {
        "GET" => app.http.get(url),
        "POST" => app.http.post(url),
        "PUT" => app.http.put(url),
        "DELETE" => app.http.delete(url),
        other => panic!("method {other}"),
    };
    let req = if body.is_null() { req } else { req.json(body) };
    req.bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn upload_selfie(app: &TestApp, user: UserId) -> String {
    let token = app.token(user, Audience::Media, Role::User);
    let r = app.post("/v1/selfie/upload-url", &token, json!({})).await;
    assert_eq!(r.status(), 201);
    let t: Value = r.json().await.unwrap();
    let put = app
        .http
        .put(t["uploadUrl"].as_str().unwrap())
        .body(identity_jpeg(7, 400, 400))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    t["selfieId"].as_str().unwrap().to_owned()
}

async fn fixture(app: &TestApp) -> Fixture {
    let w = app.world().await;
    // Another operator's project p2, whose photographer also works in p1.
    let other = app.world().await;
    let directory = app.media().ports().directory.as_ref();
    directory
        .assign(w.project, other.photographer)
        .await
        .unwrap();
    let p2 = other.project;

    let user = app.member(w.project).await;
    let other_user = app.member(w.project).await;

    let jpeg = || identity_jpeg(3, 64, 48);
    let theirs = |project| World { project, ..other };
    let mine_to_complete = app.upload_photo(&w, jpeg()).await;
    let mine_to_delete = app.upload_photo(&w, jpeg()).await;
    let mine_for_operator = app.upload_photo(&w, jpeg()).await;
    let theirs_in_p1 = app.upload_photo(&theirs(w.project), jpeg()).await;
    let theirs_in_p2 = app.upload_photo(&theirs(p2), jpeg()).await;

    // The user was matched to a photo of p1 (seeded: no workers run here).
    sqlx::query(
        "INSERT INTO matches (user_id, photo_id, project_id, distance) VALUES ($1, $2, $3, 0.2)",
    )
    .bind(user.to_string())
    .bind(theirs_in_p1.to_string())
    .bind(w.project.to_string())
    .execute(app.running().assembled.database.pool())
    .await
    .unwrap();

    // An archive each for the user and another member (no workers: building).
    let archive = |owner: UserId| async move {
        let a = media_core::domain::Archive {
            id: media_core::ids::ArchiveId::new(),
            user_id: owner,
            project_id: w.project,
            status: media_core::domain::ArchiveStatus::Building,
            photo_count: None,
            bytes: None,
            created_at: time::OffsetDateTime::now_utc(),
            expires_at: None,
            matches: None,
        };
        app.media()
            .ports()
            .archives
            .start_archive(&a, &[], &[], a.created_at)
            .await
            .unwrap()
            .id
            .as_uuid()
    };
    let own_archive = archive(user).await;
    let other_archive = archive(other_user).await;

    // The operator's picture exists, so its GET answers 200.
    let token = app.token(w.operator, Audience::Backoffice, Role::Operator);
    let r = app
        .post(
            "/v1/operators/me/profile-picture/upload-url",
            &token,
            json!({}),
        )
        .await;
    let t: Value = r.json().await.unwrap();
    let put = app
        .http
        .put(t["uploadUrl"].as_str().unwrap())
        .body(jpeg())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());

    Fixture {
        user: user.into(),
        photographer: w.photographer.into(),
        operator: w.operator.into(),
        p1: w.project.into(),
        p2: p2.into(),
        own_selfie: upload_selfie(app, user).await,
        other_selfie: upload_selfie(app, other_user).await,
        own_archive,
        other_archive,
        mine_to_complete,
        mine_to_delete,
        mine_for_operator,
        theirs_in_p1,
        theirs_in_p2,
    }
}

async fn every_route_role_audience_and_ownership_gets_its_exact_status(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let f = fixture(&app).await;
    let callers = [
        (f.user, Audience::Media, Role::User),
        (f.user, Audience::Backoffice, Role::User),
        (f.photographer, Audience::Media, Role::Photographer),
        (f.photographer, Audience::Backoffice, Role::Photographer),
        (f.operator, Audience::Media, Role::Operator),
        (f.operator, Audience::Backoffice, Role::Operator),
    ];
    let mut wrong = Vec::new();
    let mut cells = 0;
    for row in rows(&f) {
        let expected: Vec<(u16, u16)> = row
            .expect
            .split_whitespace()
            .map(|cell| {
                let (own, other) = cell.split_once('/').unwrap();
                (own.parse().unwrap(), other.parse().unwrap())
            })
            .collect();
        assert_eq!(expected.len(), callers.len(), "{} {}", row.method, row.own);
        for (&(id, aud, role), &(want_own, want_other)) in callers.iter().zip(&expected) {
            let token = app.token(id, aud, role);
            // Another's first: a successful DELETE of one's own must not
            // change what the other cell sees.
            let got_other = call(&app, row.method, &row.other, &token, &row.body_other).await;
            let got_own = call(&app, row.method, &row.own, &token, &row.body_own).await;
            cells += 2;
            if (got_own, got_other) != (want_own, want_other) {
                wrong.push(format!(
                    "{} {} as {role:?}@{aud:?}: got {got_own}/{got_other}, want {want_own}/{want_other}",
                    row.method, row.own
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(cells, 22 * 12);
    app.shutdown().await;
}

common::backend_tests! {
    every_route_role_audience_and_ownership_gets_its_exact_status,
}
