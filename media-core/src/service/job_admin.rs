//! Job administration behind `media-cli jobs` and `reprocess --wait`
//! (SPEC §8): the rules of who may be retried and when a reprocess is over.

use std::collections::HashSet;

use super::Media;
use crate::domain::{FailureReason, Job, JobCount, JobPayload, JobStatus, PhotoStatus};
use crate::error::{Error, Result};
use crate::ids::{JobId, PhotoId};

/// How many jobs a listing returns at most.
const MAX_LISTED: u32 = 10_000;

/// Where photos stand after a `reprocess --wait`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReprocessOutcome {
    /// Photos no longer failed (ready, or still waiting for faces).
    pub done: u32,
    /// Photos that failed, with the reason.
    pub failed: Vec<(PhotoId, Option<FailureReason>)>,
}

impl Media {
    /// Counts by kind and status.
    pub async fn job_stats(&self) -> Result<Vec<JobCount>> {
        self.ports.dead_letters.stats().await
    }

    /// The newest jobs, optionally of one status; `limit` is kept within 1–10,000.
    pub async fn list_jobs(&self, status: Option<JobStatus>, limit: u32) -> Result<Vec<Job>> {
        self.ports
            .dead_letters
            .list(status, limit.clamp(1, MAX_LISTED))
            .await
    }

    /// Puts the given dead jobs back in the queue. Only dead jobs may be
    /// retried: a queued or running one is already being worked on, a done
    /// one did its work. Nothing is retried unless every id qualifies.
    pub async fn retry_jobs(&self, ids: &[JobId]) -> Result<u64> {
        for &id in ids {
            match self.ports.dead_letters.get(id).await? {
                None => return Err(Error::invalid(format!("job {id} does not exist"))),
                Some(j) if j.status != JobStatus::Dead => {
                    return Err(Error::invalid(format!(
                        "job {id} is {}, not dead",
                        j.status
                    )));
                }
                Some(_) => {}
            }
        }
        self.ports.dead_letters.retry(ids, self.now()).await
    }

    /// Puts every dead job back in the queue.
    pub async fn retry_dead_jobs(&self) -> Result<u64> {
        self.ports.dead_letters.retry_all_dead(self.now()).await
    }

    /// How many of `jobs` (as `reprocess` returned them) are still queued or running.
    pub async fn jobs_pending(&self, jobs: &[JobPayload]) -> Result<usize> {
        let wanted: HashSet<&JobPayload> = jobs.iter().collect();
        let mut pending = 0;
        for status in [JobStatus::Queued, JobStatus::Running] {
            pending += self
                .ports
                .dead_letters
                .list(Some(status), MAX_LISTED)
                .await?
                .iter()
                .filter(|j| wanted.contains(&j.payload))
                .count();
        }
        Ok(pending)
    }

    /// Where the photos stand once their reprocessing jobs are over.
    pub async fn reprocess_outcome(&self, photos: &[PhotoId]) -> Result<ReprocessOutcome> {
        let mut outcome = ReprocessOutcome::default();
        for &id in photos {
            if let Some(p) = self.ports.photos.photo(id).await? {
                if p.status == PhotoStatus::Failed {
                    outcome.failed.push((id, p.failure_reason));
                } else {
                    outcome.done += 1;
                }
            }
        }
        Ok(outcome)
    }
}
