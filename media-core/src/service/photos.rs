//! Photo listings (SPEC §3.4, §3.6, §3.7) and deletions (§3.5, §3.8).

use time::OffsetDateTime;

use super::Media;
use super::views::PhotoView;
use crate::domain::{JobPayload, Photo, PhotoListing, Principal, PurgeTarget};
use crate::error::Result;
use crate::ids::{PhotoId, PhotographerId, ProjectId};
use crate::keys::{self, PhotoObject};
use crate::listing::{Cursor, Page, PageRequest, PhotoQuery, PhotoScope};
use crate::policy::{self, Access};

/// The operator listing's optional filters (SPEC §3.6).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorFilter {
    /// Only these projects (ids outside the operator's match nothing).
    pub project_ids: Option<Vec<ProjectId>>,
    /// Only these photographers.
    pub photographer_ids: Option<Vec<PhotographerId>>,
}

impl Media {
    /// A photographer (back office) on a project assigned to them.
    async fn photographer_scope(&self, principal: &Principal, project: ProjectId) -> Result<()> {
        self.admit(principal, &Access::PHOTOGRAPHER_PHOTOS).await?;
        let assigned = self
            .ports
            .directory
            .is_assigned(project, principal.as_photographer())
            .await?;
        policy::photographer_project(assigned)
    }

    /// SPEC §3.4: a project's photos, for a photographer assigned to it.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn photographer_photos(
        &self,
        principal: &Principal,
        project: ProjectId,
        page: PageRequest,
    ) -> Result<Page<PhotoView>> {
        self.photographer_scope(principal, project).await?;
        self.list(PhotoScope::Project(project), page, false).await
    }

    /// SPEC §3.6: photos across the operator's projects, optionally filtered.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn operator_photos(
        &self,
        principal: &Principal,
        filter: OperatorFilter,
        page: PageRequest,
    ) -> Result<Page<PhotoView>> {
        self.admit(principal, &Access::OPERATOR).await?;
        let scope = PhotoScope::Operator {
            operator: principal.as_operator(),
            project_ids: filter.project_ids,
            photographer_ids: filter.photographer_ids,
        };
        self.list(scope, page, true).await
    }

    /// SPEC §3.7: one of the operator's projects.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn operator_project_photos(
        &self,
        principal: &Principal,
        project: ProjectId,
        page: PageRequest,
    ) -> Result<Page<PhotoView>> {
        self.admit(principal, &Access::OPERATOR).await?;
        let found = self.ports.directory.project(project).await?;
        policy::operator_project(principal, found.as_ref())?;
        self.list(PhotoScope::Project(project), page, false)
            .await
            .map(|mut p| {
                // §3.7 carries photographerName but not projectName.
                for v in &mut p.items {
                    v.project_name = None;
                }
                p
            })
    }

    async fn list(
        &self,
        scope: PhotoScope,
        page: PageRequest,
        with_project: bool,
    ) -> Result<Page<PhotoView>> {
        let query = PhotoQuery {
            scope,
            after: page.after(),
            limit: page.limit() + 1,
        };
        let mut rows = self.ports.photos.list_photos(&query).await?;
        let next = if rows.len() > page.limit() as usize {
            rows.truncate(page.limit() as usize);
            rows.last().map(|r| Cursor::of(&r.photo))
        } else {
            None
        };
        let now = self.now();
        let items = rows
            .into_iter()
            .map(|row| self.photo_view(row, with_project, now))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page { items, next })
    }

    fn photo_view(
        &self,
        row: PhotoListing,
        with_project: bool,
        now: OffsetDateTime,
    ) -> Result<PhotoView> {
        let p = row.photo;
        let url = |object: PhotoObject, exists: bool| -> Result<Option<String>> {
            if exists {
                self.download_url(&keys::photo(p.project_id, p.id, object), now)
                    .map(Some)
            } else {
                Ok(None)
            }
        };
        Ok(PhotoView {
            id: p.id,
            project_id: p.project_id,
            photographer_id: p.photographer_id,
            status: p.status,
            taken_at: p.taken_at,
            width: p.width,
            height: p.height,
            thumbnail_url: url(PhotoObject::Thumb400, p.thumbnails_done)?,
            preview_url: url(PhotoObject::Thumb800, p.thumbnails_done)?,
            full_url: url(PhotoObject::Original, p.original_kept())?,
            watermarked_url: url(PhotoObject::Watermarked, p.watermark_done)?,
            created_at: p.created_at,
            thumbhash: p.thumbhash.as_deref().map(super::views::base64),
            failure_reason: p.failure_reason,
            duplicate_of: p.duplicate_of,
            project_name: with_project.then_some(row.project_name),
            photographer_name: Some(row.photographer_name),
        })
    }

    /// SPEC §3.5: a photographer deletes one of their own uploads.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn photographer_delete_photo(
        &self,
        principal: &Principal,
        project: ProjectId,
        photo: PhotoId,
    ) -> Result<()> {
        self.photographer_scope(principal, project).await?;
        let found = self.ports.photos.photo(photo).await?;
        let found = policy::photo_in_project(found.as_ref(), project)?;
        policy::photographer_may_delete(principal, found)?;
        self.delete_photo(found).await
    }

    /// SPEC §3.8: an operator deletes any photo of their project.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn operator_delete_photo(
        &self,
        principal: &Principal,
        project: ProjectId,
        photo: PhotoId,
    ) -> Result<()> {
        self.admit(principal, &Access::OPERATOR).await?;
        let found_project = self.ports.directory.project(project).await?;
        policy::operator_project(principal, found_project.as_ref())?;
        let found = self.ports.photos.photo(photo).await?;
        let found = policy::photo_in_project(found.as_ref(), project)?;
        self.delete_photo(found).await
    }

    /// Removes the row, faces and matches, and enqueues the durable purge of
    /// every object under the photo's folder, in one transaction. While the
    /// upload URL still works, a PUT to it could write the original again:
    /// a second purge sweeps the folder once the URL (and the grace) is over.
    pub(crate) async fn delete_photo(&self, photo: &Photo) -> Result<()> {
        let now = self.now();
        let target = PurgeTarget::Photo {
            project_id: photo.project_id,
            photo_id: photo.id,
        };
        let mut jobs = vec![JobPayload::purge(vec![target.clone()])];
        if photo.upload_expires_at > now {
            jobs.push(JobPayload::purge_at(
                vec![target],
                photo.upload_expires_at + self.settings.upload_grace,
            ));
        }
        self.ports.photos.delete_photo(photo.id, &jobs, now).await?;
        Ok(())
    }
}
