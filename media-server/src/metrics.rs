//! Prometheus metrics, kept by hand: requests by route and status with
//! latency, jobs by kind and outcome with duration, and queue depth.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use media_core::domain::JobCount;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels},le=\"{le}\"}} {}",
                self.counts[i]
            );
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    jobs: Mutex<BTreeMap<(&'static str, &'static str), Histogram>>,
    /// The last queue depth and when it was read: concurrent scrapes share
    /// one query (one pooled connection) every `DEPTH_TTL`.
    depth: tokio::sync::Mutex<Option<(std::time::Instant, Vec<JobCount>)>>,
}

/// How long a queue-depth reading serves scrapes.
const DEPTH_TTL: Duration = Duration::from_secs(5);

impl Metrics {
    /// The queue depth, read at most once per `DEPTH_TTL` whatever the
    /// number of scrapers; `None` when the database does not answer.
    pub async fn queue_depth<F, Fut>(&self, read: F) -> Option<Vec<JobCount>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = media_core::Result<Vec<JobCount>>>,
    {
        let mut cached = self.depth.lock().await;
        if let Some((at, depth)) = cached.as_ref()
            && at.elapsed() < DEPTH_TTL
        {
            return Some(depth.clone());
        }
        let depth = read().await.ok()?;
        *cached = Some((std::time::Instant::now(), depth.clone()));
        Some(depth)
    }

    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            m.entry((method.to_owned(), route.to_owned(), status))
                .or_default()
                .observe(took.as_secs_f64());
        }
    }

    pub fn job(&self, kind: &'static str, outcome: &'static str, took: Duration) {
        if let Ok(mut m) = self.jobs.lock() {
            m.entry((kind, outcome))
                .or_default()
                .observe(took.as_secs_f64());
        }
    }

    pub fn render(&self, queue: Option<&[JobCount]>) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP media_http_request_duration_seconds HTTP requests by route and status.\n",
        );
        out.push_str("# TYPE media_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), h) in m.iter() {
                let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
                h.render(&mut out, "media_http_request_duration_seconds", &labels);
            }
        }
        out.push_str("# HELP media_job_duration_seconds Jobs run, by kind and outcome.\n");
        out.push_str("# TYPE media_job_duration_seconds histogram\n");
        if let Ok(m) = self.jobs.lock() {
            for ((kind, outcome), h) in m.iter() {
                h.render(
                    &mut out,
                    "media_job_duration_seconds",
                    &format!("kind=\"{kind}\",outcome=\"{outcome}\""),
                );
            }
        }
        out.push_str(
            "# HELP media_jobs Queued, running and dead jobs by kind and status (finished ones are not counted).\n# TYPE media_jobs gauge\n",
        );
        for c in queue.unwrap_or_default() {
            let _ = writeln!(
                out,
                "media_jobs{{kind=\"{}\",status=\"{}\"}} {}",
                c.kind.as_str(),
                c.status.as_str(),
                c.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP media_up Whether the queue could be read.\n# TYPE media_up gauge\nmedia_up {}",
            u8::from(queue.is_some())
        );
        out
    }
}
