//! The worker loop: claim a job, run its handler while keeping the lease
//! alive, then record the outcome — done, retry with backoff, or dead.

use std::time::{Duration, Instant};

use tokio::sync::watch;
use tracing::Instrument;

use super::Media;
use super::backoff::{Backoff, jitter};
use super::jobs::JobOutcome;
use crate::domain::{Job, JobKind};
use crate::error::Result;

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
    /// its name) that leases each job for `lease` (the server uses 60 s).
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
                let retry_at = now + self.media.retry_delay(&job, jitter());
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
                        _ = tokio::time::sleep(Backoff::RECONNECT.delay(failures, jitter())) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
    }
}
