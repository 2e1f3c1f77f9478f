//! `generate_thumbnail` (with the photo's faces) and `generate_watermark`:
//! one load-render-or-fail path, then the objects and the row.

use super::JobOutcome;
use super::pinned::Shown;
use crate::domain::{FailureReason, JobPayload, Photo, PhotoStatus, PurgeTarget};
use crate::error::{Error, Result};
use crate::ids::{PhotoId, ProjectId};
use crate::imaging::{self, ImageError, RenderRequest, WatermarkSpec};
use crate::keys::{self, PhotoObject};
use crate::ports::Fetched;
use crate::service::Media;
use crate::settings::MIN_PHOTO_FACE_PX;

impl Media {
    /// The original's bytes — the version its upload completed with, never
    /// more than `MAX_UPLOAD_BYTES` — or why the photo fails for good.
    async fn original(&self, photo: &Photo) -> Result<std::result::Result<Vec<u8>, FailureReason>> {
        let key = keys::photo(photo.project_id, photo.id, PhotoObject::Original);
        let limit = self.settings.max_upload_bytes;
        let fetched = match self
            .ports
            .storage
            .get(&key, photo.original_etag.clone(), limit)
            .await
        {
            Err(Error::NotFound) => return Ok(Err(ImageError::Empty.reason())),
            other => other?,
        };
        Ok(match fetched {
            Fetched::Bytes(bytes) => Ok(bytes),
            Fetched::Changed => Err(FailureReason::UploadChanged),
            Fetched::TooLarge(bytes) => Err(ImageError::TooLarge { bytes, limit }.reason()),
        })
    }

    /// Waits for `bytes` worth of the decode budget (at least a megabyte; a
    /// file larger than all of it runs alone) and holds it until dropped.
    pub(super) async fn hold_decode_budget(
        &self,
        bytes: u64,
    ) -> Result<tokio::sync::SemaphorePermit<'_>> {
        let budget = self.settings.decode_memory_mb.max(1);
        let share = u32::try_from(bytes.div_ceil(1 << 20))
            .unwrap_or(u32::MAX)
            .clamp(1, budget);
        self.decode_budget
            .acquire_many(share)
            .await
            .map_err(|_| Error::unavailable("decode budget closed"))
    }

    /// Reads the original and renders `request` on a blocking thread (the
    /// pipeline is CPU-bound); with `faces`, the decoded image is kept,
    /// oriented, for the in-process face engine, and the budget share —
    /// the engine's working memory included — is held until the caller
    /// drops it. A bad original — absent, too large, corrupt — fails the
    /// photo for good: `None`, and the job is done.
    async fn render_or_fail(
        &self,
        photo: &Photo,
        request: RenderRequest,
        faces: bool,
    ) -> Result<Option<(imaging::Rendered, tokio::sync::SemaphorePermit<'_>)>> {
        let original = match self.original(photo).await? {
            // The thumbnails job, first to read a new original, tells duplicates.
            Ok(bytes) if request.thumbnails => match self.unless_duplicate(photo, bytes).await? {
                Some(bytes) => Ok(bytes),
                None => return Ok(None),
            },
            other => other,
        };
        let rendered = match original {
            Ok(bytes) => {
                let limits = self.limits();
                // The header says what the decode will hold; wait for that
                // share of the budget. A header that does not parse fails
                // in `render` with its reason.
                let probing = std::time::Instant::now();
                let info = imaging::probe(&bytes, limits).ok();
                crate::observe::probed(probing.elapsed());
                let cost = info.as_ref().map_or(1, |i| {
                    let engine = if faces { self.engine_memory(i) } else { 0 };
                    imaging::decode_cost_keeping(i, &request, faces) + engine
                });
                let held = self.hold_decode_budget(cost).await?;
                tokio::task::spawn_blocking(move || match info {
                    Some(info) if faces => {
                        imaging::render_keeping_faces(&bytes, info, &request, limits)
                    }
                    Some(info) => imaging::render_probed(&bytes, info, &request, limits),
                    None => imaging::render(&bytes, &request, limits),
                })
                .await
                .map_err(|e| Error::permanent(format!("image pipeline crashed: {e}")))?
                .map(|r| (r, held))
                .map_err(|e| {
                    tracing::info!(photo = %photo.id, error = %e, "photo failed");
                    e.reason()
                })
            }
            Err(reason) => Err(reason),
        };
        match rendered {
            Ok((r, held)) => {
                crate::observe::rendered(&r.timings);
                Ok(Some((r, held)))
            }
            Err(reason) => {
                tracing::info!(photo = %photo.id, reason = %reason, "photo failed");
                self.photo_failed(photo, reason).await?;
                Ok(None)
            }
        }
    }

    /// The photo is gone: what an earlier attempt of this job wrote after the
    /// deletion's purge ran would stay for ever, so the folder is purged again.
    async fn purge_folder_of_gone(
        &self,
        project: Option<ProjectId>,
        photo: PhotoId,
    ) -> Result<JobOutcome> {
        if let Some(project) = project {
            self.purge_folder(project, photo).await?;
        }
        Ok(JobOutcome::Done)
    }

    /// Objects written for a photo deleted meanwhile would be orphans: purge again.
    /// Also when it failed as a duplicate meanwhile: its folder must be empty.
    async fn purge_if_gone(&self, photo: &Photo, still_there: bool) -> Result<()> {
        if !still_there {
            let now = self.ports.photos.photo(photo.id).await?;
            if now.is_none() || Self::is_duplicate(now.as_ref()) {
                self.purge_folder(photo.project_id, photo.id).await?;
            }
        }
        Ok(())
    }

    /// A durable purge of everything under the photo's folder.
    async fn purge_folder(&self, project_id: ProjectId, photo_id: PhotoId) -> Result<()> {
        let purge = JobPayload::purge(vec![PurgeTarget::Photo {
            project_id,
            photo_id,
        }]);
        self.ports.queue.enqueue(&[purge], self.now()).await
    }

    pub(super) async fn generate_thumbnail(
        &self,
        id: PhotoId,
        project: Option<ProjectId>,
        rerender: bool,
        faces_only: bool,
    ) -> Result<JobOutcome> {
        let Some(photo) = self.ports.photos.photo(id).await? else {
            return self.purge_folder_of_gone(project, id).await;
        };
        if !PhotoStatus::DERIVATIVE_RECORDED.applies_to(photo.status) {
            return Ok(JobOutcome::Done);
        }
        let thumbnails = !faces_only && (rerender || !photo.thumbnails_done);
        // The normal path makes the watermarked copy from the same read and
        // decode (SPEC §5): a 24 MP JPEG's entropy decoding costs the same at
        // every DCT scale, and two jobs decoding it took 1.32× the CPU of
        // one (decision 0021).
        let watermark = !faces_only && !photo.watermark_done;
        let faces = faces_only || !photo.faces_done;
        // The in-process engine gets the image of that same decode
        // (decision 0029), its budget share held until the faces are found.
        let mut kept = None;
        let mut _held = None;
        if thumbnails || watermark {
            let request = RenderRequest {
                thumbnails,
                watermark: match watermark {
                    true => Some(self.watermark_spec(&photo).await?),
                    false => None,
                },
            };
            let keep = faces && self.engine_in_process();
            let Some((mut rendered, held)) = self.render_or_fail(&photo, request, keep).await?
            else {
                return Ok(JobOutcome::Done);
            };
            kept = rendered.face_image.take();
            // Without a kept image the share goes now, as the render ends.
            _held = kept.is_some().then_some(held);
            if !self.store_rendered(&photo, thumbnails, rendered).await? {
                return Ok(JobOutcome::Done);
            }
        }
        if faces {
            return self.detect_photo_faces(&photo, kept).await;
        }
        Ok(JobOutcome::Done)
    }

    /// The project's watermark text (else `WATERMARK_TEXT`) at `WATERMARK_MAX_EDGE`.
    async fn watermark_spec(&self, photo: &Photo) -> Result<WatermarkSpec> {
        let text = self
            .ports
            .directory
            .project(photo.project_id)
            .await?
            .and_then(|p| p.watermark_text)
            .unwrap_or_else(|| self.settings.watermark_text.clone());
        Ok(WatermarkSpec {
            text,
            max_edge: self.settings.watermark_max_edge,
        })
    }

    /// Writes what was rendered, then records it: thumbnails first, then
    /// the watermark, the record that completes the pair making the photo
    /// ready (and announcing it). False when the photo went meanwhile
    /// (deleted, failed): what was written is purged.
    async fn store_rendered(
        &self,
        photo: &Photo,
        thumbnails: bool,
        rendered: imaging::Rendered,
    ) -> Result<bool> {
        let id = photo.id;
        let watermark = rendered.watermarked.is_some();
        for (object, bytes) in [
            (PhotoObject::Thumb400, rendered.thumb_small),
            (PhotoObject::Thumb800, rendered.thumb_large),
            (PhotoObject::Watermarked, rendered.watermarked),
        ] {
            if let Some(bytes) = bytes {
                let key = keys::photo(photo.project_id, id, object);
                self.ports.storage.put(&key, bytes, "image/jpeg").await?;
            }
        }
        let now = self.now();
        let on_ready = self.on_ready(photo, now);
        let mut recorded = true;
        if thumbnails {
            recorded = self
                .ports
                .photos
                .record_thumbnails(id, &rendered.meta, &on_ready, now)
                .await?;
        }
        if recorded && watermark {
            recorded = self
                .ports
                .photos
                .record_watermark(id, &on_ready, now)
                .await?;
        }
        self.purge_if_gone(photo, recorded).await?;
        Ok(recorded)
    }

    /// The face engine once per photo — Retina on the original, or the
    /// in-process engine on the `kept` image of the render's decode (else a
    /// decode of its own); small faces ignored; one `cluster_faces` for
    /// the project when faces were found.
    async fn detect_photo_faces(
        &self,
        photo: &Photo,
        kept: Option<imaging::FaceImage>,
    ) -> Result<JobOutcome> {
        if !self.ports.embedder.is_configured() {
            return Ok(self.deferred());
        }
        let now = self.now();
        let key = keys::photo(photo.project_id, photo.id, PhotoObject::Original);
        let etag = photo.original_etag.as_deref();
        let detected = if self.engine_in_process() {
            match kept {
                Some(image) => Ok(self.faces_in(image, MIN_PHOTO_FACE_PX).await?),
                None => self.faces_of_object(&key, etag, MIN_PHOTO_FACE_PX).await?,
            }
        } else {
            self.faces_by_url(&key, etag, now).await?
        };
        self.store_photo_faces(photo, detected, now).await
    }

    /// Retina on the original through a presigned GET of its completed version.
    async fn faces_by_url(
        &self,
        key: &crate::keys::StorageKey,
        etag: Option<&str>,
        now: time::OffsetDateTime,
    ) -> Result<super::engine::Seen> {
        Ok(match self.retina_url(key, etag, now).await? {
            Shown::Url(url) => {
                let faces = self.ports.embedder.detect_faces(&url).await?;
                if self.still_completed(key, etag).await? {
                    Ok(faces)
                } else {
                    Err(FailureReason::UploadChanged)
                }
            }
            Shown::Missing => Err(ImageError::Empty.reason()),
            Shown::Refused(reason) => Err(reason),
        })
    }

    /// Keeps the faces large enough (or fails the photo with the reason its
    /// image was unusable) in one transaction with their `cluster_faces`.
    async fn store_photo_faces(
        &self,
        photo: &Photo,
        detected: super::engine::Seen,
        now: time::OffsetDateTime,
    ) -> Result<JobOutcome> {
        let faces = match detected {
            Ok(faces) => faces,
            Err(reason) => {
                self.photo_failed(photo, reason).await?;
                return Ok(JobOutcome::Done);
            }
        };
        let model = faces.first().map(|f| f.model.clone()).unwrap_or_default();
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
            .store_faces(photo.id, &model, &embeddings, &jobs, now)
            .await?;
        crate::observe::faces_stored(embeddings.len());
        Ok(JobOutcome::Done)
    }

    pub(super) async fn generate_watermark(
        &self,
        id: PhotoId,
        project: Option<ProjectId>,
    ) -> Result<JobOutcome> {
        let Some(photo) = self.ports.photos.photo(id).await? else {
            return self.purge_folder_of_gone(project, id).await;
        };
        if !PhotoStatus::DERIVATIVE_RECORDED.applies_to(photo.status) || photo.watermark_done {
            return Ok(JobOutcome::Done);
        }
        let request = RenderRequest {
            thumbnails: false,
            watermark: Some(self.watermark_spec(&photo).await?),
        };
        let Some((rendered, _held)) = self.render_or_fail(&photo, request, false).await? else {
            return Ok(JobOutcome::Done);
        };
        self.store_rendered(&photo, false, rendered).await?;
        Ok(JobOutcome::Done)
    }
}
