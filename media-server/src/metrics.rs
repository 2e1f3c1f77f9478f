//! Prometheus metrics through the [`metrics`] facade (decision 0014): the
//! core, the adapters and this crate record; `metrics-exporter-prometheus`
//! keeps the values (atomics, no lock per request) and renders the text.
//! What each series means: `media_core::observe`, `media_adapters::observe`,
//! and the HTTP and process metrics here.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;

/// Histogram: HTTP requests by `method`, `route` (the matched pattern) and `status`.
pub const HTTP_REQUESTS: &str = "media_http_request_duration_seconds";

/// Histogram buckets, in seconds, for every duration: 1 ms (a listing on a
/// warm database, BENCHMARKS.md) to 60 s (a face-service call at its timeout).
const BUCKETS: [f64; 15] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Buckets of the faces-per-photo histogram: counts, not seconds (a
/// portrait 1, a table 2–10, a group photo of an event up to ~50).
const FACE_COUNT_BUCKETS: [f64; 9] = [0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0];

/// Sets the connection-pool gauges from the pool as it is now: given by
/// the assembly, so that this crate holds no concrete adapter.
pub type PoolSampler = Arc<dyn Fn() + Send + Sync>;

/// A series no request has touched for this long is forgotten (its
/// `rate()` already reads zero): label sets stay bounded by what the
/// service itself names, and what was once seen is not kept forever.
pub const IDLE_SERIES: Duration = Duration::from_secs(3_600);

/// The `method` label: the methods the API routes, else `other`. The
/// method is the client's choice: 3,000 requests with made-up methods took
/// `/metrics` from 6.0 KB to 5.6 MB (≈ 1.9 KB of recorder state each,
/// never released) before this (issue 26).
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The process's recorder. The facade has one global recorder, so every
/// server started in a process (tests start dozens) shares it.
#[derive(Clone)]
pub struct Metrics {
    handle: Option<PrometheusHandle>,
    /// Run for the pool gauges at each scrape.
    sample_pool: PoolSampler,
    /// The last rendering and when it began: scrapes that arrive while one
    /// renders share it.
    last: Arc<tokio::sync::Mutex<Option<(Instant, Bytes)>>>,
}

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

impl Metrics {
    /// Installs the Prometheus recorder the first time; afterwards the same
    /// one. When another recorder was installed first (an embedding
    /// process), metrics go there and `/metrics` serves only process figures.
    pub fn install(sample_pool: PoolSampler) -> Self {
        let handle = HANDLE.get_or_init(|| {
            let builder = match PrometheusBuilder::new()
                .idle_timeout(MetricKindMask::HISTOGRAM, Some(IDLE_SERIES))
                .set_buckets(&BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(media_core::observe::FACES_PER_PHOTO.to_owned()),
                        &FACE_COUNT_BUCKETS,
                    )
                }) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics buckets refused; metrics off");
                    return None;
                }
            };
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "another metrics recorder is installed");
                    None
                }
            }
        });
        Self {
            handle: handle.clone(),
            sample_pool,
            last: Arc::default(),
        }
    }

    /// Records one HTTP request. `route` is a matched pattern or
    /// `unmatched`, never the path a client sent.
    pub fn request(method: &'static str, route: String, status: u16, took: Duration) {
        metrics::histogram!(
            HTTP_REQUESTS,
            "method" => method,
            "route" => route,
            "status" => status.to_string()
        )
        .record(took.as_secs_f64());
    }

    /// The exposition text, with the pool and process sampled no earlier
    /// than this call. Concurrent scrapes share one rendering (it began
    /// after they arrived, so none reads older figures): 64 scrapers in a
    /// loop took 2 cores and tripled a listing's p50 rendering each their own
    /// (BENCHMARKS.md).
    pub async fn render(&self) -> Bytes {
        let asked = Instant::now();
        let mut last = self.last.lock().await;
        if let Some((began, text)) = last.as_ref()
            && *began >= asked
        {
            return text.clone();
        }
        let began = Instant::now();
        (self.sample_pool)();
        crate::process::sample();
        let text = Bytes::from(
            self.handle
                .as_ref()
                .map(PrometheusHandle::render)
                .unwrap_or_default(),
        );
        *last = Some((began, text.clone()));
        text
    }

    /// Folds recorded samples in (the server runs it every 10 s).
    pub fn upkeep(&self) {
        if let Some(h) = &self.handle {
            h.run_upkeep();
        }
    }
}

fn describe() {
    metrics::describe_histogram!(
        HTTP_REQUESTS,
        metrics::Unit::Seconds,
        "HTTP requests by method, route and status."
    );
    media_core::observe::describe();
    media_adapters::observe::describe();
    crate::process::describe();
}
