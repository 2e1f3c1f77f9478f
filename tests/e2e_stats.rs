//! Event stats for the operator (SPEC §3.13c, issue 14 part 5).

mod common;

use serde_json::Value;

use common::*;
use media_core::domain::{Audience, Role};

async fn an_operator_reads_the_figures_of_their_event_and_only_theirs(pg: bool) {
    let Some(app) = TestApp::start_api_only(pg).await else {
        return;
    };
    let w = app.world().await;
    let operator = app.token(w.operator, Audience::Backoffice, Role::Operator);
    let path = format!("/v1/operators/me/projects/{}/stats", w.project);

    // Two photos of identity 7 and one of 3, one upload never sent; two
    // members, one with a selfie of 7.
    let seven_a = app.upload_photo(&w, identity_jpeg(7, 640, 480)).await;
    app.upload_photo(&w, identity_jpeg(7, 480, 640)).await;
    app.upload_photo(&w, identity_jpeg(3, 640, 480)).await;
    let photographer = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let r = app
        .post(
            "/v1/photographers/me/photos/upload-url",
            &photographer,
            serde_json::json!({"projectId": w.project}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let matched = app.member(w.project).await;
    app.member(w.project).await;
    let token = app.token(matched, Audience::Media, Role::User);
    app.upload_selfie(&token, identity_jpeg(7, 400, 400)).await;

    // Before any job ran: the queue waits.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let waiting: Value = app.get(&path, &operator).await.json().await.unwrap();
    assert_eq!(waiting["photos"]["processing"], 3, "{waiting}");
    assert_eq!(waiting["photos"]["awaiting_upload"], 1);
    assert!(
        waiting["oldestQueuedJobAgeSeconds"].as_f64().unwrap() >= 0.0,
        "{waiting}"
    );

    app.drain().await;
    let r = app
        .delete(
            &format!("/v1/me/projects/{}/photos/{seven_a}", w.project),
            &token,
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app.get(&path, &operator).await;
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["projectId"], w.project.to_string());
    assert_eq!(
        s["photos"],
        serde_json::json!({"awaiting_upload": 1, "processing": 0, "ready": 3, "failed": 0, "expired": 0})
    );
    assert_eq!(s["faces"], 3, "one face a photo");
    assert_eq!(s["members"], 2);
    assert_eq!(s["membersWithApprovedSelfie"], 1);
    assert_eq!(s["membersMatched"], 1);
    assert_eq!(s["matches"], 1, "two found, one said not me");
    assert_eq!(s["suppressedMatches"], 1);
    assert!(s["oldestQueuedJobAgeSeconds"].is_null(), "{s}");

    // Another operator's event, and no event at all: 404.
    let other = app.world().await;
    let theirs = format!("/v1/operators/me/projects/{}/stats", other.project);
    assert_eq!(app.get(&theirs, &operator).await.status(), 404);
    let none = format!("/v1/operators/me/projects/{}/stats", uuid::Uuid::new_v4());
    assert_eq!(app.get(&none, &operator).await.status(), 404);
    app.shutdown().await;
}

common::backend_tests! {
    an_operator_reads_the_figures_of_their_event_and_only_theirs,
}
