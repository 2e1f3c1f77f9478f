//! The job handlers of SPEC §5.

use std::time::Duration;

use time::OffsetDateTime;

use super::Media;
use crate::domain::{
    ConsentPurpose, DetectedFace, FailureReason, Job, JobPayload, MemberMatches, Photo,
    PhotoStatus, PurgeTarget, RejectionReason, SelfieStatus, SelfieVerdict,
};
use crate::error::{Error, Result};
use crate::ids::{PhotoId, ProjectId, SelfieId};
use crate::imaging::{self, ImageError, RenderRequest, WatermarkSpec};
use crate::keys::{self, PhotoObject, PurgeScope};
use crate::matching;
use crate::settings::{MIN_PHOTO_FACE_PX, MIN_SELFIE_FACE_PX};

/// How a handler ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    /// Waiting for something that is not configured yet (Retina): give the job
    /// back without counting the attempt, due again at the given time.
    Deferred(OffsetDateTime),
}

/// How long face work waits for a face service to be configured.
const UNCONFIGURED_RETRY: Duration = Duration::from_secs(60);
/// Faces compared per database round trip in `cluster_faces`.
const CLUSTER_BATCH: u32 = 20_000;

/// SPEC §5's selfie rules: faces below `min_score` are ignored; none left →
/// `no_face`; two or more → `multiple_faces`; a box under 80 px → `low_quality`.
pub fn judge_selfie(faces: Vec<DetectedFace>, min_score: f32) -> SelfieVerdict {
    let mut confident: Vec<DetectedFace> =
        faces.into_iter().filter(|f| f.score >= min_score).collect();
    match confident.len() {
        0 => SelfieVerdict::Rejected(RejectionReason::NoFace),
        1 => {
            let face = confident.remove(0);
            if face.bbox.shorter_side() < MIN_SELFIE_FACE_PX {
                SelfieVerdict::Rejected(RejectionReason::LowQuality)
            } else {
                SelfieVerdict::Approved {
                    embedding: face.embedding,
                }
            }
        }
        _ => SelfieVerdict::Rejected(RejectionReason::MultipleFaces),
    }
}

impl Media {
    /// Runs one job. `Err` with a retryable error means "try again later".
    pub async fn handle(&self, payload: &JobPayload) -> Result<JobOutcome> {
        match payload {
            JobPayload::ProcessSelfie { selfie_id } => self.process_selfie(*selfie_id).await,
            JobPayload::GenerateThumbnail {
                photo_id,
                rerender,
                faces_only,
            } => {
                self.generate_thumbnail(*photo_id, *rerender, *faces_only)
                    .await
            }
            JobPayload::GenerateWatermark { photo_id } => self.generate_watermark(*photo_id).await,
            JobPayload::ClusterFaces { project_id } => self.cluster_faces(*project_id).await,
            JobPayload::PurgeObjects { targets } => self.purge_objects(targets).await,
        }
    }

    /// Called once a job is dead (its last attempt failed, or a permanent
    /// error): the photo or selfie it served ends `failed` with a reason.
    pub async fn on_job_dead(&self, job: &Job, error: &Error) -> Result<()> {
        match &job.payload {
            JobPayload::ProcessSelfie { selfie_id } => {
                let Some(s) = self.ports.selfies.selfie(*selfie_id).await? else {
                    return Ok(());
                };
                if s.status == SelfieStatus::Processing {
                    let reason = if error.is_retryable() {
                        FailureReason::RetinaUnavailable
                    } else {
                        FailureReason::ProcessingFailed
                    };
                    self.ports
                        .selfies
                        .fail_selfie(*selfie_id, reason, self.now())
                        .await?;
                }
            }
            JobPayload::GenerateThumbnail { photo_id, .. } => {
                // A photo whose thumbnails exist stays as it is: only its faces failed,
                // and `reprocess --step faces` can try again.
                if let Some(p) = self.ports.photos.photo(*photo_id).await?
                    && !p.thumbnails_done
                    && p.status == PhotoStatus::Processing
                {
                    self.ports
                        .photos
                        .fail_photo(*photo_id, FailureReason::ProcessingFailed)
                        .await?;
                }
            }
            JobPayload::GenerateWatermark { photo_id } => {
                if let Some(p) = self.ports.photos.photo(*photo_id).await?
                    && !p.watermark_done
                    && p.status == PhotoStatus::Processing
                {
                    self.ports
                        .photos
                        .fail_photo(*photo_id, FailureReason::ProcessingFailed)
                        .await?;
                }
            }
            JobPayload::ClusterFaces { .. } | JobPayload::PurgeObjects { .. } => {}
        }
        Ok(())
    }

    fn deferred(&self) -> JobOutcome {
        JobOutcome::Deferred(self.now() + UNCONFIGURED_RETRY)
    }

    async fn process_selfie(&self, id: SelfieId) -> Result<JobOutcome> {
        let Some(selfie) = self.ports.selfies.selfie(id).await? else {
            return Ok(JobOutcome::Done); // erased meanwhile
        };
        if selfie.status != SelfieStatus::Processing {
            return Ok(JobOutcome::Done);
        }
        // Consent is checked again now: a revocation after the upload wins.
        if !self
            .ports
            .selfies
            .has_consent(selfie.user_id, ConsentPurpose::BiometricProcessing)
            .await?
        {
            return Ok(JobOutcome::Done);
        }
        if !self.ports.embedder.is_configured() {
            return Ok(self.deferred());
        }
        let now = self.now();
        let key = keys::selfie(selfie.user_id, selfie.key_timestamp_ms);
        let Some(object) = self.ports.storage.head(&key).await? else {
            self.ports
                .selfies
                .fail_selfie(id, FailureReason::UnreadableImage, now)
                .await?;
            return Ok(JobOutcome::Done);
        };
        if object.size > self.settings.max_upload_bytes {
            self.ports
                .selfies
                .fail_selfie(id, FailureReason::TooLarge, now)
                .await?;
            return Ok(JobOutcome::Done);
        }
        let url = self.download_url(&key, now)?;
        let faces = match self.ports.embedder.detect_faces(&url).await {
            Ok(faces) => faces,
            Err(Error::Permanent(_)) => {
                self.ports
                    .selfies
                    .fail_selfie(id, FailureReason::RetinaRejected, now)
                    .await?;
                return Ok(JobOutcome::Done);
            }
            Err(e) => return Err(e),
        };
        match judge_selfie(faces, self.settings.selfie_min_score) {
            SelfieVerdict::Approved { embedding } => {
                // Older selfies are replaced by this one: rows, objects, matches.
                let older: Vec<_> = self
                    .ports
                    .selfies
                    .selfies_of(selfie.user_id)
                    .await?
                    .into_iter()
                    .filter(|s| s.id != id && s.created_at <= selfie.created_at)
                    .collect();
                let superseded: Vec<SelfieId> = older.iter().map(|s| s.id).collect();
                let mut jobs: Vec<JobPayload> = self
                    .ports
                    .directory
                    .projects_of_user(selfie.user_id)
                    .await?
                    .into_iter()
                    .map(|project_id| JobPayload::ClusterFaces { project_id })
                    .collect();
                if !older.is_empty() {
                    jobs.push(JobPayload::PurgeObjects {
                        targets: older
                            .iter()
                            .map(|s| PurgeTarget::Selfie {
                                user_id: s.user_id,
                                timestamp_ms: s.key_timestamp_ms,
                            })
                            .collect(),
                    });
                }
                self.ports
                    .selfies
                    .approve_selfie(id, &embedding, &superseded, &jobs, now)
                    .await?;
            }
            SelfieVerdict::Rejected(reason) => {
                self.ports.selfies.reject_selfie(id, reason, now).await?;
            }
            SelfieVerdict::Failed(reason) => {
                self.ports.selfies.fail_selfie(id, reason, now).await?;
            }
        }
        Ok(JobOutcome::Done)
    }

    /// The original's bytes, refusing (as a failed photo) one above the size limit.
    async fn original(&self, photo: &Photo) -> Result<std::result::Result<Vec<u8>, ImageError>> {
        let key = keys::photo(photo.project_id, photo.id, PhotoObject::Original);
        let Some(object) = self.ports.storage.head(&key).await? else {
            return Ok(Err(ImageError::Empty));
        };
        if object.size > self.settings.max_upload_bytes {
            return Ok(Err(ImageError::TooLarge {
                bytes: object.size,
                limit: self.settings.max_upload_bytes,
            }));
        }
        Ok(Ok(self.ports.storage.get(&key).await?))
    }

    /// Renders on a blocking thread: the pipeline is CPU-bound.
    async fn render(
        &self,
        bytes: Vec<u8>,
        request: RenderRequest,
    ) -> Result<std::result::Result<imaging::Rendered, ImageError>> {
        let limits = self.limits();
        tokio::task::spawn_blocking(move || imaging::render(&bytes, &request, limits))
            .await
            .map_err(|e| Error::permanent(format!("image pipeline crashed: {e}")))
    }

    /// Objects written for a photo deleted meanwhile would be orphans: purge again.
    async fn purge_if_gone(&self, photo: &Photo, still_there: bool) -> Result<()> {
        if !still_there && self.ports.photos.photo(photo.id).await?.is_none() {
            let purge = JobPayload::PurgeObjects {
                targets: vec![PurgeTarget::Photo {
                    project_id: photo.project_id,
                    photo_id: photo.id,
                }],
            };
            self.ports.queue.enqueue(&[purge], self.now()).await?;
        }
        Ok(())
    }

    async fn generate_thumbnail(
        &self,
        id: PhotoId,
        rerender: bool,
        faces_only: bool,
    ) -> Result<JobOutcome> {
        let Some(photo) = self.ports.photos.photo(id).await? else {
            return Ok(JobOutcome::Done);
        };
        if !matches!(photo.status, PhotoStatus::Processing | PhotoStatus::Ready) {
            return Ok(JobOutcome::Done);
        }
        if !faces_only && (rerender || !photo.thumbnails_done) {
            let bytes = match self.original(&photo).await? {
                Ok(b) => b,
                Err(e) => {
                    self.ports.photos.fail_photo(id, e.reason()).await?;
                    return Ok(JobOutcome::Done);
                }
            };
            let request = RenderRequest {
                thumbnails: true,
                watermark: None,
            };
            let rendered = match self.render(bytes, request).await? {
                Ok(r) => r,
                Err(e) => {
                    tracing::info!(photo = %id, error = %e, "photo failed");
                    self.ports.photos.fail_photo(id, e.reason()).await?;
                    return Ok(JobOutcome::Done);
                }
            };
            for (object, bytes) in [
                (PhotoObject::Thumb400, rendered.thumb_small),
                (PhotoObject::Thumb800, rendered.thumb_large),
            ] {
                if let Some(bytes) = bytes {
                    let key = keys::photo(photo.project_id, id, object);
                    self.ports.storage.put(&key, bytes, "image/jpeg").await?;
                }
            }
            let recorded = self
                .ports
                .photos
                .record_thumbnails(id, &rendered.meta)
                .await?;
            self.purge_if_gone(&photo, recorded).await?;
            if !recorded {
                return Ok(JobOutcome::Done);
            }
        }
        if faces_only || !photo.faces_done {
            return self.detect_photo_faces(&photo).await;
        }
        Ok(JobOutcome::Done)
    }

    /// Retina once per photo; small faces ignored; one `cluster_faces` for
    /// the project when faces were found.
    async fn detect_photo_faces(&self, photo: &Photo) -> Result<JobOutcome> {
        if !self.ports.embedder.is_configured() {
            return Ok(self.deferred());
        }
        let now = self.now();
        let key = keys::photo(photo.project_id, photo.id, PhotoObject::Original);
        let url = self.download_url(&key, now)?;
        let faces = self.ports.embedder.detect_faces(&url).await?;
        let embeddings: Vec<Vec<f32>> = faces
            .into_iter()
            .filter(|f| f.bbox.shorter_side() >= MIN_PHOTO_FACE_PX)
            .map(|f| f.embedding)
            .collect();
        let jobs: Vec<JobPayload> = if embeddings.is_empty() {
            Vec::new()
        } else {
            vec![JobPayload::ClusterFaces {
                project_id: photo.project_id,
            }]
        };
        self.ports
            .faces
            .store_faces(photo.id, &embeddings, &jobs, now)
            .await?;
        Ok(JobOutcome::Done)
    }

    async fn generate_watermark(&self, id: PhotoId) -> Result<JobOutcome> {
        let Some(photo) = self.ports.photos.photo(id).await? else {
            return Ok(JobOutcome::Done);
        };
        if !matches!(photo.status, PhotoStatus::Processing | PhotoStatus::Ready)
            || photo.watermark_done
        {
            return Ok(JobOutcome::Done);
        }
        let text = self
            .ports
            .directory
            .project(photo.project_id)
            .await?
            .and_then(|p| p.watermark_text)
            .unwrap_or_else(|| self.settings.watermark_text.clone());
        let bytes = match self.original(&photo).await? {
            Ok(b) => b,
            Err(e) => {
                self.ports.photos.fail_photo(id, e.reason()).await?;
                return Ok(JobOutcome::Done);
            }
        };
        let request = RenderRequest {
            thumbnails: false,
            watermark: Some(WatermarkSpec {
                text,
                max_edge: self.settings.watermark_max_edge,
            }),
        };
        let rendered = match self.render(bytes, request).await? {
            Ok(r) => r,
            Err(e) => {
                self.ports.photos.fail_photo(id, e.reason()).await?;
                return Ok(JobOutcome::Done);
            }
        };
        if let Some(bytes) = rendered.watermarked {
            let key = keys::photo(photo.project_id, id, PhotoObject::Watermarked);
            self.ports.storage.put(&key, bytes, "image/jpeg").await?;
        }
        let recorded = self.ports.photos.record_watermark(id).await?;
        self.purge_if_gone(&photo, recorded).await?;
        Ok(JobOutcome::Done)
    }

    /// Compares every member's approved selfie with the project's faces it
    /// has not been compared with (each (selfie, face) pair once), keeping
    /// the closest face per (user, photo). Each batch of faces is prepared
    /// once for all members.
    async fn cluster_faces(&self, project: ProjectId) -> Result<JobOutcome> {
        let mut members = self.ports.faces.matchable_members(project).await?;
        let Some(mut after) = members.iter().map(|m| m.through_seq).min() else {
            return Ok(JobOutcome::Done);
        };
        loop {
            let faces = self
                .ports
                .faces
                .faces_after(project, after, CLUSTER_BATCH)
                .await?;
            let Some(last) = faces.last().map(|f| f.seq) else {
                break;
            };
            let batch = matching::FaceBatch::new(&faces);
            let found: Vec<MemberMatches> = members
                .iter()
                .filter(|m| m.through_seq < last)
                .map(|m| MemberMatches {
                    user_id: m.user_id,
                    selfie_id: m.selfie_id,
                    matches: batch.best_matches(
                        project,
                        m.user_id,
                        &m.embedding,
                        m.through_seq,
                        self.settings.match_max_distance,
                    ),
                })
                .collect();
            self.ports
                .faces
                .record_matches(project, last, &found)
                .await?;
            for m in &mut members {
                m.through_seq = m.through_seq.max(last);
            }
            after = last;
            if faces.len() < CLUSTER_BATCH as usize {
                break;
            }
        }
        Ok(JobOutcome::Done)
    }

    async fn purge_objects(&self, targets: &[PurgeTarget]) -> Result<JobOutcome> {
        for target in targets {
            match keys::purge_scope(target) {
                PurgeScope::Prefix(prefix) => {
                    self.ports.storage.delete_prefix(&prefix).await?;
                }
                PurgeScope::Key(key) => self.ports.storage.delete(&key).await?,
            }
        }
        Ok(JobOutcome::Done)
    }
}
