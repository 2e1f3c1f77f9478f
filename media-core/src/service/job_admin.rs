//! Job administration behind `media-cli jobs` and `reprocess --wait`
//! (SPEC §8): the rules of who may be retried and when a reprocess is over.

use std::collections::HashSet;

use super::{Media, ReprocessStep};
use crate::domain::{FailureReason, Job, JobCount, JobPayload, JobStatus, PhotoStatus};
use crate::error::{Error, Result};
use crate::ids::{JobId, PhotoId};

/// How many jobs a listing returns at most.
const MAX_LISTED: u32 = 10_000;

/// Where the jobs of a `reprocess` stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReprocessProgress {
    /// Queued or running, with work to do now.
    pub pending: usize,
    /// Deferred only for their faces, no face service being configured.
    pub waiting_for_faces: usize,
}

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
        self.ports.job_admin.stats().await
    }

    /// Queued, running and dead jobs by kind: the queue gauges, from an
    /// indexed count that does not grow with the finished history.
    pub async fn queue_depth(&self) -> Result<Vec<JobCount>> {
        self.ports.job_admin.queue_depth().await
    }

    /// The newest jobs, optionally of one status; `limit` is kept within 1–10,000.
    pub async fn list_jobs(&self, status: Option<JobStatus>, limit: u32) -> Result<Vec<Job>> {
        self.ports
            .job_admin
            .list(status.as_slice(), limit.clamp(1, MAX_LISTED))
            .await
    }

    /// Retries the given dead jobs. Only dead jobs may be retried: a
    /// queued or running one is already being worked on, a done one did its
    /// work; nothing is retried unless every id qualifies. A retry brings
    /// what the job served back to `processing` (SPEC §5): a failed selfie
    /// is revived and its job runs again; a failed photo is reprocessed
    /// whole (its other derivative's job gave up on it too) and the dead job
    /// is settled, the reprocess's jobs doing its work. Returns how many
    /// jobs were retried or settled.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn retry_jobs(&self, ids: &[JobId]) -> Result<u64> {
        let mut jobs = Vec::with_capacity(ids.len());
        for &id in ids {
            match self.ports.job_admin.get(id).await? {
                None => return Err(Error::invalid(format!("job {id} does not exist"))),
                Some(j) if j.status != JobStatus::Dead => {
                    return Err(Error::invalid(format!(
                        "job {id} is {}, not dead",
                        j.status
                    )));
                }
                Some(j) => jobs.push(j),
            }
        }
        let (mut retry, mut settle) = (Vec::new(), Vec::new());
        for job in jobs {
            match &job.payload {
                JobPayload::ProcessSelfie { selfie_id } => {
                    self.ports.selfies.revive_selfie(*selfie_id).await?;
                    retry.push(job.id);
                }
                JobPayload::GenerateThumbnail { photo_id, .. }
                | JobPayload::GenerateWatermark { photo_id, .. } => {
                    match self.ports.photos.photo(*photo_id).await? {
                        Some(p) if p.status == PhotoStatus::Failed => {
                            self.reprocess(&[p.id], ReprocessStep::All).await?;
                            settle.push(job.id);
                        }
                        Some(_) => retry.push(job.id),
                        // Deleted meanwhile: nothing left to do.
                        None => settle.push(job.id),
                    }
                }
                // Its archive failed with it: the member asks again.
                JobPayload::BuildArchive { .. } => settle.push(job.id),
                JobPayload::ClusterFaces { .. }
                | JobPayload::PurgeObjects { .. }
                | JobPayload::DeliverEvent { .. }
                | JobPayload::NotifyMatches { .. } => {
                    retry.push(job.id);
                }
            }
        }
        let now = self.now();
        let retried = self.ports.job_admin.retry(&retry, now).await?;
        Ok(retried + self.ports.job_admin.settle(&settle, now).await?)
    }

    /// Retries every dead job, by the rules of [`Media::retry_jobs`].
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn retry_dead_jobs(&self) -> Result<u64> {
        let mut total = 0;
        loop {
            let dead: Vec<JobId> = self
                .list_jobs(Some(JobStatus::Dead), MAX_LISTED)
                .await?
                .iter()
                .map(|j| j.id)
                .collect();
            if dead.is_empty() {
                return Ok(total);
            }
            let done = self.retry_jobs(&dead).await?;
            total += done;
            if done == 0 || dead.len() < MAX_LISTED as usize {
                return Ok(total);
            }
        }
    }

    /// Where the jobs of a `reprocess` (as it returned them) stand. Without
    /// a face service, a thumbnail job whose thumbnails are done only waits
    /// for faces (deferred until one is configured): it is not pending, so
    /// `reprocess --wait` ends when the derivatives are.
    pub async fn reprocess_progress(&self, jobs: &[JobPayload]) -> Result<ReprocessProgress> {
        let wanted: HashSet<&JobPayload> = jobs.iter().collect();
        let faces_wait = !self.ports.embedder.is_configured();
        let mut progress = ReprocessProgress::default();
        // One read of both: a job claimed, or sent back to the queue, between
        // two reads would be in neither (and the wait would end early).
        let open = self
            .ports
            .job_admin
            .list(&[JobStatus::Queued, JobStatus::Running], MAX_LISTED)
            .await?;
        for job in open.iter().filter(|j| wanted.contains(&j.payload)) {
            if faces_wait
                && job.status == JobStatus::Queued
                && let JobPayload::GenerateThumbnail { photo_id, .. } = job.payload
                && self
                    .ports
                    .photos
                    .photo(photo_id)
                    .await?
                    .is_some_and(|p| p.thumbnails_done)
            {
                progress.waiting_for_faces += 1;
            } else {
                progress.pending += 1;
            }
        }
        Ok(progress)
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
