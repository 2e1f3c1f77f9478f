//! What the adapters report through the [`metrics`] facade: the face
//! service's calls, objects written, and the database pool. Like the
//! core's (`media_core::observe`), free until a recorder is installed.

use std::time::Duration;

/// Histogram: one face-service call, by `outcome` (`ok`, `unavailable`
/// — no answer, 429 or 5xx —, `refused` — another 4xx —, `bad_answer`).
pub const FACE_SERVICE: &str = "media_face_service_request_duration_seconds";
/// Histogram: one step of the built-in face engine on one image, by `step`
/// (`detect`, `landmarks`, `describe`).
pub const FACE_ENGINE_STEP: &str = "media_face_engine_seconds";
/// Counter: objects this process wrote to the store (derivatives, archives).
pub const OBJECTS_WRITTEN: &str = "media_storage_objects_written_total";
/// Counter: bytes of those objects.
pub const BYTES_WRITTEN: &str = "media_storage_written_bytes_total";
/// Counter: event deliveries to the platform's webhook, by `type` and
/// `outcome` (`ok`, `failed` — no answer or a non-2xx status; retried).
pub const EVENT_DELIVERIES: &str = "media_event_deliveries_total";
/// Gauge: pooled database connections by `state` (`in_use`, `idle`).
pub const POOL_CONNECTIONS: &str = "media_db_pool_connections";
/// Gauge: the pool's ceiling (`DATABASE_MAX_CONNECTIONS`).
pub const POOL_MAX: &str = "media_db_pool_max_connections";
/// Counter: queries that waited for a pooled connection past the acquire
/// timeout and failed (sqlx 0.8 exposes no count of waits that succeed).
pub const POOL_TIMEOUTS: &str = "media_db_pool_acquire_timeouts_total";
/// Histogram: how long each query waited for a pooled connection. sqlx 0.8
/// reports it only as a trace event (target [`POOL_ACQUIRE_TARGET`], field
/// [`POOL_ACQUIRE_FIELD`]); a tracing layer of the server's feeds
/// [`pool_acquired`] with it.
pub const POOL_ACQUIRE_WAIT: &str = "media_db_pool_acquire_wait_seconds";
/// The target of sqlx's per-acquire event.
pub const POOL_ACQUIRE_TARGET: &str = "sqlx::pool::acquire";
/// Its field holding the wait in seconds (sqlx's spelling).
pub const POOL_ACQUIRE_FIELD: &str = "aquired_after_secs";

/// Describes every metric above to the installed recorder.
pub fn describe() {
    metrics::describe_histogram!(
        FACE_SERVICE,
        metrics::Unit::Seconds,
        "Face-service (Retina) calls, by outcome."
    );
    metrics::describe_histogram!(
        FACE_ENGINE_STEP,
        metrics::Unit::Seconds,
        "Built-in face engine steps on one image (detect, landmarks, describe)."
    );
    metrics::describe_counter!(
        OBJECTS_WRITTEN,
        "Objects written to the store (thumbnails, watermarked copies)."
    );
    metrics::describe_counter!(
        BYTES_WRITTEN,
        metrics::Unit::Bytes,
        "Bytes written to the store."
    );
    metrics::describe_counter!(
        EVENT_DELIVERIES,
        "Event deliveries to the platform's webhook, by type and outcome."
    );
    metrics::describe_gauge!(
        POOL_CONNECTIONS,
        "Pooled database connections, in use and idle."
    );
    metrics::describe_gauge!(POOL_MAX, "The database pool's maximum size.");
    metrics::describe_counter!(
        POOL_TIMEOUTS,
        "Queries that found no free pooled connection within the acquire timeout."
    );
    metrics::describe_histogram!(
        POOL_ACQUIRE_WAIT,
        metrics::Unit::Seconds,
        "Time queries waited for a pooled database connection."
    );
    // Exposed at 0 from the start: an alert on its increase needs the series.
    metrics::counter!(POOL_TIMEOUTS).increment(0);
}

pub(crate) fn face_call(outcome: &'static str, took: Duration) {
    metrics::histogram!(FACE_SERVICE, "outcome" => outcome).record(took.as_secs_f64());
}

/// The built-in engine's steps on one image: a histogram sample each (the
/// engine opens a span per step itself).
pub(crate) fn face_engine(timings: &media_faces::Timings) {
    for (step, took) in [
        ("detect", timings.detect),
        ("landmarks", timings.landmarks),
        ("describe", timings.describe),
    ] {
        metrics::histogram!(FACE_ENGINE_STEP, "step" => step).record(took.as_secs_f64());
    }
}

pub(crate) fn object_written(bytes: usize) {
    metrics::counter!(OBJECTS_WRITTEN).increment(1);
    bytes_written(bytes);
}

/// Bytes of a multipart upload's part (its object counts once, when complete).
pub(crate) fn bytes_written(bytes: usize) {
    metrics::counter!(BYTES_WRITTEN).increment(bytes as u64);
}

pub(crate) fn event_delivered(kind: &'static str, ok: bool) {
    let outcome = if ok { "ok" } else { "failed" };
    metrics::counter!(EVENT_DELIVERIES, "type" => kind, "outcome" => outcome).increment(1);
}

/// Records one acquire's wait (from sqlx's event).
pub fn pool_acquired(secs: f64) {
    metrics::histogram!(POOL_ACQUIRE_WAIT).record(secs);
}

pub(crate) fn pool_timed_out() {
    metrics::counter!(POOL_TIMEOUTS).increment(1);
}

pub(crate) fn pool(size: u32, idle: usize, max: u32) {
    let idle = idle as f64;
    metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use").set((f64::from(size) - idle).max(0.0));
    metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(idle);
    metrics::gauge!(POOL_MAX).set(f64::from(max));
}
