//! The pool-wait histogram under the server's own subscriber
//! (`telemetry::init`). A test binary of its own: the subscriber, the `log`
//! bridge and the metrics recorder are global to the process.
//!
//! sqlx asks `log` whether to log each statement once it ran. Through the
//! `log` bridge that question reaches every per-layer filter with metadata
//! no callsite caches; the filters said no, and that answer stayed behind in
//! the thread's filter state. The next acquire's event, when every layer
//! wants it (its interest cached as "always", so no filter is asked again),
//! read it and was dropped: with `RUST_LOG=sqlx::pool=trace`, or in a
//! subscriber of the pool-wait layer alone (the metrics suite counted 5 of
//! 36 acquires). tokio-rs/tracing#2519.

use media_adapters::testing::postgres_store;
use media_core::domain::JobStatus;
use media_core::ports::JobAdmin;
use media_server::metrics::Metrics;
use media_server::telemetry::{TelemetryConfig, init};

fn acquires(text: &[u8]) -> f64 {
    std::str::from_utf8(text)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("media_db_pool_acquire_wait_seconds_count "))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

/// One thread runs every statement, so each acquire follows the previous
/// statement's question to `log` on the same thread. Postgres: sqlx's
/// SQLite driver runs statements, and asks `log`, on a thread of its own.
#[tokio::test(flavor = "current_thread")]
async fn every_acquire_is_counted_though_sqlx_asks_log_about_each_statement() {
    // SAFETY: set before the runtime or anything else reads the environment;
    // this binary runs one test.
    unsafe { std::env::set_var("RUST_LOG", "warn,sqlx::pool=trace") };
    let _telemetry = init(&TelemetryConfig::default());
    let Some(store) = postgres_store(3).await else {
        return;
    };
    let sampled = store.clone();
    let metrics = Metrics::install(std::sync::Arc::new(move || sampled.record_pool()));
    let before = acquires(&metrics.render().await);
    for _ in 0..20 {
        store.list(&[JobStatus::Queued], 10).await.unwrap();
    }
    let after = acquires(&metrics.render().await);
    assert_eq!(after - before, 20.0, "one count per statement's acquire");
}
