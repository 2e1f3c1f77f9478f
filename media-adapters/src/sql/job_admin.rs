//! Job administration on the jobs table: reading it (`media-cli jobs`, the
//! queue gauges), reviving and settling dead jobs, pruning.

use async_trait::async_trait;
use sqlx::Row;
use time::OffsetDateTime;

use media_core::domain::{Job, JobCount, JobKind, JobStatus};
use media_core::error::Result;
use media_core::ids::JobId;
use media_core::ports::JobAdmin;

use super::binds::Binds;
use super::queue::{JOB_COLUMNS, job};
use super::rows::{opt_time, us};
use super::{SqlStore, db_error};

#[async_trait]
impl JobAdmin for SqlStore {
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
    async fn list(&self, statuses: &[JobStatus], limit: u32) -> Result<Vec<Job>> {
        let mut b = Binds::new();
        let only = if statuses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", b.any_of("status", statuses))
        };
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs {only} ORDER BY created_at DESC, id LIMIT {limit}",
            limit = b.bind(i64::from(limit)),
        );
        let rows = b
            .query(&sql)?
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(job).collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn retry(&self, ids: &[JobId], now: OffsetDateTime) -> Result<u64> {
        let mut n = 0;
        for id in ids {
            let dead = sqlx::query("SELECT 1 AS one FROM jobs WHERE id = $1 AND status = $2")
                .bind(id.to_string())
                .bind(JobStatus::Dead.as_str())
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
    async fn expired_leases(&self, now: OffsetDateTime) -> Result<Vec<Job>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE status = $1 AND lease_until < $2 ORDER BY lease_until"
        ))
        .bind(JobStatus::Running.as_str())
        .bind(us(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(job).collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn queue_depth(&self) -> Result<Vec<JobCount>> {
        let active = [JobStatus::Queued, JobStatus::Running, JobStatus::Dead];
        let mut b = Binds::new();
        let sql = format!(
            "SELECT kind, status, COUNT(*) AS n FROM jobs WHERE {} GROUP BY kind, status ORDER BY kind, status",
            b.any_of("status", &active)
        );
        let rows = b
            .query(&sql)?
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        counts(&rows)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn oldest_due(&self, now: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
        // One probe of the (status, run_at) index the claim walks.
        let row =
            sqlx::query("SELECT MIN(run_at) AS due FROM jobs WHERE status = $1 AND run_at <= $2")
                .bind(JobStatus::Queued.as_str())
                .bind(us(now))
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
        opt_time(&row, "due")
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn prune(
        &self,
        statuses: &[JobStatus],
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64> {
        if statuses.is_empty() {
            return Ok(0);
        }
        // In batches through the (status, updated_at) index: a million-row
        // backlog goes without one long transaction holding the table.
        let mut b = Binds::new();
        let sql = format!(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE {guard} AND updated_at < {before} LIMIT {limit})",
            before = b.bind(us(before)),
            guard = b.any_of("status", statuses),
        );
        Ok(b.query(&sql)?
            .execute(&self.pool)
            .await
            .map_err(db_error)?
            .rows_affected())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn stats(&self) -> Result<Vec<JobCount>> {
        let rows = sqlx::query("SELECT kind, status, COUNT(*) AS n FROM jobs GROUP BY kind, status ORDER BY kind, status")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        counts(&rows)
    }
}

/// `(kind, status, n)` rows as counts; rows of unknown kinds are skipped.
fn counts(rows: &[sqlx::any::AnyRow]) -> Result<Vec<JobCount>> {
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
