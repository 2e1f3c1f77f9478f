//! Operator tasks on photos behind `media-cli` (SPEC §8), on the same rules
//! and durable paths as the API: `reprocess` and `purge`. The directory is
//! in `directory`, the orphan sweep in `orphans`.

use super::Media;
use crate::domain::wire::wire_enum;
use crate::domain::{JobPayload, Photo, PhotoStatus};
use crate::error::{Error, Result};
use crate::ids::{PhotoId, ProjectId};
use crate::ports::PhotoReset;

wire_enum! {
    /// Which part of processing `reprocess` runs again.
    pub enum ReprocessStep {
        /// Thumbnails and metadata (then faces, if not done).
        Thumbnails = "thumbnails",
        /// The watermarked copy.
        Watermark = "watermark",
        /// Face detection only; approved selfies of another model are
        /// re-described too.
        Faces = "faces",
        /// Everything.
        All = "all",
    }
}

/// What a purge removed, or (dry run) would remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Photos whose rows went (their objects follow in a queued purge).
    pub photos: Vec<PhotoId>,
    /// Object keys without a row (orphans).
    pub objects: Vec<String>,
}

impl Media {
    /// Every photo, or an error naming the first that does not exist (so a
    /// command changes nothing when one id is wrong).
    async fn existing_photos(&self, ids: &[PhotoId]) -> Result<Vec<Photo>> {
        let mut photos = Vec::with_capacity(ids.len());
        for &id in ids {
            match self.ports.photos.photo(id).await? {
                Some(p) => photos.push(p),
                None => return Err(Error::invalid(format!("photo {id} does not exist"))),
            }
        }
        Ok(photos)
    }

    /// Re-enqueues processing of the photos; returns the jobs' payloads.
    /// Nothing is enqueued when one of the photos does not exist. With
    /// `--step faces`, the approved selfies the running engine would not
    /// have made (another model: after a change of engine) of the members of
    /// the photos' projects are re-described too (SPEC §7a, decision 0029).
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn reprocess(
        &self,
        photos: &[PhotoId],
        step: ReprocessStep,
    ) -> Result<Vec<JobPayload>> {
        let now = self.now();
        let mut all = Vec::new();
        let mut projects = Vec::new();
        for photo in self.existing_photos(photos).await? {
            let id = photo.id;
            if !projects.contains(&photo.project_id) {
                projects.push(photo.project_id);
            }
            if !photo.original_uploaded() {
                continue; // nothing to process yet
            }
            let (thumbs, wm, faces) = match step {
                ReprocessStep::Thumbnails => (true, false, false),
                ReprocessStep::Watermark => (false, true, false),
                ReprocessStep::Faces => (false, false, true),
                ReprocessStep::All => (true, true, true),
            };
            // A failed photo is retried whole: it may have failed before any step ran.
            let (thumbs, wm) = if photo.status == PhotoStatus::Failed {
                (true, true)
            } else {
                (thumbs, wm)
            };
            let mut jobs = Vec::new();
            if thumbs || faces {
                jobs.push(JobPayload::GenerateThumbnail {
                    photo_id: id,
                    project_id: Some(photo.project_id),
                    rerender: thumbs,
                    faces_only: !thumbs,
                });
            }
            // With thumbnails, the thumbnail job renders the cleared
            // watermark from the same decode; alone, it has its own job.
            if wm && !thumbs {
                jobs.push(JobPayload::watermark(photo.project_id, id));
            }
            self.ports
                .photos
                .reset_photo(
                    id,
                    PhotoReset {
                        thumbnails: thumbs,
                        watermark: wm,
                        faces,
                    },
                    &jobs,
                    now,
                )
                .await?;
            all.extend(jobs);
        }
        if step == ReprocessStep::Faces {
            all.extend(self.redescribe_selfies(&projects).await?);
        }
        Ok(all)
    }

    /// Every photo of a project (`reprocess --project`, `purge --project`).
    pub async fn photos_of_project(&self, project: ProjectId) -> Result<Vec<PhotoId>> {
        self.ports.photos.photos_of_project(project).await
    }

    /// Every failed photo (`reprocess --failed`).
    pub async fn failed_photos(&self) -> Result<Vec<PhotoId>> {
        self.ports.photos.failed_photos().await
    }

    /// Deletes photos through the same durable path as the API's DELETE.
    /// Nothing is deleted when one of the photos does not exist.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn purge_photos(&self, photos: &[PhotoId], dry_run: bool) -> Result<PurgeReport> {
        let mut report = PurgeReport::default();
        for photo in self.existing_photos(photos).await? {
            if !dry_run {
                self.delete_photo(&photo).await?;
            }
            report.photos.push(photo.id);
        }
        Ok(report)
    }
}
