use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::domain::{Job, JobCount, JobKind, JobPayload, JobStatus, Lane};
use crate::error::Result;
use crate::ids::JobId;
use crate::ids::{PhotoId, ProjectId};

/// The durable job queue, in the same database as the rows it serves.
/// A claimed job belongs to one worker until its lease ends; a worker that
/// dies loses the lease and another claims the job again. Jobs that must
/// commit with a state change are passed to the repository method making the
/// change instead of to `enqueue`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Adds `jobs`, due at [`JobPayload::due_at`]`(now)`. A job with a
    /// [`JobPayload::dedup_key`] is not added while one with the same key
    /// is still queued (it would do the same work).
    async fn enqueue(&self, jobs: &[JobPayload], now: OffsetDateTime) -> Result<()>;

    /// Takes the next due job (queued and due, or running with an expired lease),
    /// counts an attempt, and leases it to `worker` until `now + lease`:
    /// the first due job of the most urgent lane (every lane, in order).
    async fn claim(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
    ) -> Result<Option<Job>> {
        self.claim_in(worker, now, lease, &Lane::ALL).await
    }

    /// Like [`JobQueue::claim`], trying only `lanes`, in their order (the
    /// core's [`Lane::claim_order`]): a job whose lease expired first (its
    /// work was under way), then the oldest due job of the first lane that
    /// has one.
    async fn claim_in(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        lanes: &[Lane],
    ) -> Result<Option<Job>>;

    /// Extends the lease; false when the job is no longer this worker's.
    async fn heartbeat(&self, id: JobId, worker: &str, lease_until: OffsetDateTime)
    -> Result<bool>;

    /// Marks the job done, if it is still this worker's (a lost lease is a
    /// no-op), and enqueues `then` in the same transaction (only when it
    /// was: the worker that holds the lease now writes them instead).
    async fn complete(
        &self,
        id: JobId,
        worker: &str,
        then: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()>;

    /// Records a failed attempt: queued again at `retry_at`, or dead when `None`.
    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<()>;

    /// Gives the job back without counting the attempt (shutdown, or waiting
    /// for an unconfigured dependency), due again at `run_at`.
    async fn release(&self, id: JobId, worker: &str, run_at: OffsetDateTime) -> Result<()>;

    /// Marks dead the running jobs whose lease expired on their last attempt.
    async fn reap_expired(&self, now: OffsetDateTime) -> Result<Vec<Job>>;

    /// A number that moves whenever work may have become due (an enqueue, a
    /// release, a notification from another process). Read it *before* a
    /// claim and hand it to [`JobQueue::wait_for_work`], so that work
    /// signalled between an empty claim and the wait is not missed.
    fn work_epoch(&self) -> u64;

    /// Waits until a job may be due: at once when the epoch moved past
    /// `since`, else at the next signal, or after `max` (the poll).
    async fn wait_for_work(&self, since: u64, max: Duration);

    /// Whether the database behind the queue answers (readiness).
    async fn ping(&self) -> Result<()>;

    /// Whether a job of one of `kinds` for `photo` (of `project`) is in
    /// one of `statuses`: the audit asks it of each photo still
    /// `processing`, whatever the length of the queue.
    async fn photo_has_job(
        &self,
        project: ProjectId,
        photo: PhotoId,
        kinds: &[JobKind],
        statuses: &[JobStatus],
    ) -> Result<bool>;
}

/// Job administration, everything but the worker protocol: reading the
/// queue (`media-cli jobs`, the queue gauges), reviving or settling dead
/// jobs, pruning finished ones. Which jobs may be revived is the core's
/// rule (`Media::retry_jobs`); `retry` only moves the ids it is given.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobAdmin: Send + Sync {
    /// One job, whatever its status; `None` when unknown (or pruned).
    async fn get(&self, id: JobId) -> Result<Option<Job>>;
    /// The newest jobs in one of `statuses` (every status when empty), read
    /// at one instant: a job moving between two of them is seen once.
    async fn list(&self, statuses: &[JobStatus], limit: u32) -> Result<Vec<Job>>;
    /// Puts the given jobs, those still dead, back in the queue with fresh
    /// attempts; returns how many.
    async fn retry(&self, ids: &[JobId], now: OffsetDateTime) -> Result<u64>;
    /// Marks the given jobs, those still dead, done without running them
    /// (another job does their work now); returns how many.
    async fn settle(&self, ids: &[JobId], now: OffsetDateTime) -> Result<u64>;
    /// How many jobs of each kind are in each status.
    async fn stats(&self) -> Result<Vec<JobCount>>;
    /// Running jobs whose lease ended before `now` (their worker is gone).
    async fn expired_leases(&self, now: OffsetDateTime) -> Result<Vec<Job>>;
    /// Like `stats`, for the queued, running and dead jobs only: an indexed
    /// count whose cost grows with the work in the queue, not with history.
    async fn queue_depth(&self) -> Result<Vec<JobCount>>;
    /// When the longest-waiting queued job that is due at `now` became due
    /// (its `run_at`); `None` when no queued job is due.
    async fn oldest_due(&self, now: OffsetDateTime) -> Result<Option<OffsetDateTime>>;
    /// Deletes up to `limit` jobs in one of `statuses` last changed before
    /// `before`; returns how many.
    async fn prune(
        &self,
        statuses: &[JobStatus],
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64>;
}
