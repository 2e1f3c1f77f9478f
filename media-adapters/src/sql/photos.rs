//! Photos: creation, the guarded moves between statuses, look-ups.

use async_trait::async_trait;
use time::OffsetDateTime;

use media_core::domain::{
    FailureReason, JobPayload, Photo, PhotoListing, PhotoMetadata, PhotoStatus,
};
use media_core::error::{Error, Result};
use media_core::ids::{PhotoId, ProjectId};
use media_core::listing::PhotoQuery;
use media_core::ports::{PhotoCreation, PhotoRepo, PhotoReset};

use super::binds::Binds;
use super::listing;
use super::photo_changes::taken_key;
use super::rows::{self, PHOTO_COLUMNS, id as id_of, us};
use super::{SqlStore, db_error};

#[async_trait]
impl PhotoRepo for SqlStore {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn create_photo_if_assigned(&self, p: &Photo) -> Result<PhotoCreation> {
        let done = sqlx::query(
            "INSERT INTO photos (id, project_id, photographer_id, status, taken_at, taken_key, width, height, \
             created_at, upload_expires_at, failure_reason, thumbnails_done, watermark_done, faces_done, operator_id) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, pr.operator_id \
             FROM projects pr WHERE pr.id = $2 \
             AND EXISTS (SELECT 1 FROM project_photographers WHERE project_id = $2 AND photographer_id = $3)",
        )
        .bind(p.id.to_string())
        .bind(p.project_id.to_string())
        .bind(p.photographer_id.to_string())
        .bind(p.status.as_str())
        .bind(p.taken_at.map(us))
        .bind(taken_key(p.taken_at))
        .bind(p.width.map(i64::from))
        .bind(p.height.map(i64::from))
        .bind(us(p.created_at))
        .bind(us(p.upload_expires_at))
        .bind(p.failure_reason.map(FailureReason::as_str))
        .bind(i64::from(p.thumbnails_done))
        .bind(i64::from(p.watermark_done))
        .bind(i64::from(p.faces_done))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(if done.rows_affected() == 1 {
            PhotoCreation::Created
        } else {
            PhotoCreation::NotAssigned
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn photo(&self, id: PhotoId) -> Result<Option<Photo>> {
        Ok(self
            .photos_where("p.id = $1", &id.to_string(), "")
            .await?
            .pop())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_photos(&self, query: &PhotoQuery) -> Result<Vec<PhotoListing>> {
        let Some(page) = listing::statement(query) else {
            return Ok(Vec::new());
        };
        let rows = page
            .binds
            .query(&page.sql)?
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(listing::row).collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn mark_photo_uploaded(
        &self,
        id: PhotoId,
        etag: Option<String>,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let t = PhotoStatus::UPLOAD_ARRIVED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE photos SET status = {to}, original_etag = {etag} WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            etag = b.bind(etag),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        self.change_then_enqueue(b.query(&sql)?, jobs, now).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn record_thumbnails(
        &self,
        id: PhotoId,
        meta: &PhotoMetadata,
        on_ready: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let t = PhotoStatus::DERIVATIVE_RECORDED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE photos SET thumbnails_done = 1, width = {width}, height = {height}, taken_at = {taken_at}, \
             taken_key = {taken_key}, thumbhash = {thumbhash} WHERE id = {id} AND {guard}",
            width = b.bind(i64::from(meta.width)),
            height = b.bind(i64::from(meta.height)),
            taken_at = b.bind(meta.taken_at.map(us)),
            taken_key = b.bind(taken_key(meta.taken_at)),
            thumbhash = b.bind(meta.thumbhash.clone()),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        self.record_derivative(id, b.query(&sql)?, on_ready, now)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn record_watermark(
        &self,
        id: PhotoId,
        on_ready: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let t = PhotoStatus::DERIVATIVE_RECORDED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE photos SET watermark_done = 1 WHERE id = {id} AND {guard}",
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        self.record_derivative(id, b.query(&sql)?, on_ready, now)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn fail_photo(
        &self,
        id: PhotoId,
        reason: FailureReason,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        self.fail_with(id, reason, None, jobs, now).await
    }

    // Duplicate uploads (SPEC §4): originals' SHA-256 per project, behind
    // the unique index `photos_content`, so one photo at most holds a hash.
    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn record_content(
        &self,
        id: PhotoId,
        project: ProjectId,
        sha256: &str,
    ) -> Result<Option<PhotoId>> {
        if let Some(first) = self
            .photo_with_content(project, sha256)
            .await?
            .filter(|&holder| holder != id)
        {
            return Ok(Some(first));
        }
        let recorded = sqlx::query("UPDATE photos SET content_sha256 = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(sha256)
            .execute(&self.pool)
            .await;
        match recorded {
            Ok(_) => Ok(None),
            // Another photo recorded the same bytes between the look-up and
            // the update: the retry finds it.
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Err(Error::Unavailable(
                "another photo recorded the same bytes at the same time".into(),
            )),
            Err(e) => Err(db_error(e)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn photo_with_content(
        &self,
        project: ProjectId,
        sha256: &str,
    ) -> Result<Option<PhotoId>> {
        let row =
            sqlx::query("SELECT id FROM photos WHERE project_id = $1 AND content_sha256 = $2")
                .bind(project.to_string())
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
        row.as_ref().map(|r| id_of(r, "id")).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn fail_as_duplicate(
        &self,
        id: PhotoId,
        of: PhotoId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        self.fail_with(id, FailureReason::Duplicate, Some(of), jobs, now)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn reset_photo(
        &self,
        id: PhotoId,
        reset: PhotoReset,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let t = PhotoStatus::REPROCESSED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE photos SET \
               thumbnails_done = CASE WHEN {th} = 1 THEN 0 ELSE thumbnails_done END, \
               watermark_done = CASE WHEN {wm} = 1 THEN 0 ELSE watermark_done END, \
               faces_done = CASE WHEN {faces} = 1 THEN 0 ELSE faces_done END, \
               status = CASE WHEN {th} = 1 OR {wm} = 1 THEN {to} ELSE status END, \
               failure_reason = CASE WHEN {th} = 1 OR {wm} = 1 THEN NULL ELSE failure_reason END \
             WHERE id = {id} AND {guard}",
            th = b.bind(i64::from(reset.thumbnails)),
            wm = b.bind(i64::from(reset.watermark)),
            faces = b.bind(i64::from(reset.faces)),
            to = b.bind(t.to.as_str()),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        self.change_then_enqueue(b.query(&sql)?, jobs, now).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn delete_photo(
        &self,
        id: PhotoId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // The row first: on Postgres this waits for a `store_faces` holding
        // it, so the faces and matches deleted next include what it stored.
        let deleted = sqlx::query("DELETE FROM photos WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected()
            == 1;
        for sql in [
            "DELETE FROM matches WHERE photo_id = $1",
            "DELETE FROM match_suppressions WHERE photo_id = $1",
            "DELETE FROM faces WHERE photo_id = $1",
        ] {
            sqlx::query(sql)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        // The purge is enqueued even when the row was already gone: objects
        // written late by a racing job must not outlive the photo.
        self.commit_with_jobs(tx, jobs, now).await?;
        Ok(deleted)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn pending_photo_uploads(
        &self,
        issued_before: OffsetDateTime,
        after: Option<(OffsetDateTime, PhotoId)>,
        limit: u32,
    ) -> Result<Vec<Photo>> {
        let sql = format!(
            "SELECT {PHOTO_COLUMNS} FROM photos p WHERE p.status = $2 AND p.created_at < $1 \
             AND (p.created_at > $3 OR (p.created_at = $3 AND p.id > $4)) \
             ORDER BY p.created_at, p.id LIMIT {limit}"
        );
        // No cursor: from before the first row.
        let (t, id) = after.map_or((i64::MIN, String::new()), |(t, id)| (us(t), id.to_string()));
        let rows = sqlx::query(&sql)
            .bind(us(issued_before))
            .bind(PhotoStatus::AwaitingUpload.as_str())
            .bind(t)
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(rows::photo).collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn expire_photo(&self, id: PhotoId) -> Result<()> {
        let t = PhotoStatus::EXPIRED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE photos SET status = {to} WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        b.query(&sql)?.execute(&self.pool).await.map_err(db_error)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn expired_photos(&self, before: OffsetDateTime) -> Result<Vec<Photo>> {
        let rows = sqlx::query(&format!(
            "SELECT {PHOTO_COLUMNS} FROM photos p WHERE p.status = $2 AND p.upload_expires_at < $1"
        ))
        .bind(us(before))
        .bind(PhotoStatus::Expired.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(rows::photo).collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(project = %project))]
    async fn photos_of_project(&self, project: ProjectId) -> Result<Vec<PhotoId>> {
        Ok(self
            .photos_where(
                "p.project_id = $1",
                &project.to_string(),
                "ORDER BY p.created_at",
            )
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn photos_with_status(
        &self,
        status: PhotoStatus,
        after: Option<PhotoId>,
        limit: u32,
    ) -> Result<Vec<Photo>> {
        let after = after.map_or_else(String::new, |id| id.to_string());
        let sql = format!(
            "SELECT {PHOTO_COLUMNS} FROM photos p WHERE p.status = $1 AND p.id > $2 ORDER BY p.id LIMIT {limit}"
        );
        let rows = sqlx::query(&sql)
            .bind(status.as_str())
            .bind(after)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(rows::photo).collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn failed_photos(&self) -> Result<Vec<PhotoId>> {
        Ok(self
            .photos_where(
                "p.status = $1",
                PhotoStatus::Failed.as_str(),
                "ORDER BY p.created_at",
            )
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect())
    }
}
