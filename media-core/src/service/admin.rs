//! Operator tasks behind `media-cli` (SPEC §8), on the same rules and durable
//! paths as the API.

use std::collections::HashSet;

use super::Media;
use crate::domain::wire::wire_enum;
use crate::domain::{
    ConsentPurpose, JobPayload, Operator, Photo, PhotoStatus, Photographer, Project, SelfieStatus,
};
use crate::error::{ConflictKind, Error, Result};
use crate::ids::{OperatorId, PhotoId, PhotographerId, ProjectId, UserId};
use crate::keys::{self, ParsedKey};
use crate::ports::ObjectInfo;

wire_enum! {
    /// Which part of processing `reprocess` runs again.
    pub enum ReprocessStep {
        /// Thumbnails and metadata (then faces, if not done).
        Thumbnails = "thumbnails",
        /// The watermarked copy.
        Watermark = "watermark",
        /// Face detection only.
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

/// An add of a row that exists is fine only when the rows are alike.
fn same_row<T: PartialEq + std::fmt::Debug>(
    what: &str,
    id: impl std::fmt::Display,
    existing: Option<&T>,
    wanted: &T,
) -> Result<()> {
    match existing {
        Some(row) if row == wanted => Ok(()),
        Some(row) => Err(Error::Conflict {
            kind: ConflictKind::AlreadyExists,
            detail: format!(
                "conflict: {what} {id} exists with other values ({row:?}); nothing changed"
            ),
        }),
        None => Err(Error::unavailable(format!(
            "{what} {id} vanished while being added"
        ))),
    }
}

/// Names shown in listings: trimmed, 1 to 200 characters.
fn display_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid("a name must be 1 to 200 characters"));
    }
    Ok(name.to_owned())
}

/// Uploads expired this long ago are removed by `purge --orphans`.
const EXPIRED_LONG_AGO: time::Duration = time::Duration::days(1);

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
    /// Nothing is enqueued when one of the photos does not exist.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn reprocess(
        &self,
        photos: &[PhotoId],
        step: ReprocessStep,
    ) -> Result<Vec<JobPayload>> {
        let now = self.now();
        let mut all = Vec::new();
        for photo in self.existing_photos(photos).await? {
            let id = photo.id;
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
                .reset_photo(id, thumbs, wm, faces, &jobs, now)
                .await?;
            all.extend(jobs);
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

    /// Objects under `photos/`, `selfies/` and `archives/` with no row, and
    /// uploads that expired long ago. Without `dry_run` they are removed.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn purge_orphans(&self, dry_run: bool) -> Result<PurgeReport> {
        let mut listed = Vec::new();
        for root in [
            keys::photos_root(),
            keys::selfies_root(),
            keys::archives_root(),
        ] {
            listed.extend(self.ports.storage.list_prefix(&root).await?);
        }
        let report = self.orphans_among(&listed).await?;
        if !dry_run {
            self.remove_orphans(&report).await?;
        }
        Ok(report)
    }

    /// The objects of `listed` with no row (a photo key whose photo is
    /// gone, a selfie key whose selfie is gone or expired, an archive key
    /// whose archive is gone), and the uploads
    /// that expired long ago. Keys of no known shape are not ours to judge.
    pub(super) async fn orphans_among(&self, listed: &[ObjectInfo]) -> Result<PurgeReport> {
        let mut report = PurgeReport::default();
        let mut known_photos: HashSet<PhotoId> = HashSet::new();
        let mut gone_photos: HashSet<PhotoId> = HashSet::new();
        for object in listed {
            let orphan = match keys::parse(&object.key) {
                Some(ParsedKey::Photo { photo, .. }) => {
                    if known_photos.contains(&photo) {
                        false
                    } else if gone_photos.contains(&photo) {
                        true
                    } else if self.ports.photos.photo(photo).await?.is_some() {
                        known_photos.insert(photo);
                        false
                    } else {
                        gone_photos.insert(photo);
                        true
                    }
                }
                Some(ParsedKey::Selfie { user, timestamp_ms }) => self
                    .ports
                    .selfies
                    .selfie_by_key(user, timestamp_ms)
                    .await?
                    .is_none_or(|s| s.status == SelfieStatus::Expired),
                // A ZIP whose row went (erased, expired): matched photos of
                // someone, kept by no one.
                Some(ParsedKey::Archive { user, archive }) => self
                    .ports
                    .archives
                    .archive(archive)
                    .await?
                    .is_none_or(|a| a.user_id != user),
                _ => false,
            };
            if orphan {
                report.objects.push(object.key.clone());
            }
        }
        let cutoff = self.now() - EXPIRED_LONG_AGO;
        report.photos = self
            .ports
            .photos
            .expired_photos(cutoff)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        Ok(report)
    }

    /// Removes what [`Media::orphans_among`] found: the expired uploads'
    /// rows (through the durable deletion, which also takes what arrived
    /// late) and the orphaned objects.
    pub(super) async fn remove_orphans(&self, report: &PurgeReport) -> Result<()> {
        for &id in &report.photos {
            if let Some(photo) = self.ports.photos.photo(id).await? {
                self.delete_photo(&photo).await?;
            }
        }
        for key in &report.objects {
            if let Some(parsed) = keys::parse(key) {
                self.ports.storage.delete(&parsed.key()).await?;
            }
        }
        Ok(())
    }

    /// Adds an operator (SPEC §8): the name is trimmed and must be 1–200
    /// characters; adding it again alike is fine, with another name a conflict.
    pub async fn add_operator(&self, operator: &Operator) -> Result<()> {
        let operator = Operator {
            name: display_name(&operator.name)?,
            ..operator.clone()
        };
        if self.ports.directory.insert_operator(&operator).await? {
            return Ok(());
        }
        let existing = self.ports.directory.operator(operator.id).await?;
        same_row("operator", operator.id, existing.as_ref(), &operator)
    }

    /// Adds a photographer, by the rules of [`Media::add_operator`].
    pub async fn add_photographer(&self, photographer: &Photographer) -> Result<()> {
        let photographer = Photographer {
            name: display_name(&photographer.name)?,
            ..photographer.clone()
        };
        if self
            .ports
            .directory
            .insert_photographer(&photographer)
            .await?
        {
            return Ok(());
        }
        let existing = self.ports.directory.photographer(photographer.id).await?;
        same_row(
            "photographer",
            photographer.id,
            existing.as_ref(),
            &photographer,
        )
    }

    /// Adds a project of an existing operator; a blank watermark text means
    /// the default (`WATERMARK_TEXT`). Adding it again with another
    /// operator, name or watermark text is a conflict: a project never moves.
    pub async fn add_project(&self, project: &Project) -> Result<()> {
        let project = Project {
            name: display_name(&project.name)?,
            watermark_text: project
                .watermark_text
                .clone()
                .filter(|t| !t.trim().is_empty()),
            ..project.clone()
        };
        if !self
            .ports
            .directory
            .operator_exists(project.operator_id)
            .await?
        {
            return Err(Error::invalid(format!(
                "operator {} does not exist",
                project.operator_id
            )));
        }
        if self.ports.directory.insert_project(&project).await? {
            return Ok(());
        }
        let existing = self.ports.directory.project(project.id).await?;
        same_row("project", project.id, existing.as_ref(), &project)
    }

    /// Assigns a photographer to a project; both must exist ([`Error::Invalid`] otherwise).
    pub async fn assign(&self, project: ProjectId, photographer: PhotographerId) -> Result<()> {
        if self.ports.directory.project(project).await?.is_none() {
            return Err(Error::invalid(format!("project {project} does not exist")));
        }
        if !self
            .ports
            .directory
            .photographer_exists(photographer)
            .await?
        {
            return Err(Error::invalid(format!(
                "photographer {photographer} does not exist"
            )));
        }
        self.ports.directory.assign(project, photographer).await
    }

    /// Adds a member; one with an approved selfie is matched against the project (SPEC §5).
    pub async fn join(&self, project: ProjectId, user: UserId) -> Result<bool> {
        if self.ports.directory.project(project).await?.is_none() {
            return Err(Error::invalid(format!("project {project} does not exist")));
        }
        let jobs = if self.ports.selfies.approved_embedding(user).await?.is_some() {
            vec![JobPayload::ClusterFaces {
                project_id: project,
            }]
        } else {
            Vec::new()
        };
        self.ports
            .directory
            .join(project, user, &jobs, self.now())
            .await
    }

    /// Grants a consent on the user's behalf (`media-cli directory consent grant`).
    pub async fn grant_consent_for(&self, user: UserId, purpose: ConsentPurpose) -> Result<()> {
        self.ports
            .consents
            .grant_consent(user, purpose, self.now())
            .await
    }

    /// Whether the operator exists.
    pub async fn operator_exists(&self, id: OperatorId) -> Result<bool> {
        self.ports.directory.operator_exists(id).await
    }
}
