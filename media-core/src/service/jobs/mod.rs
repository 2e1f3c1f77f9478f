//! The job handlers of SPEC §5: dispatch here, one file per job.

mod archive;
mod cluster;
mod derivatives;
mod duplicates;
mod engine;
mod events;
mod pinned;
mod purge;
mod selfie;

use std::time::Duration;

use time::OffsetDateTime;

use super::Media;
use crate::domain::{FailureReason, Job, JobPayload, PhotoStatus, SelfieStatus};
use crate::error::{Error, Result};

#[cfg(test)]
pub(crate) use duplicates::sha256_hex;
#[cfg(test)]
pub(crate) use selfie::judge_selfie;

/// How a handler ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Finished (including "nothing to do": the row is gone, or done already).
    Done,
    /// Finished, and these jobs follow: they commit with the completion
    /// (an erasure's `erasure.completed` once its purge is done).
    Then(Vec<JobPayload>),
    /// Waiting for something that is not configured yet (Retina): give the job
    /// back without counting the attempt, due again at the given time.
    Deferred(OffsetDateTime),
}

/// How long face work waits for a face service to be configured.
const UNCONFIGURED_RETRY: Duration = Duration::from_secs(60);

impl Media {
    /// Runs one job. `Err` with a retryable error means "try again later".
    #[tracing::instrument(level = "info", skip_all, fields(kind = payload.kind().as_str()))]
    pub async fn handle(&self, payload: &JobPayload) -> Result<JobOutcome> {
        match payload {
            JobPayload::ProcessSelfie { selfie_id } => self.process_selfie(*selfie_id).await,
            JobPayload::GenerateThumbnail {
                photo_id,
                project_id,
                rerender,
                faces_only,
            } => {
                self.generate_thumbnail(*photo_id, *project_id, *rerender, *faces_only)
                    .await
            }
            JobPayload::GenerateWatermark {
                photo_id,
                project_id,
            } => self.generate_watermark(*photo_id, *project_id).await,
            JobPayload::ClusterFaces { project_id } => self.cluster_faces(*project_id).await,
            JobPayload::PurgeObjects { .. } => self.purge_objects(payload).await,
            JobPayload::DeliverEvent { event } => self.deliver_event(event).await,
            JobPayload::NotifyMatches {
                project_id,
                user_id,
                ..
            } => self.notify_matches(*project_id, *user_id).await,
            JobPayload::BuildArchive { archive_id } => self.build_archive(*archive_id).await,
        }
    }

    /// Called once a job is dead (its last attempt failed, or a permanent
    /// error): the photo or selfie it served ends `failed` with a reason.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn on_job_dead(&self, job: &Job, error: &Error) -> Result<()> {
        match &job.payload {
            JobPayload::ProcessSelfie { selfie_id } => {
                let Some(s) = self.ports.selfies.selfie(*selfie_id).await? else {
                    return Ok(());
                };
                if SelfieStatus::FAILED.applies_to(s.status) {
                    let reason = if error.is_retryable() {
                        FailureReason::RetinaUnavailable
                    } else {
                        FailureReason::ProcessingFailed
                    };
                    self.selfie_failed(&s, reason).await?;
                }
            }
            JobPayload::GenerateThumbnail { photo_id, .. } => {
                // A photo whose thumbnails exist stays as it is: only its faces failed,
                // and `reprocess --step faces` can try again.
                if let Some(p) = self.ports.photos.photo(*photo_id).await?
                    && !p.thumbnails_done
                    && PhotoStatus::FAILED.applies_to(p.status)
                {
                    self.photo_failed(&p, FailureReason::ProcessingFailed)
                        .await?;
                }
            }
            JobPayload::GenerateWatermark { photo_id, .. } => {
                if let Some(p) = self.ports.photos.photo(*photo_id).await?
                    && !p.watermark_done
                    && PhotoStatus::FAILED.applies_to(p.status)
                {
                    self.photo_failed(&p, FailureReason::ProcessingFailed)
                        .await?;
                }
            }
            JobPayload::DeliverEvent { event } => {
                tracing::error!(event = %event.id, kind = event.kind(), "event not delivered; `media-cli jobs retry` sends it again");
            }
            JobPayload::BuildArchive { archive_id } => {
                let expires_at = self.now() + self.settings.archive_ttl;
                self.ports
                    .archives
                    .fail_archive(*archive_id, expires_at)
                    .await?;
            }
            JobPayload::ClusterFaces { .. }
            | JobPayload::PurgeObjects { .. }
            | JobPayload::NotifyMatches { .. } => {}
        }
        Ok(())
    }

    pub(super) fn deferred(&self) -> JobOutcome {
        JobOutcome::Deferred(self.now() + UNCONFIGURED_RETRY)
    }
}
