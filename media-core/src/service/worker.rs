//! The worker loop: claim a job, run its handler while keeping the lease
//! alive, then record the outcome — done, retry with backoff, or dead.

use std::time::{Duration, Instant};

use tokio::sync::watch;
use tracing::Instrument;

use super::Media;
use super::jobs::JobOutcome;
use crate::domain::{Job, JobKind, JobStatus};
use crate::error::{Error, Result};

/// Exponential backoff with "equal jitter": attempt n waits between half and
/// all of `base · 2^(n-1)` (capped), so delays grow strictly while workers
/// retrying together spread out. `jitter` is uniform in [0, 1).
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    const BASE: f64 = 2.0;
    const CAP: f64 = 3600.0;
    let exp = (BASE * 2f64.powi(attempt.saturating_sub(1).min(30) as i32)).min(CAP);
    Duration::from_secs_f64(exp / 2.0 + exp / 2.0 * jitter.clamp(0.0, 1.0))
}

/// How long a worker waits after it could not reach the queue (the
/// database restarting): 100 ms doubling to the 2 s poll, equal jitter. Each
/// failure also discards one dead pooled connection (16 per process), so a
/// job backoff's 1 s, 2 s, 4 s… left jobs waiting 3.4 s (p50) after a
/// Postgres restart (BENCHMARKS.md, pickup).
pub(crate) fn reconnect_backoff(failures: u32, jitter: f64) -> Duration {
    let exp = (0.1 * 2f64.powi(failures.saturating_sub(1).min(10) as i32)).min(2.0);
    Duration::from_secs_f64(exp / 2.0 + exp / 2.0 * jitter.clamp(0.0, 1.0))
}

fn random_unit() -> f64 {
    // A v4 UUID is 122 random bits from the OS generator: enough for jitter.
    let bits = uuid::Uuid::new_v4().as_u128() as u64;
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// What happened to one job, for metrics and logs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WorkerEvent {
    /// No job was due.
    Idle,
    /// One job ran.
    Ran {
        /// Its kind.
        kind: JobKind,
        /// `done`, `deferred`, `retry` or `dead` (the metrics label).
        outcome: &'static str,
        /// How long the handler took.
        duration: Duration,
    },
}

/// One worker: claims a due job, runs it under a lease it keeps extending,
/// and records the outcome (done, retried with backoff, or dead). Run
/// several per process with distinct ids; they share the `Media` (and its
/// decode budget). [`Worker::run`] loops until shutdown ([`Worker::run_once`]
/// is one step, for tests); run [`Media::maintenance`] every few seconds in
/// one task of the process (see the `guide` module).
pub struct Worker {
    media: Media,
    id: String,
    lease: Duration,
}

impl Worker {
    /// A worker named `id` (unique per process and host: leases are held in
    /// its name) that leases each job for `lease` (the server uses 30 s).
    pub fn new(media: Media, id: impl Into<String>, lease: Duration) -> Self {
        Self {
            media,
            id: id.into(),
            lease,
        }
    }

    /// Claims and runs at most one job.
    pub async fn run_once(&self) -> Result<WorkerEvent> {
        let queue = &self.media.ports.queue;
        let Some(job) = queue.claim(&self.id, self.media.now(), self.lease).await? else {
            return Ok(WorkerEvent::Idle);
        };
        // Everything the job does, adapters included, is under this span.
        let span = tracing::info_span!("job", id = %job.id, kind = job.payload.kind().as_str(), attempt = job.attempts);
        self.finish(job).instrument(span).await
    }

    async fn finish(&self, job: Job) -> Result<WorkerEvent> {
        let queue = &self.media.ports.queue;
        let started = Instant::now();
        let result = self.run_with_heartbeat(&job).await;
        let now = self.media.now();
        let outcome = match result {
            Ok(JobOutcome::Done) => {
                queue.complete(job.id, &self.id, &[], now).await?;
                "done"
            }
            Ok(JobOutcome::Then(jobs)) => {
                queue.complete(job.id, &self.id, &jobs, now).await?;
                "done"
            }
            Ok(JobOutcome::Deferred(at)) => {
                queue.release(job.id, &self.id, at).await?;
                "deferred"
            }
            Err(e) if e.is_retryable() && !job.is_last_attempt() => {
                let retry_at = now + self.media.retry_delay(&job, random_unit());
                tracing::warn!(job = %job.id, kind = job.payload.kind().as_str(), attempt = job.attempts, error = %e, "job failed; will retry");
                queue
                    .fail(job.id, &self.id, &e.to_string(), Some(retry_at), now)
                    .await?;
                "retry"
            }
            Err(e) => {
                tracing::error!(job = %job.id, kind = job.payload.kind().as_str(), attempt = job.attempts, error = %e, "job dead");
                queue
                    .fail(job.id, &self.id, &e.to_string(), None, now)
                    .await?;
                self.media.on_job_dead(&job, &e).await?;
                "dead"
            }
        };
        let duration = started.elapsed();
        crate::observe::job_ran(job.payload.kind(), outcome, duration);
        Ok(WorkerEvent::Ran {
            kind: job.payload.kind(),
            outcome,
            duration,
        })
    }

    async fn run_with_heartbeat(&self, job: &Job) -> Result<JobOutcome> {
        let handler = self.media.handle(&job.payload);
        tokio::pin!(handler);
        let mut tick = tokio::time::interval(self.lease / 3);
        tick.tick().await; // the first tick is immediate
        loop {
            tokio::select! {
                result = &mut handler => return result,
                _ = tick.tick() => {
                    let until = self.media.now() + self.lease;
                    match self.media.ports.queue.heartbeat(job.id, &self.id, until).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(job = %job.id, "lease lost; finishing anyway (handlers are idempotent)"),
                        Err(e) => tracing::warn!(job = %job.id, error = %e, "heartbeat failed"),
                    }
                }
            }
        }
    }

    /// Runs jobs until `shutdown` turns true; the job in hand is finished first.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>, on_event: impl Fn(&WorkerEvent)) {
        let mut failures = 0u32;
        let queue = self.media.ports.queue.clone();
        while !*shutdown.borrow() {
            // Read before the claim: work signalled after an empty claim wakes the wait.
            let epoch = queue.work_epoch();
            match self.run_once().await {
                Ok(WorkerEvent::Idle) => {
                    failures = 0;
                    tokio::select! {
                        _ = queue.wait_for_work(epoch, Duration::from_secs(2)) => {}
                        _ = shutdown.changed() => {}
                    }
                }
                Ok(event) => {
                    failures = 0;
                    on_event(&event);
                }
                Err(e) => {
                    // The database is down: wait, growing, and try again.
                    failures += 1;
                    tracing::warn!(error = %e, "worker could not reach the queue");
                    tokio::select! {
                        _ = tokio::time::sleep(reconnect_backoff(failures, random_unit())) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
    }
}

impl Media {
    /// Periodic upkeep: dead-letters jobs whose lease expired on their last
    /// attempt, reconciles uploads, purges expired archives, prunes jobs. Returns the jobs it declared dead.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn maintenance(&self) -> Result<u32> {
        let dead = self.ports.queue.reap_expired(self.now()).await?;
        for job in &dead {
            self.on_job_dead(
                job,
                &Error::Unavailable("lease expired on the last attempt".into()),
            )
            .await?;
        }
        self.reconcile_uploads().await?;
        self.expire_archives().await?;
        self.prune_jobs(false).await?;
        self.count_queue().await?;
        Ok(dead.len() as u32)
    }

    /// Counts the queue for its gauges (`observe`): one indexed count by
    /// kind and status and one index probe for the oldest due job, once per
    /// upkeep cycle whatever the number of scrapers (a scrape that counted
    /// was 119–131 ms on a million jobs, BENCHMARKS.md).
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn count_queue(&self) -> Result<()> {
        let now = self.now();
        let counts = self.ports.dead_letters.queue_depth().await?;
        let oldest = self.ports.dead_letters.oldest_due(now).await?;
        crate::observe::queue_counted(&counts, oldest, now);
        Ok(())
    }

    /// Deletes the jobs finished more than `JOB_RETENTION_HOURS` ago (and,
    /// with `dead`, the dead ones last changed that long ago), in batches of
    /// 10,000 — at most 200,000 per call, so an upkeep cycle stays short and
    /// a backlog drains over a few cycles. Returns how many went.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn prune_jobs(&self, dead: bool) -> Result<u64> {
        const BATCH: u32 = 10_000;
        let before = self.now() - self.settings.job_retention;
        let statuses: &[JobStatus] = if dead {
            &[JobStatus::Done, JobStatus::Dead]
        } else {
            &[JobStatus::Done]
        };
        let mut total = 0;
        for _ in 0..20 {
            let n = self
                .ports
                .dead_letters
                .prune(statuses, before, BATCH)
                .await?;
            total += n;
            if n < u64::from(BATCH) {
                break;
            }
        }
        Ok(total)
    }
}
