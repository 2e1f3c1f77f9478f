//! Dead-letter administration on the jobs table (`media-cli jobs`).

use async_trait::async_trait;
use sqlx::Row;
use time::OffsetDateTime;

use media_core::domain::{Job, JobCount, JobKind, JobStatus};
use media_core::error::Result;
use media_core::ids::JobId;
use media_core::ports::DeadLetters;

use super::queue::{JOB_COLUMNS, job};
use super::rows::us;
use super::{SqlStore, db_error};

#[async_trait]
impl DeadLetters for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn get(&self, id: JobId) -> Result<Option<Job>> {
        let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(job).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(&self, status: Option<JobStatus>, limit: u32) -> Result<Vec<Job>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1 IS NULL OR status = $1) ORDER BY created_at DESC, id LIMIT $2"
        ))
        .bind(status.map(JobStatus::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(job).collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn retry(&self, ids: &[JobId], now: OffsetDateTime) -> Result<u64> {
        let mut n = 0;
        for id in ids {
            let dead = sqlx::query("SELECT 1 AS one FROM jobs WHERE id = $1 AND status = 'dead'")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?
                .is_some();
            if dead {
                sqlx::query("UPDATE jobs SET attempts = 0 WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                self.requeue(*id, None, now, 0, None, now).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn settle(&self, ids: &[JobId], now: OffsetDateTime) -> Result<u64> {
        let mut n = 0;
        for id in ids {
            n += sqlx::query(
                "UPDATE jobs SET status = $2, locked_by = NULL, lease_until = NULL, updated_at = $3 \
                 WHERE id = $1 AND status = $4",
            )
            .bind(id.to_string())
            .bind(JobStatus::Done.as_str())
            .bind(us(now))
            .bind(JobStatus::Dead.as_str())
            .execute(&self.pool)
            .await
            .map_err(db_error)?
            .rows_affected();
        }
        Ok(n)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn stats(&self) -> Result<Vec<JobCount>> {
        let rows = sqlx::query("SELECT kind, status, COUNT(*) AS n FROM jobs GROUP BY kind, status ORDER BY kind, status")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter()
            .filter_map(|r| {
                let kind = JobKind::parse(&r.try_get::<String, _>("kind").ok()?)?;
                let status = JobStatus::parse(&r.try_get::<String, _>("status").ok()?)?;
                Some(Ok(JobCount {
                    kind,
                    status,
                    count: r.try_get::<i64, _>("n").ok()?.max(0) as u64,
                }))
            })
            .collect()
    }
}
