//! Duplicate uploads (SPEC §4): originals' SHA-256 per project, behind the
//! unique index `photos_content`. The `PhotoRepo` methods delegate here.

use time::OffsetDateTime;

use media_core::Error;
use media_core::domain::{FailureReason, JobPayload, PhotoStatus};
use media_core::error::Result;
use media_core::ids::{PhotoId, ProjectId};

use super::rows::{bind_codes, id, status_in};
use super::{SqlStore, db_error};

impl SqlStore {
    pub(super) async fn record_content_hash(
        &self,
        photo: PhotoId,
        project: ProjectId,
        sha256: &str,
    ) -> Result<Option<PhotoId>> {
        if let Some(first) = self.holder_of(project, sha256, Some(photo)).await? {
            return Ok(Some(first));
        }
        let recorded = sqlx::query("UPDATE photos SET content_sha256 = $2 WHERE id = $1")
            .bind(photo.to_string())
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

    /// The project's photo holding `sha256`, other than `except`.
    pub(super) async fn holder_of(
        &self,
        project: ProjectId,
        sha256: &str,
        except: Option<PhotoId>,
    ) -> Result<Option<PhotoId>> {
        let row = sqlx::query(
            "SELECT id FROM photos WHERE project_id = $1 AND content_sha256 = $2 AND id <> $3",
        )
        .bind(project.to_string())
        .bind(sha256)
        .bind(except.map(|p| p.to_string()).unwrap_or_default())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(|r| id(r, "id")).transpose()
    }

    pub(super) async fn fail_duplicate(
        &self,
        photo: PhotoId,
        of: PhotoId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let t = PhotoStatus::FAILED;
        let sql = format!(
            "UPDATE photos SET status = $2, failure_reason = $3, duplicate_of = $4 WHERE id = $1 AND {}",
            status_in("status", 5, t.from)
        );
        let q = sqlx::query(&sql)
            .bind(photo.to_string())
            .bind(t.to.as_str())
            .bind(FailureReason::Duplicate.as_str())
            .bind(of.to_string());
        self.change_then_enqueue(bind_codes(q, t.from), jobs, now)
            .await
    }
}
