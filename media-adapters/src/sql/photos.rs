use async_trait::async_trait;
use time::OffsetDateTime;

use media_core::domain::{
    FailureReason, JobPayload, Photo, PhotoListing, PhotoMetadata, PhotoStatus,
};
use media_core::error::Result;
use media_core::ids::{PhotoId, ProjectId};
use media_core::listing::PhotoQuery;
use media_core::ports::{PhotoCreation, PhotoRepo};

use super::rows::{self, PHOTO_COLUMNS, UNDATED, bind_codes, status_in, us};
use super::{SqlStore, db_error};

pub(super) fn taken_key(t: Option<OffsetDateTime>) -> i64 {
    t.map_or(UNDATED, us)
}

/// `($1,$2,...)` placeholders starting at `first`.
pub(super) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SqlStore {
    async fn photos_where(
        &self,
        condition: &str,
        binds: &[String],
        tail: &str,
    ) -> Result<Vec<Photo>> {
        let sql = format!("SELECT {PHOTO_COLUMNS} FROM photos p WHERE {condition} {tail}");
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b.clone());
        }
        let rows = q.fetch_all(&self.pool).await.map_err(db_error)?;
        rows.iter().map(rows::photo).collect()
    }

    /// Sets a derivative's flag (`flag`, guarded by its transition), then,
    /// in the same transaction, makes the photo [`PhotoStatus::BECAME_READY`]
    /// when both flags are set, enqueuing `on_ready` only if that moved it.
    /// Two derivative jobs finishing at once: on Postgres the second's flag
    /// update waits for the first's row lock, so exactly one sees both
    /// flags; SQLite runs one writer at a time.
    async fn record_derivative<'q>(
        &self,
        id: PhotoId,
        flag: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
        on_ready: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let t = PhotoStatus::BECAME_READY;
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let recorded = flag
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected()
            == 1;
        let mut ready = false;
        if recorded {
            let sql = format!(
                "UPDATE photos SET status = $2 WHERE id = $1 AND thumbnails_done = 1 AND watermark_done = 1 AND {}",
                status_in("status", 3, t.from)
            );
            let q = sqlx::query(&sql).bind(id.to_string()).bind(t.to.as_str());
            ready = bind_codes(q, t.from)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?
                .rows_affected()
                == 1;
            if ready {
                self.insert_jobs(&mut tx, on_ready, now).await?;
            }
        }
        tx.commit().await.map_err(db_error)?;
        if ready {
            self.jobs_committed(on_ready);
        }
        Ok(recorded)
    }
}

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
            .photos_where("p.id = $1", &[id.to_string()], "")
            .await?
            .pop())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_photos(&self, query: &PhotoQuery) -> Result<Vec<PhotoListing>> {
        self.listing(query).await
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
        let sql = format!(
            "UPDATE photos SET status = $2, original_etag = $3 WHERE id = $1 AND {}",
            status_in("status", 4, t.from)
        );
        let change = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(t.to.as_str())
            .bind(etag);
        let change = bind_codes(change, t.from);
        self.change_then_enqueue(change, jobs, now).await
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
        let sql = format!(
            "UPDATE photos SET thumbnails_done = 1, width = $2, height = $3, taken_at = $4, taken_key = $5, \
             thumbhash = $6 WHERE id = $1 AND {}",
            status_in("status", 7, t.from)
        );
        let q = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(i64::from(meta.width))
            .bind(i64::from(meta.height))
            .bind(meta.taken_at.map(us))
            .bind(taken_key(meta.taken_at))
            .bind(meta.thumbhash.clone());
        self.record_derivative(id, bind_codes(q, t.from), on_ready, now)
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
        let sql = format!(
            "UPDATE photos SET watermark_done = 1 WHERE id = $1 AND {}",
            status_in("status", 2, t.from)
        );
        let q = sqlx::query(&sql).bind(id.to_string());
        self.record_derivative(id, bind_codes(q, t.from), on_ready, now)
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
        let t = PhotoStatus::FAILED;
        let sql = format!(
            "UPDATE photos SET status = $2, failure_reason = $3 WHERE id = $1 AND {}",
            status_in("status", 4, t.from)
        );
        let q = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(t.to.as_str())
            .bind(reason.as_str());
        self.change_then_enqueue(bind_codes(q, t.from), jobs, now)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn record_content(
        &self,
        id: PhotoId,
        project: ProjectId,
        sha256: &str,
    ) -> Result<Option<PhotoId>> {
        self.record_content_hash(id, project, sha256).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn photo_with_content(
        &self,
        project: ProjectId,
        sha256: &str,
    ) -> Result<Option<PhotoId>> {
        self.holder_of(project, sha256, None).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn fail_as_duplicate(
        &self,
        id: PhotoId,
        of: PhotoId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        self.fail_duplicate(id, of, jobs, now).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn reset_photo(
        &self,
        id: PhotoId,
        thumbnails: bool,
        watermark: bool,
        faces: bool,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let t = PhotoStatus::REPROCESSED;
        let sql = format!(
            "UPDATE photos SET \
               thumbnails_done = CASE WHEN $2 = 1 THEN 0 ELSE thumbnails_done END, \
               watermark_done = CASE WHEN $3 = 1 THEN 0 ELSE watermark_done END, \
               faces_done = CASE WHEN $4 = 1 THEN 0 ELSE faces_done END, \
               status = CASE WHEN $2 = 1 OR $3 = 1 THEN $5 ELSE status END, \
               failure_reason = CASE WHEN $2 = 1 OR $3 = 1 THEN NULL ELSE failure_reason END \
             WHERE id = $1 AND {}",
            status_in("status", 6, t.from)
        );
        let change = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(i64::from(thumbnails))
            .bind(i64::from(watermark))
            .bind(i64::from(faces))
            .bind(t.to.as_str());
        let change = bind_codes(change, t.from);
        self.change_then_enqueue(change, jobs, now).await
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
        self.insert_jobs(&mut tx, jobs, now).await?;
        tx.commit().await.map_err(db_error)?;
        self.jobs_committed(jobs);
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
        let sql = format!(
            "UPDATE photos SET status = $2 WHERE id = $1 AND {}",
            status_in("status", 3, t.from)
        );
        let q = sqlx::query(&sql).bind(id.to_string()).bind(t.to.as_str());
        bind_codes(q, t.from)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
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
                &[project.to_string()],
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
                &[PhotoStatus::Failed.as_str().to_owned()],
                "ORDER BY p.created_at",
            )
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect())
    }
}
