//! What `/metrics` reports (issue 16, part 2). One test binary of its own:
//! the metrics recorder is global to the process, so figures are compared
//! before and after, one server at a time.

mod common;

use std::time::Duration;

use common::metrics::{families, value};
use common::{TestApp, identity_jpeg};
use media_adapters::testing::{FakeReceiver, RECEIVER_SECRET, ReceiverMode};
use media_server::server::Role as ServerRole;

/// The tests of this file run one at a time: they read one recorder.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The server's pool-wait layer, as `media-server` installs it at startup.
fn with_pool_waits() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        tracing_subscriber::registry()
            .with(media_server::telemetry::pool_waits())
            .init();
    });
}

/// Every family an operator's dashboard reads moves for one photo.
async fn one_photo_moves_requests_jobs_steps_face_calls_objects_pool_and_process_figures(
    postgres: bool,
) {
    with_pool_waits();
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some(app) = TestApp::start(postgres).await else {
        return;
    };
    let before = app.scrape().await;
    let w = app.world().await;
    let id = app.upload_photo(&w, identity_jpeg(0, 64, 48)).await;
    assert_eq!(app.wait_photo(id).await, "ready");
    app.wait_idle().await;
    app.media().count_queue().await.unwrap();
    let after = app.scrape().await;
    let delta =
        |series: &str| value(&after, series).unwrap_or(0.0) - value(&before, series).unwrap_or(0.0);

    assert_eq!(
        delta(
            r#"media_http_request_duration_seconds_count{method="POST",route="/v1/photographers/me/photos/upload-url",status="201"}"#
        ),
        1.0,
        "{after}"
    );
    // One derivative job, one decode, for all three derivatives (SPEC §5).
    for (kind, jobs) in [("generate_thumbnail", 1.0), ("generate_watermark", 0.0)] {
        assert_eq!(
            delta(&format!(
                r#"media_job_duration_seconds_count{{kind="{kind}",outcome="done"}}"#
            )),
            jobs,
            "{kind}"
        );
    }
    assert_eq!(
        delta(r#"media_pipeline_step_duration_seconds_count{step="decode"}"#),
        1.0,
        "the original is decoded once: {after}"
    );
    for step in ["probe", "decode", "thumbnails", "watermark", "encode"] {
        assert!(
            delta(&format!(
                r#"media_pipeline_step_duration_seconds_count{{step="{step}"}}"#
            )) >= 1.0,
            "{step}: {after}"
        );
    }
    assert!(
        delta(r#"media_face_service_request_duration_seconds_count{outcome="ok"}"#) >= 1.0,
        "{after}"
    );
    // Two thumbnails and the watermarked copy.
    assert_eq!(delta("media_storage_objects_written_total"), 3.0);
    assert!(delta("media_storage_written_bytes_total") > 300.0);

    // The queue as the upkeep counted it: drained, every kind reported.
    for kind in media_core::domain::JobKind::ALL {
        for status in ["queued", "running", "dead"] {
            assert_eq!(
                value(
                    &after,
                    &format!(
                        r#"media_jobs{{kind="{}",status="{status}"}}"#,
                        kind.as_str()
                    )
                ),
                Some(0.0),
                "{kind:?} {status}"
            );
        }
    }
    assert_eq!(
        value(&after, "media_jobs_oldest_due_age_seconds"),
        Some(0.0)
    );
    let counted = value(&after, "media_jobs_counted_timestamp_seconds").unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as f64;
    assert!((now - counted).abs() < 60.0, "{counted} vs {now}");

    assert!(value(&after, "media_db_pool_max_connections").unwrap() >= 1.0);
    let in_use = value(&after, r#"media_db_pool_connections{state="in_use"}"#).unwrap();
    let idle = value(&after, r#"media_db_pool_connections{state="idle"}"#).unwrap();
    assert!(in_use + idle >= 1.0, "{in_use} + {idle}");
    let waits = delta("media_db_pool_acquire_wait_seconds_count");
    assert!(waits >= 5.0, "every query's wait for a connection: {waits}");

    assert!(value(&after, "process_resident_memory_bytes").unwrap() > 1e6);
    assert!(value(&after, "process_cpu_seconds_total").unwrap() > 0.0);
    assert!(value(&after, "process_open_fds").unwrap() > 3.0);
    assert!(value(&after, "process_threads").unwrap() >= 2.0);
    let started = value(&after, "process_start_time_seconds").unwrap();
    assert!(started <= now + 1.0 && started > now - 86_400.0 * 365.0);
    assert!(after.contains("# HELP media_jobs "), "described");
    app.shutdown().await;
}

/// A job that waits shows as queue depth and age once the upkeep counts,
/// and the gauges fall back to zero when it ran.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_job_shows_its_age_until_it_runs() {
    with_pool_waits();
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::start_api_only(false).await.unwrap();
    let w = app.world().await;
    app.upload_photo(&w, identity_jpeg(0, 32, 32)).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.media().count_queue().await.unwrap();
    let waiting = app.scrape().await;
    assert_eq!(
        value(
            &waiting,
            r#"media_jobs{kind="generate_thumbnail",status="queued"}"#
        ),
        Some(1.0)
    );
    let age = value(&waiting, "media_jobs_oldest_due_age_seconds").unwrap();
    assert!((1.0..60.0).contains(&age), "{age}");

    app.drain().await;
    app.media().count_queue().await.unwrap();
    let drained = app.scrape().await;
    assert_eq!(
        value(
            &drained,
            r#"media_jobs{kind="generate_thumbnail",status="queued"}"#
        ),
        Some(0.0)
    );
    assert_eq!(
        value(&drained, "media_jobs_oldest_due_age_seconds"),
        Some(0.0)
    );
    app.shutdown().await;
}

/// With `MEDIA_METRICS_ADDR`, metrics leave the public address and a
/// worker (which has no API) serves them too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_on_their_own_address_are_not_public_and_workers_serve_them() {
    with_pool_waits();
    let _turn = ONE_AT_A_TIME.lock().await;
    let own = [("MEDIA_METRICS_ADDR", "127.0.0.1:0")];
    let app = TestApp::start_with(false, &own).await.unwrap();
    let public = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
    assert!(families(&app.scrape().await).contains(&"process_resident_memory_bytes".to_owned()));
    app.shutdown().await;

    let worker = TestApp::start_as(false, ServerRole::Worker, &own)
        .await
        .unwrap();
    assert!(worker.running().addr.is_none(), "a worker has no API");
    assert!(
        worker
            .scrape()
            .await
            .contains("media_db_pool_max_connections")
    );
    let addr = worker.running().metrics_addr.unwrap();
    let alive = worker
        .http
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(alive.status(), 200, "the worker's liveness probe");
    worker.shutdown().await;
}

/// The shipped dashboard and alert rules name only series the service
/// exposes (a renamed metric breaks this test, not a dashboard at night).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_and_alert_rules_read_only_series_that_exist() {
    with_pool_waits();
    let _turn = ONE_AT_A_TIME.lock().await;
    // Events on, so the photo's `photo.ready` shows in the delivery counter.
    let receiver = FakeReceiver::start(ReceiverMode::Accept).await;
    let app = TestApp::start_with(
        false,
        &[
            ("EVENTS_WEBHOOK_URL", receiver.url()),
            ("EVENTS_WEBHOOK_SECRET", RECEIVER_SECRET),
        ],
    )
    .await
    .unwrap();
    let w = app.world().await;
    let id = app.upload_photo(&w, identity_jpeg(0, 32, 32)).await;
    assert_eq!(app.wait_photo(id).await, "ready");
    app.wait_idle().await;
    // The built-in engine's series too: one photo through a server running
    // it (the recorder is the process's, shared by both servers).
    let builtin = TestApp::start_with(false, &[("FACE_ENGINE", "builtin")])
        .await
        .unwrap();
    let bw = builtin.world().await;
    let other = builtin.upload_photo(&bw, identity_jpeg(0, 64, 48)).await;
    assert_eq!(builtin.wait_photo(other).await, "ready");
    builtin.wait_idle().await;
    builtin.shutdown().await;
    app.media().count_queue().await.unwrap();
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let exposed = families(&app.scrape().await);
    app.shutdown().await;

    let root = env!("CARGO_MANIFEST_DIR");
    for file in [
        "deploy/grafana/media-service.json",
        "deploy/prometheus/alerts.yaml",
    ] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
        let named = series_named(&text);
        assert!(named.len() >= 8, "{file} names {named:?}");
        for name in named {
            let family = ["_bucket", "_count", "_sum"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .filter(|f| exposed.iter().any(|e| e == f))
                .unwrap_or(&name);
            assert!(
                exposed.iter().any(|e| e == family),
                "{file} reads {name}, which /metrics does not expose: {exposed:?}"
            );
        }
    }
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/deploy/grafana/media-service.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(dashboard["uid"], "media-service");
}

/// Every `media_…` and `process_…` identifier in a text.
fn series_named(text: &str) -> std::collections::BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|t| t.starts_with("media_") || t.starts_with("process_"))
        .map(str::to_owned)
        .collect()
}

/// No client-chosen value becomes a label (SPEC §5 "Fairness", issue 26):
/// 10,000 requests with made-up methods and paths add no series, so
/// `/metrics` keeps its size (before: 3,000 such requests took it from
/// 6.0 KB to 5.6 MB, ≈ 1.9 KB of recorder state per request).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_methods_and_paths_do_not_grow_metrics() {
    with_pool_waits();
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::start_api_only(false).await.unwrap();
    let flood = |from: usize, to: usize| {
        let app = &app;
        async move {
            for i in from..to {
                let method = reqwest::Method::from_bytes(format!("M{i}X").as_bytes()).unwrap();
                let resp = app
                    .http
                    .request(method, app.url(&format!("/made/up/{i}")))
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_client_error(), "{}", resp.status());
                let method = [reqwest::Method::PATCH, reqwest::Method::TRACE][i % 2].clone();
                app.http
                    .request(method, app.url("/v1/selfie"))
                    .send()
                    .await
                    .unwrap();
            }
        }
    };
    // Every label value this flood can reach, once, before the baseline
    // (the scrape's own series included).
    flood(0, 10).await;
    app.scrape().await;
    let series = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("media_http_request_duration_seconds"))
            .count()
    };
    let before = app.scrape().await;
    flood(10, 5_010).await;
    let after = app.scrape().await;
    assert_eq!(
        series(&after),
        series(&before),
        "{} -> {} bytes",
        before.len(),
        after.len()
    );
    // Counts and sums grow by digits only.
    assert!(
        after.len() < before.len() + 2_000,
        "{} -> {} bytes",
        before.len(),
        after.len()
    );
    app.shutdown().await;
}

common::backend_tests! {
    one_photo_moves_requests_jobs_steps_face_calls_objects_pool_and_process_figures,
}
