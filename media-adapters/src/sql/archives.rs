//! Archive rows (SPEC §3.13b).

use async_trait::async_trait;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use media_core::domain::{Archive, ArchiveContents, ArchiveStatus, JobPayload};
use media_core::error::{Error, Result};
use media_core::ids::{ArchiveId, ProjectId, UserId};
use media_core::ports::ArchiveRepo;

use super::binds::Binds;
use super::rows::{get, id, opt_time, time, us};
use super::{SqlStore, db_error};

const ARCHIVE_COLUMNS: &str =
    "id, user_id, project_id, status, photo_count, bytes, created_at, expires_at, matches";

fn archive(row: &AnyRow) -> Result<Archive> {
    let status: String = get(row, "status")?;
    Ok(Archive {
        id: id(row, "id")?,
        user_id: id(row, "user_id")?,
        project_id: id(row, "project_id")?,
        status: ArchiveStatus::parse(&status)
            .ok_or_else(|| Error::permanent(format!("archive status {status:?}")))?,
        photo_count: get::<Option<i64>>(row, "photo_count")?
            .map(|n| n.clamp(0, i64::from(u32::MAX)) as u32),
        bytes: get::<Option<i64>>(row, "bytes")?.map(|n| n.max(0) as u64),
        created_at: time(row, "created_at")?,
        expires_at: opt_time(row, "expires_at")?,
        matches: get(row, "matches")?,
    })
}

impl SqlStore {
    async fn building_archive(&self, a: &Archive) -> Result<Option<Archive>> {
        let row = sqlx::query(&format!(
            "SELECT {ARCHIVE_COLUMNS} FROM archives WHERE user_id = $1 AND project_id = $2 AND status = $3"
        ))
        .bind(a.user_id.to_string())
        .bind(a.project_id.to_string())
        .bind(ArchiveStatus::Building.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(archive).transpose()
    }
}

#[async_trait]
impl ArchiveRepo for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user = %a.user_id))]
    async fn start_archive(
        &self,
        a: &Archive,
        replaced: &[ArchiveId],
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<Archive> {
        // The partial unique index `archives_building` decides between two
        // requests at once; the loser reads the winner. Twice: the winner may
        // finish between the insert and the read.
        for _ in 0..2 {
            let mut tx = self.pool.begin().await.map_err(db_error)?;
            let inserted = sqlx::query(
                "INSERT INTO archives (id, user_id, project_id, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(a.id.to_string())
            .bind(a.user_id.to_string())
            .bind(a.project_id.to_string())
            .bind(ArchiveStatus::Building.as_str())
            .bind(us(a.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected()
                == 1;
            if inserted {
                for old in replaced {
                    sqlx::query(
                        "DELETE FROM archives WHERE id = $1 AND user_id = $2 AND project_id = $3",
                    )
                    .bind(old.to_string())
                    .bind(a.user_id.to_string())
                    .bind(a.project_id.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                }
                self.commit_with_jobs(tx, jobs, now).await?;
                return Ok(a.clone());
            }
            drop(tx); // nothing written: rolled back
            if let Some(building) = self.building_archive(a).await? {
                return Ok(building);
            }
        }
        Err(Error::unavailable("archives of this project kept changing"))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn ready_archives(
        &self,
        user: UserId,
        project: ProjectId,
        now: OffsetDateTime,
    ) -> Result<Vec<Archive>> {
        let rows = sqlx::query(&format!(
            "SELECT {ARCHIVE_COLUMNS} FROM archives WHERE user_id = $1 AND project_id = $2 \
             AND status = $3 AND expires_at > $4 ORDER BY created_at DESC, id DESC"
        ))
        .bind(user.to_string())
        .bind(project.to_string())
        .bind(ArchiveStatus::Ready.as_str())
        .bind(us(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(archive).collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn archive(&self, id: ArchiveId) -> Result<Option<Archive>> {
        let row = sqlx::query(&format!(
            "SELECT {ARCHIVE_COLUMNS} FROM archives WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(archive).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn finish_archive(
        &self,
        id: ArchiveId,
        contents: ArchiveContents,
        expires_at: OffsetDateTime,
    ) -> Result<bool> {
        let t = ArchiveStatus::BUILT;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE archives SET status = {to}, photo_count = {count}, bytes = {bytes}, \
             matches = {matches}, expires_at = {expires} WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            count = b.bind(i64::from(contents.photo_count)),
            bytes = b.bind(i64::try_from(contents.bytes).unwrap_or(i64::MAX)),
            matches = b.bind(contents.matches),
            expires = b.bind(us(expires_at)),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        let done = b.query(&sql)?.execute(&self.pool).await.map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn fail_archive(&self, id: ArchiveId, expires_at: OffsetDateTime) -> Result<bool> {
        let t = ArchiveStatus::FAILED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE archives SET status = {to}, expires_at = {expires} WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            expires = b.bind(us(expires_at)),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        let done = b.query(&sql)?.execute(&self.pool).await.map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn expired_archives(&self, now: OffsetDateTime, limit: u32) -> Result<Vec<Archive>> {
        let rows = sqlx::query(&format!(
            "SELECT {ARCHIVE_COLUMNS} FROM archives WHERE expires_at IS NOT NULL AND expires_at <= $1 \
             ORDER BY expires_at LIMIT {limit}"
        ))
        .bind(us(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(archive).collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn delete_archive(
        &self,
        id: ArchiveId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let q = sqlx::query("DELETE FROM archives WHERE id = $1").bind(id.to_string());
        self.change_then_enqueue(q, jobs, now).await
    }
}
