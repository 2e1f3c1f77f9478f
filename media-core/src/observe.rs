//! What the core reports through the [`metrics`] facade: job runs, pipeline
//! steps, readiness and the queue the upkeep loop counts. Recording costs nothing
//! until the embedding process installs a recorder (the server installs a
//! Prometheus one); names follow Prometheus conventions, durations in
//! seconds (decision 0014).

use std::time::Duration;

use time::OffsetDateTime;

use crate::domain::{JobCount, JobKind, JobStatus};
use crate::imaging::StepTimings;

/// Histogram: one job's handler, by `kind` and `outcome`
/// (`done`, `deferred`, `retry`, `dead`); its count is jobs per kind and outcome.
pub const JOB_DURATION: &str = "media_job_duration_seconds";
/// Histogram: one step of the image pipeline, by `step`
/// (`probe`, `decode`, `thumbnails`, `watermark`, `encode`).
pub const PIPELINE_STEP: &str = "media_pipeline_step_duration_seconds";
/// Histogram: faces stored for one photo (at least 40 px), whichever engine.
pub const FACES_PER_PHOTO: &str = "media_faces_per_photo";
/// Gauge: jobs by `kind` and `status` (`queued`, `running`, `dead`), as
/// the upkeep loop last counted them.
pub const JOBS: &str = "media_jobs";
/// Gauge: seconds the longest-waiting due job has been due (0 when none).
pub const OLDEST_DUE_AGE: &str = "media_jobs_oldest_due_age_seconds";
/// Gauge: Unix time of the upkeep loop's last count: a stalled upkeep
/// shows as a growing gap to `time()`.
pub const QUEUE_COUNTED_AT: &str = "media_jobs_counted_timestamp_seconds";

/// Gauge: 1 when the `dependency` (`database`, `store`) answered the last
/// readiness probe, else 0.
pub const READY: &str = "media_ready";

/// The statuses the queue gauges report; done jobs are history, in the
/// job histogram (a gauge of them grew with retention, #12.5).
const COUNTED: [JobStatus; 3] = [JobStatus::Queued, JobStatus::Running, JobStatus::Dead];

/// Describes every metric above to the installed recorder (help texts).
pub fn describe() {
    metrics::describe_histogram!(
        JOB_DURATION,
        metrics::Unit::Seconds,
        "Jobs run, by kind and outcome."
    );
    metrics::describe_histogram!(
        PIPELINE_STEP,
        metrics::Unit::Seconds,
        "Image pipeline steps (probe, decode, thumbnails, watermark, encode)."
    );
    metrics::describe_histogram!(
        FACES_PER_PHOTO,
        "Faces stored per photo (shorter side at least 40 px)."
    );
    metrics::describe_gauge!(
        JOBS,
        "Queued, running and dead jobs by kind and status, as the upkeep loop last counted them."
    );
    metrics::describe_gauge!(
        OLDEST_DUE_AGE,
        metrics::Unit::Seconds,
        "How long the longest-waiting due job has been due."
    );
    metrics::describe_gauge!(
        READY,
        "Whether each dependency answered the last readiness probe (1) or not (0)."
    );
    metrics::describe_gauge!(
        QUEUE_COUNTED_AT,
        metrics::Unit::Seconds,
        "When the upkeep loop last counted the queue (Unix time)."
    );
}

/// Takes the two answers, not `service::Readiness`: this module is below
/// the service (the worker records through it).
pub(crate) fn readiness(database: bool, store: bool) {
    metrics::gauge!(READY, "dependency" => "database").set(f64::from(u8::from(database)));
    metrics::gauge!(READY, "dependency" => "store").set(f64::from(u8::from(store)));
}

pub(crate) fn job_ran(kind: JobKind, outcome: &'static str, took: Duration) {
    metrics::histogram!(JOB_DURATION, "kind" => kind.as_str(), "outcome" => outcome)
        .record(took.as_secs_f64());
}

pub(crate) fn probed(took: Duration) {
    metrics::histogram!(PIPELINE_STEP, "step" => "probe").record(took.as_secs_f64());
}

/// Records the rendering's steps; a step that did not run is not recorded.
pub(crate) fn rendered(t: &StepTimings) {
    for (step, ms) in [
        ("decode", t.decode_ms),
        ("thumbnails", t.thumbnails_ms),
        ("watermark", t.watermark_ms),
        ("encode", t.encode_ms),
    ] {
        if ms > 0.0 {
            metrics::histogram!(PIPELINE_STEP, "step" => step).record(ms / 1000.0);
        }
    }
}

/// Sets the queue gauges from one count: every (kind, status) pair, zero
/// where the count has none, so a drained queue reads 0 rather than its
/// last non-zero value.
pub(crate) fn queue_counted(
    counts: &[JobCount],
    oldest_due: Option<OffsetDateTime>,
    now: OffsetDateTime,
) {
    for kind in JobKind::ALL {
        for status in COUNTED {
            let n = counts
                .iter()
                .find(|c| c.kind == kind && c.status == status)
                .map_or(0, |c| c.count);
            metrics::gauge!(JOBS, "kind" => kind.as_str(), "status" => status.as_str())
                .set(n as f64);
        }
    }
    let age = oldest_due.map_or(0.0, |at| (now - at).as_seconds_f64().max(0.0));
    metrics::gauge!(OLDEST_DUE_AGE).set(age);
    metrics::gauge!(QUEUE_COUNTED_AT).set(now.unix_timestamp() as f64);
}

/// The faces stored for one photo.
pub(crate) fn faces_stored(count: usize) {
    metrics::histogram!(FACES_PER_PHOTO).record(count as f64);
}
