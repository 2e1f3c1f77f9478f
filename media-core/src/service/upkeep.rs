//! Periodic upkeep, run every few seconds by one task of a process that
//! runs jobs: leases that expired on a last attempt, uploads the store
//! never reported, expired archives, finished jobs, the queue's gauges.

use super::Media;
use crate::domain::JobStatus;
use crate::error::{Error, Result};

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
        let counts = self.ports.job_admin.queue_depth().await?;
        let oldest = self.ports.job_admin.oldest_due(now).await?;
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
            let n = self.ports.job_admin.prune(statuses, before, BATCH).await?;
            total += n;
            if n < u64::from(BATCH) {
                break;
            }
        }
        Ok(total)
    }
}
