//! OTLP export (feature `otel`, issue 16 part 3): the real binary, pointed
//! at a collector in this test by `OTEL_EXPORTER_OTLP_ENDPOINT`, sends the
//! request's spans — its id, the use case, the adapter calls — and flushes
//! them when stopped by SIGTERM.
#![cfg(feature = "otel")]

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;

mod common;
use common::{free_port, sigterm_and_wait, wait_for};

/// Whether `needle` occurs in `hay` (protobuf keeps strings as UTF-8 bytes).
fn holds(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_the_collector_with_the_request_id_and_are_flushed_on_sigterm() {
    let received: Arc<Mutex<Vec<(String, Bytes)>>> = Arc::default();
    let sink = received.clone();
    let collector = Router::new().route(
        "/v1/traces",
        post(move |headers: axum::http::HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                let kind = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                sink.lock().unwrap().push((kind, body));
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, collector).await.unwrap() });

    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_media-server"))
        .env_clear()
        .env("MEDIA_ADDR", format!("127.0.0.1:{port}"))
        .env("MEDIA_STORAGE_ADDR", format!("127.0.0.1:{}", free_port()))
        .env("MEDIA_DATA_DIR", data.path())
        .env("FACE_ENGINE", "off")
        .env("JWT_SECRET", "otlp-test-secret-0123456789abcdef")
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://{collector_addr}"),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();

    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&base, "/healthz").await;
    let ready = http
        .get(format!("{base}/readyz"))
        .header("x-request-id", "trace-me-otlp-0001")
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    sigterm_and_wait(&mut child);

    let batches = received.lock().unwrap().clone();
    assert!(!batches.is_empty(), "the collector received no spans");
    assert!(
        batches
            .iter()
            .all(|(kind, _)| kind == "application/x-protobuf"),
        "OTLP/HTTP protobuf"
    );
    let all: Vec<u8> = batches.iter().flat_map(|(_, b)| b.to_vec()).collect();
    for expected in [
        "trace-me-otlp-0001", // the request span's request_id
        "request",
        "readiness", // the use case
        "ping",      // the adapters it called
        "media-server",
    ] {
        assert!(holds(&all, expected), "{expected} in the exported spans");
    }
}
