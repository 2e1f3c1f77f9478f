//! The worker loop: claim a job, run its handler while keeping the lease
//! alive, then record the outcome — done, retry with backoff, or dead.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tracing::Instrument;

use super::Media;
use super::backoff::{Backoff, jitter};
use super::jobs::JobOutcome;
use crate::domain::{
    ARCHIVE_BUILD_WAIT, ARCHIVE_BUILDS_PER_PROCESS, Job, JobKind, Lane, archive_build_may_start,
};
use crate::error::Result;

/// A process's workers and claims: bulk work may hold only
/// [`Lane::bulk_cap`] of the workers and comes before photo work in one
/// claim of [`crate::domain::lane::BULK_SHARE`] (decision 0032); archive
/// builds at most [`ARCHIVE_BUILDS_PER_PROCESS`] of those (decision 0033).
#[derive(Debug, Default)]
pub(crate) struct LaneCounts {
    workers: AtomicUsize,
    claims: AtomicU64,
    bulk_running: AtomicUsize,
    archives_running: AtomicUsize,
}

/// A bulk (or archive build) slot taken for one claim; given back when
/// dropped (the claim found other work, or the job finished).
pub(super) struct BulkSlot<'a>(Option<&'a AtomicUsize>);

impl Drop for BulkSlot<'_> {
    fn drop(&mut self) {
        if let Some(running) = self.0 {
            running.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl LaneCounts {
    /// The lanes of the next claim, with the bulk slot it may use: taken
    /// before the claim, so workers claiming at once cannot pass the cap.
    pub(super) fn next_claim(&self) -> (Vec<Lane>, BulkSlot<'_>) {
        let cap = Lane::bulk_cap(self.workers.load(Ordering::Acquire));
        let claim = self.claims.fetch_add(1, Ordering::AcqRel);
        let before = self.bulk_running.fetch_add(1, Ordering::AcqRel);
        let lanes = Lane::claim_order(claim, before, cap);
        let slot = BulkSlot(Some(&self.bulk_running));
        if lanes.contains(&Lane::Bulk) {
            (lanes, slot)
        } else {
            drop(slot);
            (lanes, BulkSlot(None))
        }
    }

    /// A slot to build an archive in, if the process runs fewer than its
    /// cap: taken at once, so two workers cannot both pass it.
    pub(super) fn archive_slot(&self) -> Option<BulkSlot<'_>> {
        let before = self.archives_running.fetch_add(1, Ordering::AcqRel);
        let slot = BulkSlot(Some(&self.archives_running));
        archive_build_may_start(before, ARCHIVE_BUILDS_PER_PROCESS).then_some(slot)
    }
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
    /// its name) that leases each job for `lease` (the server uses 60 s).
    pub fn new(media: Media, id: impl Into<String>, lease: Duration) -> Self {
        media.lanes.workers.fetch_add(1, Ordering::AcqRel);
        Self {
            media,
            id: id.into(),
            lease,
        }
    }

    /// Claims and runs at most one job: the lanes tried, and in which
    /// order, are [`Lane::claim_order`]'s for this process.
    pub async fn run_once(&self) -> Result<WorkerEvent> {
        let queue = &self.media.ports.queue;
        let (lanes, mut slot) = self.media.lanes.next_claim();
        let Some(job) = queue
            .claim_in(&self.id, self.media.now(), self.lease, &lanes)
            .await?
        else {
            return Ok(WorkerEvent::Idle);
        };
        if Lane::of(job.payload.kind()) != Lane::Bulk {
            // Not bulk work: the slot is free again while this job runs.
            drop(std::mem::replace(&mut slot, BulkSlot(None)));
        }
        let build = if job.payload.kind() == JobKind::BuildArchive {
            let Some(build) = self.media.lanes.archive_slot() else {
                // Over the cap: back in the queue, neither failed nor an
                // attempt spent, claimed again after a while.
                let at = self.media.now() + ARCHIVE_BUILD_WAIT;
                queue.release(job.id, &self.id, at).await?;
                crate::observe::job_ran(JobKind::BuildArchive, "deferred", Duration::ZERO);
                return Ok(WorkerEvent::Ran {
                    kind: JobKind::BuildArchive,
                    outcome: "deferred",
                    duration: Duration::ZERO,
                });
            };
            Some(build)
        } else {
            None
        };
        // Everything the job does, adapters included, is under this span.
        let span = tracing::info_span!("job", id = %job.id, kind = job.payload.kind().as_str(), attempt = job.attempts);
        let event = self.finish(job).instrument(span).await;
        drop((slot, build));
        event
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

impl Drop for Worker {
    fn drop(&mut self) {
        self.media.lanes.workers.fetch_sub(1, Ordering::AcqRel);
    }
}
