//! `process_selfie`: Retina on the selfie, then approve, reject or fail it.

use super::JobOutcome;
use super::pinned::Shown;
use crate::domain::{
    ConsentPurpose, DetectedFace, Event, FailureReason, JobPayload, PurgeTarget, RejectionReason,
    Selfie, SelfieStatus, SelfieVerdict,
};
use crate::error::{Error, Result};
use crate::ids::SelfieId;
use crate::keys;
use crate::service::Media;
use crate::settings::{MIN_PHOTO_FACE_PX, MIN_SELFIE_FACE_PX};

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
                    model: face.model,
                }
            }
        }
        _ => SelfieVerdict::Rejected(RejectionReason::MultipleFaces),
    }
}

impl Media {
    pub(super) async fn process_selfie(&self, id: SelfieId) -> Result<JobOutcome> {
        let Some(selfie) = self.ports.selfies.selfie(id).await? else {
            return Ok(JobOutcome::Done); // erased meanwhile
        };
        if !SelfieStatus::APPROVED.applies_to(selfie.status) {
            return Ok(JobOutcome::Done);
        }
        // Consent is checked again now: a revocation after the upload wins.
        if !self
            .ports
            .consents
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
        let etag = selfie.original_etag.as_deref();
        let faces = if self.engine_in_process() {
            // Faces under the photo minimum are not looked for: a selfie
            // with a face from 40 to 80 px is `low_quality`, not `no_face`.
            match self.faces_of_object(&key, etag, MIN_PHOTO_FACE_PX).await {
                Ok(Ok(faces)) => faces,
                Ok(Err(reason)) => return self.selfie_ended(&selfie, reason).await,
                Err(Error::Permanent(e)) => {
                    tracing::warn!(selfie = %selfie.id, error = %e, "face engine failed");
                    return self
                        .selfie_ended(&selfie, FailureReason::ProcessingFailed)
                        .await;
                }
                Err(e) => return Err(e),
            }
        } else {
            match self.selfie_by_url(&selfie, &key, etag, now).await? {
                Ok(faces) => faces,
                Err(reason) => return self.selfie_ended(&selfie, reason).await,
            }
        };
        match judge_selfie(faces, self.settings.selfie_min_score) {
            SelfieVerdict::Approved { embedding, model } => {
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
                    let targets: Vec<PurgeTarget> = older
                        .iter()
                        .map(|s| PurgeTarget::Selfie {
                            user_id: s.user_id,
                            timestamp_ms: s.key_timestamp_ms,
                        })
                        .collect();
                    jobs.push(JobPayload::purge(targets.clone()));
                    // An upload URL of a superseded selfie may still write
                    // its key until it expires: swept again then, as a
                    // deletion's are (SPEC §3.11, issue 26).
                    jobs.push(JobPayload::purge_at(
                        targets,
                        now + crate::settings::UPLOAD_URL_TTL + self.settings.upload_grace,
                    ));
                }
                jobs.extend(self.announce(Event::selfie_approved(&selfie, now)));
                self.ports
                    .selfies
                    .approve_selfie(id, &model, &embedding, &superseded, &jobs, now)
                    .await?;
            }
            SelfieVerdict::Rejected(reason) => {
                let jobs: Vec<_> = self
                    .announce(Event::selfie_rejected(&selfie, reason, now))
                    .into_iter()
                    .chain([crate::service::failures::selfie_purge(&selfie)])
                    .collect();
                self.ports
                    .selfies
                    .reject_selfie(id, reason, &jobs, now)
                    .await?;
            }
            SelfieVerdict::Failed(reason) => {
                self.selfie_failed(&selfie, reason).await?;
            }
        }
        Ok(JobOutcome::Done)
    }

    /// Retina on the selfie through a presigned GET of its completed version.
    async fn selfie_by_url(
        &self,
        selfie: &Selfie,
        key: &crate::keys::StorageKey,
        etag: Option<&str>,
        now: time::OffsetDateTime,
    ) -> Result<super::engine::Seen> {
        let url = match self.retina_url(key, etag, now).await? {
            Shown::Url(url) => url,
            Shown::Missing => return Ok(Err(FailureReason::UnreadableImage)),
            Shown::Refused(reason) => return Ok(Err(reason)),
        };
        let faces = match self.ports.embedder.detect_faces(&url).await {
            Ok(faces) => faces,
            Err(Error::Permanent(_)) => return Ok(Err(FailureReason::RetinaRejected)),
            Err(e) => return Err(e),
        };
        if !self.still_completed(key, etag).await? {
            tracing::info!(selfie = %selfie.id, "selfie replaced while Retina read it");
            return Ok(Err(FailureReason::UploadChanged));
        }
        Ok(Ok(faces))
    }

    async fn selfie_ended(&self, selfie: &Selfie, reason: FailureReason) -> Result<JobOutcome> {
        tracing::info!(selfie = %selfie.id, reason = %reason, "selfie failed");
        self.selfie_failed(selfie, reason).await?;
        Ok(JobOutcome::Done)
    }
}
