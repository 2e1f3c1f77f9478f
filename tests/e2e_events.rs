//! Events to the platform end to end (SPEC §9): a receiver on 127.0.0.1
//! checks every Standard Webhooks signature; each change is announced once;
//! a burst of matches is one `matches.added` per member; a receiver that
//! fails or is down for a while loses nothing, and the `webhook-id` of an
//! event is the same on every attempt.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{Value, json};

use common::*;
use media_adapters::testing::{Delivery, FakeReceiver, RECEIVER_SECRET, ReceiverMode};
use media_core::domain::{JobKind, JobStatus};
use media_core::ports::JobAdmin;

async fn start(pg: bool, receiver: &FakeReceiver, extra: &[(&str, &str)]) -> Option<TestApp> {
    let mut vars = vec![
        ("EVENTS_WEBHOOK_URL", receiver.url()),
        ("EVENTS_WEBHOOK_SECRET", RECEIVER_SECRET),
        ("EVENTS_RETRY_BASE_MS", "100"),
    ];
    vars.extend_from_slice(extra);
    TestApp::start_with(pg, &vars).await
}

/// Waits up to 20 s for `done` to hold of the receiver.
async fn until(receiver: &FakeReceiver, what: &str, done: impl Fn(&FakeReceiver) -> bool) {
    for _ in 0..200 {
        if done(receiver) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got: Vec<_> = receiver
        .deliveries()
        .iter()
        .map(|d| format!("{} {}", d.kind(), d.status))
        .collect();
    panic!("{what}: not received; got {got:?}");
}

fn data<'a>(d: &'a Delivery, field: &str) -> &'a Value {
    &d.body["data"][field]
}

/// What every delivery must be, whatever its type.
fn assert_well_formed(deliveries: &[Delivery]) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for d in deliveries {
        assert!(d.signed, "signature of {}: {}", d.id, d.raw);
        assert!((now - d.timestamp).abs() < 120, "timestamp {}", d.timestamp);
        assert_eq!(
            d.body.as_object().map(|o| o.len()),
            Some(3),
            "type, timestamp, data: {}",
            d.raw
        );
        for secret in ["http", "X-Amz", "\"embedding\"", "uploadUrl"] {
            assert!(!d.raw.contains(secret), "{secret} in an event: {}", d.raw);
        }
    }
}

/// The burst's debounce window is timed for one server at a time: the
/// test's two backends take turns, as they did when one test ran both.
static BURST: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn every_change_is_announced_once_and_a_burst_of_matches_is_one_event_per_member(pg: bool) {
    let _turn = BURST.lock().await;
    let receiver = FakeReceiver::start(ReceiverMode::Accept).await;
    // The window outlasts the burst below (7 small photos, 2 workers).
    let Some(app) = start(pg, &receiver, &[("MATCH_NOTIFY_DEBOUNCE_SECONDS", "4")]).await else {
        return;
    };
    let w = app.world().await;
    let ann = app.member_with_selfie(w.project, 7).await;
    // Cy is in the same photos (the fake face service sees identity 7).
    let cy = app.member_with_selfie(w.project, 7).await;
    let bob = app.member_with_selfie(w.project, 0).await;
    app.wait_idle().await;
    // Dee's selfie is refused by the face service (a 422): selfie.failed.
    app.retina.set_mode(RetinaMode::Status(422));
    let dee = app.member_with_selfie(w.project, 7).await;
    app.wait_idle().await;
    app.retina.set_mode(RetinaMode::Identity);

    let mut photos = HashSet::new();
    for _ in 0..6 {
        photos.insert(app.upload_photo(&w, identity_jpeg(7, 640, 480)).await);
    }
    let broken = app.upload_photo(&w, b"not a jpeg at all".to_vec()).await;
    for p in photos.iter().chain([&broken]) {
        app.wait_photo(*p).await;
    }
    until(&receiver, "matches.added", |r| {
        r.accepted_of("matches.added").len() >= 2
    })
    .await;

    let ready = receiver.accepted_of("photo.ready");
    let ready_photos: HashSet<_> = ready
        .iter()
        .map(|d| data(d, "photoId").as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ready_photos, photos, "one photo.ready per photo");
    assert_eq!(ready.len(), photos.len(), "and only one");
    assert_eq!(data(&ready[0], "projectId"), &json!(w.project));
    assert_eq!(data(&ready[0], "photographerId"), &json!(w.photographer));
    assert_eq!(data(&ready[0], "failureReason"), &Value::Null);

    let failed = receiver.accepted_of("photo.failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(data(&failed[0], "photoId"), &json!(broken));
    assert_eq!(data(&failed[0], "failureReason"), "unsupported_format");

    let approved = receiver.accepted_of("selfie.approved");
    assert_eq!(approved.len(), 2);
    let ann_approved = approved
        .iter()
        .find(|d| data(d, "userId") == &json!(ann.user))
        .expect("Ann's approval");
    assert_eq!(data(ann_approved, "selfieId"), &json!(ann.selfie));
    let rejected = receiver.accepted_of("selfie.rejected");
    assert_eq!(rejected.len(), 1);
    assert_eq!(data(&rejected[0], "selfieId"), &json!(bob.selfie));
    assert_eq!(data(&rejected[0], "reason"), "no_face");
    let selfie_failed = receiver.accepted_of("selfie.failed");
    assert_eq!(selfie_failed.len(), 1);
    assert_eq!(data(&selfie_failed[0], "selfieId"), &json!(dee.selfie));
    assert_eq!(data(&selfie_failed[0], "userId"), &json!(dee.user));
    assert_eq!(data(&selfie_failed[0], "reason"), "retina_rejected");

    // The window is over once the event came: nothing more follows.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let added = receiver.accepted_of("matches.added");
    assert_eq!(
        added.len(),
        2,
        "one event per matched member for the burst: {added:?}"
    );
    let members: HashSet<_> = added.iter().map(|d| data(d, "userId").clone()).collect();
    assert_eq!(
        members,
        HashSet::from([json!(ann.user), json!(cy.user)]),
        "not Bob"
    );
    for event in &added {
        assert_eq!(data(event, "projectId"), &json!(w.project));
        assert_eq!(data(event, "count"), 6);
        let listed: HashSet<_> = data(event, "photoIds")
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().parse().unwrap())
            .collect();
        assert_eq!(listed, photos);
    }

    // Erasure: revocation, and a selfie deletion, each proven once done.
    let r = app
        .delete("/v1/me/consents/biometric_processing", &ann.token)
        .await;
    assert_eq!(r.status(), 204);
    let r = app.delete("/v1/selfie", &bob.token).await;
    assert_eq!(r.status(), 204);
    until(&receiver, "erasure.completed", |r| {
        r.accepted_of("erasure.completed").len() == 2
    })
    .await;
    let erasures: HashMap<String, String> = receiver
        .accepted_of("erasure.completed")
        .iter()
        .map(|d| {
            (
                data(d, "userId").as_str().unwrap().to_owned(),
                data(d, "cause").as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(erasures[&ann.user.to_string()], "consent_revoked");
    assert_eq!(erasures[&bob.user.to_string()], "selfie_deleted");

    assert_well_formed(&receiver.deliveries());
    assert!(
        receiver.deliveries().iter().all(|d| d.status == 204),
        "a receiver that takes everything gets each event once"
    );
    app.shutdown().await;
}

async fn a_receiver_that_fails_or_is_down_loses_nothing_and_sees_one_id_per_event(pg: bool) {
    let receiver = FakeReceiver::start(ReceiverMode::FailNext(2)).await;
    let Some(app) = start(pg, &receiver, &[]).await else {
        return;
    };
    let w = app.world().await;
    let first = app.upload_photo(&w, identity_jpeg(0, 320, 240)).await;
    until(&receiver, "photo.ready after two 500s", |r| {
        r.accepted_of("photo.ready").len() == 1
    })
    .await;
    let attempts = receiver.deliveries();
    assert_eq!(
        attempts.iter().map(|d| d.status).collect::<Vec<_>>(),
        [500, 500, 204]
    );
    assert!(
        attempts.iter().all(|d| d.id == attempts[0].id),
        "one webhook-id across retries"
    );
    assert_eq!(data(&attempts[2], "photoId"), &json!(first));

    // Down for a while (2 s: the retries at 0.1 s and 0.6 s fail).
    receiver.set_mode(ReceiverMode::Status(503));
    let mut photos = HashSet::new();
    for _ in 0..5 {
        photos.insert(app.upload_photo(&w, identity_jpeg(0, 320, 240)).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    receiver.set_mode(ReceiverMode::Accept);
    until(&receiver, "every photo.ready after the outage", |r| {
        r.accepted_of("photo.ready").len() == 6
    })
    .await;
    let by_id: HashMap<String, Vec<u16>> =
        receiver
            .deliveries()
            .into_iter()
            .fold(HashMap::new(), |mut m, d| {
                m.entry(d.id).or_default().push(d.status);
                m
            });
    let announced: HashSet<_> = receiver
        .accepted_of("photo.ready")
        .iter()
        .map(|d| data(d, "photoId").as_str().unwrap().parse().unwrap())
        .collect();
    assert!(photos.is_subset(&announced), "nothing lost");
    for (id, statuses) in &by_id {
        assert_eq!(
            statuses.iter().filter(|s| **s == 204).count(),
            1,
            "{id}: accepted once, after its failures {statuses:?}"
        );
    }
    assert!(
        by_id.values().filter(|s| s.contains(&503)).count() >= 5,
        "the outage was seen: {by_id:?}"
    );
    assert_well_formed(&receiver.deliveries());
    app.shutdown().await;
}

async fn a_delivery_dead_after_its_attempts_is_listed_and_retried_with_the_same_id(pg: bool) {
    let receiver = FakeReceiver::start(ReceiverMode::Status(503)).await;
    let Some(app) = start(
        pg,
        &receiver,
        &[("EVENTS_RETRY_BASE_MS", "10"), ("JOB_MAX_ATTEMPTS", "3")],
    )
    .await
    else {
        return;
    };
    let w = app.world().await;
    app.upload_photo(&w, identity_jpeg(0, 320, 240)).await;
    let db = &app.running().assembled.database;
    let mut dead = Vec::new();
    for _ in 0..100 {
        dead = db.list(&[JobStatus::Dead], 10).await.unwrap();
        if !dead.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(dead.len(), 1, "the delivery is dead after 3 attempts");
    assert_eq!(dead[0].payload.kind(), JobKind::DeliverEvent);
    assert!(
        dead[0].last_error.as_deref().unwrap().contains("503"),
        "{:?}",
        dead[0].last_error
    );
    assert_eq!(receiver.deliveries().len(), 3);

    receiver.set_mode(ReceiverMode::Accept);
    assert_eq!(app.media().retry_jobs(&[dead[0].id]).await.unwrap(), 1);
    until(&receiver, "the retried delivery", |r| {
        r.accepted().len() == 1
    })
    .await;
    let all = receiver.deliveries();
    assert!(all.iter().all(|d| d.id == all[0].id), "the same webhook-id");
    app.shutdown().await;
}

async fn without_a_webhook_url_no_event_is_recorded(pg: bool) {
    let Some(app) = TestApp::start(pg).await else {
        return;
    };
    let w = app.world().await;
    let member = app.member_with_selfie(w.project, 7).await;
    app.wait_idle().await;
    let p = app.upload_photo(&w, identity_jpeg(7, 640, 480)).await;
    assert_eq!(app.wait_photo(p).await, "ready");
    assert_eq!(app.delete("/v1/selfie", &member.token).await.status(), 204);
    app.wait_idle().await;
    let db = &app.running().assembled.database;
    let kinds: HashSet<JobKind> = db
        .list(&[], 1000)
        .await
        .unwrap()
        .iter()
        .map(|j| j.payload.kind())
        .collect();
    assert!(kinds.contains(&JobKind::ClusterFaces), "{kinds:?}");
    assert!(!kinds.contains(&JobKind::DeliverEvent), "{kinds:?}");
    assert!(!kinds.contains(&JobKind::NotifyMatches), "{kinds:?}");
    app.shutdown().await;
}

common::backend_tests! {
    every_change_is_announced_once_and_a_burst_of_matches_is_one_event_per_member,
    a_receiver_that_fails_or_is_down_loses_nothing_and_sees_one_id_per_event,
    a_delivery_dead_after_its_attempts_is_listed_and_retried_with_the_same_id,
    without_a_webhook_url_no_event_is_recorded,
}
