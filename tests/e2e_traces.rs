//! Spans from request to use case to adapter, with the request id (issue
//! 16, part 3). A test binary of its own: it installs the global subscriber.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use common::{TestApp, identity_jpeg};
use media_core::domain::{Audience, Role};

/// One recorded span: its name, its parent's id, and its `request_id` field.
#[derive(Debug, Clone)]
struct Seen {
    name: &'static str,
    parent: Option<u64>,
    request_id: Option<String>,
    kind: Option<String>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<HashMap<u64, Seen>>>);

struct Fields<'a>(&'a mut Seen);

impl tracing::field::Visit for Fields<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.record_debug(field, &value);
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}").trim_matches('"').to_owned();
        match field.name() {
            "request_id" => self.0.request_id = Some(text),
            "kind" => self.0.kind = Some(text),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx
            .span(id)
            .and_then(|s| s.parent())
            .map(|p| p.id().into_u64());
        let mut seen = Seen {
            name: attrs.metadata().name(),
            parent,
            request_id: None,
            kind: None,
        };
        attrs.record(&mut Fields(&mut seen));
        self.0.lock().unwrap().insert(id.into_u64(), seen);
    }
}

impl Recorder {
    /// The names from `id` up to the root.
    fn chain(&self, id: u64) -> Vec<&'static str> {
        let spans = self.0.lock().unwrap();
        let mut out = vec![];
        let mut at = Some(id);
        while let Some(i) = at {
            let Some(s) = spans.get(&i) else { break };
            out.push(s.name);
            at = s.parent;
        }
        out
    }

    fn find(&self, f: impl Fn(&Seen) -> bool) -> Vec<u64> {
        let spans = self.0.lock().unwrap();
        spans
            .iter()
            .filter(|(_, s)| f(s))
            .map(|(i, _)| *i)
            .collect()
    }

    fn descends_from(&self, id: u64, ancestor: u64) -> bool {
        let spans = self.0.lock().unwrap();
        let mut at = spans.get(&id).and_then(|s| s.parent);
        while let Some(i) = at {
            if i == ancestor {
                return true;
            }
            at = spans.get(&i).and_then(|s| s.parent);
        }
        false
    }

    fn request_id_of(&self, mut id: u64) -> Option<String> {
        let spans = self.0.lock().unwrap();
        loop {
            let s = spans.get(&id)?;
            if let Some(r) = &s.request_id {
                return Some(r.clone());
            }
            id = s.parent?;
        }
    }
}

/// The tests of this binary one at a time: they count the spans of one app.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The process's one recorder, installed as the global subscriber by the
/// first test that asks, emptied for each test.
fn recorder() -> Recorder {
    static RECORDER: std::sync::OnceLock<Recorder> = std::sync::OnceLock::new();
    let recorder = RECORDER
        .get_or_init(|| {
            let recorder = Recorder::default();
            tracing_subscriber::registry()
                .with(
                    recorder
                        .clone()
                        // As the server filters its layers (tokio-rs/tracing#2519).
                        .with_filter(media_server::telemetry::every_time(EnvFilter::new(
                            "info,media_core=debug,media_adapters=debug",
                        ))),
                )
                .init();
            recorder
        })
        .clone();
    recorder.0.lock().unwrap().clear();
    recorder
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_and_a_job_show_their_use_case_and_every_adapter_call() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let recorder = recorder();

    let app = TestApp::start(false).await.unwrap();
    let w = app.world().await;
    let token = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let listed = app
        .http
        .get(app.url(&format!(
            "/v1/photographers/me/projects/{}/photos",
            w.project
        )))
        .bearer_auth(&token)
        .header("x-request-id", "trace-me-0001")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.headers()["x-request-id"], "trace-me-0001");

    // The listing: request → use case → repository, under one request id.
    let repo = recorder.find(|s| s.name == "list_photos");
    let under_request: Vec<_> = repo
        .iter()
        .filter(|id| recorder.request_id_of(**id).as_deref() == Some("trace-me-0001"))
        .collect();
    assert_eq!(under_request.len(), 1, "{repo:?}");
    let chain = recorder.chain(*under_request[0]);
    assert_eq!(
        chain,
        ["list_photos", "photographer_photos", "request"],
        "{chain:?}"
    );

    // A photo's jobs: job → handler → store reads and writes, face service,
    // repository, each its own span.
    let id = app.upload_photo(&w, identity_jpeg(0, 32, 32)).await;
    assert_eq!(app.wait_photo(id).await, "ready");
    app.wait_idle().await;
    let thumbnail_job =
        recorder.find(|s| s.name == "job" && s.kind.as_deref() == Some("generate_thumbnail"));
    assert_eq!(thumbnail_job.len(), 1);
    let job = thumbnail_job[0];
    for adapter_call in ["get", "put", "detect_faces", "store_faces", "complete"] {
        let calls = recorder.find(|s| s.name == adapter_call);
        assert!(
            calls.iter().any(|c| recorder.descends_from(*c, job)),
            "{adapter_call} under the thumbnail job: {calls:?}"
        );
    }
    let handler = recorder.find(|s| s.name == "handle");
    assert!(handler.iter().any(|h| recorder.descends_from(*h, job)));
    app.shutdown().await;
}

/// The built-in engine's three steps are spans of their own under the job
/// that ran them, though the engine runs on a blocking thread (issue 24,
/// Build 8).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_in_engine_shows_detect_landmarks_and_describe_under_the_job() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let recorder = recorder();
    let app = TestApp::start_with(false, &[("FACE_ENGINE", "builtin")])
        .await
        .unwrap();
    let w = app.world().await;
    let photo = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/media-faces/tests/fixtures/photos/sample1.jpg"
    ))
    .unwrap();
    let id = app.upload_photo(&w, photo).await;
    assert_eq!(app.wait_photo(id).await, "ready");
    app.wait_idle().await;
    for step in ["detect", "landmarks", "describe"] {
        let spans = recorder.find(|s| s.name == step);
        let chains: Vec<_> = spans.iter().map(|s| recorder.chain(*s)).collect();
        assert!(
            chains.iter().any(|c| c.contains(&"job")),
            "{step} under a job: {chains:?}"
        );
    }
    app.shutdown().await;
}
