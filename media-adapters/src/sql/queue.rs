//! The job queue in the same database as the rows it serves.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use media_core::domain::{Job, JobKind, JobPayload, JobStatus, Lane};
use media_core::error::{Error, Result};
use media_core::ids::{JobId, PhotoId, ProjectId};
use media_core::ports::JobQueue;

use super::binds::Binds;
use super::rows::{get, id, time, us};
use super::{Backend, JOB_CHANNEL, SqlStore, db_error};

pub(super) const JOB_COLUMNS: &str =
    "id, payload, status, attempts, max_attempts, last_error, run_at, created_at";

pub(super) fn job(row: &AnyRow) -> Result<Job> {
    let payload: String = get(row, "payload")?;
    let status: String = get(row, "status")?;
    Ok(Job {
        id: id(row, "id")?,
        payload: JobPayload::from_json(&payload)
            .map_err(|e| Error::permanent(format!("job payload: {e}")))?,
        status: JobStatus::parse(&status)
            .ok_or_else(|| Error::permanent(format!("job status {status:?}")))?,
        attempts: get::<i64>(row, "attempts")?.clamp(0, i64::from(u32::MAX)) as u32,
        max_attempts: get::<i64>(row, "max_attempts")?.clamp(0, i64::from(u32::MAX)) as u32,
        last_error: get(row, "last_error")?,
        run_at: time(row, "run_at")?,
        created_at: time(row, "created_at")?,
    })
}

/// `{table}.id = $i AND ($w IS NULL OR {table}.locked_by = $w)`: job `id`,
/// when held by `worker` if one is named.
fn held<'q>(b: &mut Binds<'q>, table: &str, id: JobId, worker: Option<&'q str>) -> String {
    let (id, worker) = (b.bind(id.to_string()), b.bind(worker));
    format!("{table}.id = {id} AND ({worker} IS NULL OR {table}.locked_by = {worker})")
}

impl SqlStore {
    /// Inserts jobs on `conn` (a transaction's connection, so they commit with
    /// the state change). A job whose dedup key is already queued is dropped.
    pub async fn insert_jobs(
        &self,
        conn: &mut AnyConnection,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()> {
        for payload in jobs {
            // The core says whether a queued job with the same dedup key is
            // kept (it will do this work) or takes this one's payload and
            // due time (an erasure's purge: the newer covers the older). The
            // target names `jobs_dedup`, whose predicate this repeats.
            let on_conflict = if payload.replaces_queued() {
                format!(
                    "ON CONFLICT (dedup_key) WHERE status = '{}' AND dedup_key IS NOT NULL \
                     DO UPDATE SET payload = excluded.payload, run_at = excluded.run_at, \
                     updated_at = excluded.updated_at",
                    JobStatus::Queued.as_str()
                )
            } else {
                "ON CONFLICT DO NOTHING".to_owned()
            };
            let mut b = Binds::new();
            let sql = format!(
                "INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, run_at, dedup_key, \
                 created_at, updated_at, project_id, lane) \
                 VALUES ({id}, {kind}, {payload}, {queued}, 0, {max}, {run_at}, {dedup}, {now}, {now}, {project}, {lane}) \
                 {on_conflict}",
                id = b.bind(JobId::new().to_string()),
                kind = b.bind(payload.kind().as_str()),
                payload = b.bind(payload.to_json()),
                queued = b.bind(JobStatus::Queued.as_str()),
                max = b.bind(i64::from(self.max_attempts)),
                run_at = b.bind(us(payload.due_at(now))),
                dedup = b.bind(payload.dedup_key()),
                now = b.bind(us(now)),
                project = b.bind(payload.project_id().map(|p| p.to_string())),
                // The core's lane of the kind, written once: a claim orders by it.
                lane = b.bind(i32::from(Lane::of(payload.kind()).rank())),
            );
            b.query(&sql)?.execute(&mut *conn).await.map_err(db_error)?;
        }
        if !jobs.is_empty() && self.backend == Backend::Postgres {
            // Delivered at commit, to every listening process.
            sqlx::query("SELECT pg_notify($1, '')")
                .bind(JOB_CHANNEL)
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
        }
        Ok(())
    }

    /// Runs `change` and, when it touched a row, enqueues `jobs` in the same
    /// transaction. True when the change applied.
    pub(crate) async fn change_then_enqueue<'q>(
        &self,
        change: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let changed = change
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected()
            > 0;
        if changed {
            self.insert_jobs(&mut tx, jobs, now).await?;
        }
        tx.commit().await.map_err(db_error)?;
        if changed {
            self.jobs_committed(jobs);
        }
        Ok(changed)
    }

    /// Wakes this process's idle workers (call after a commit that enqueued).
    /// Writes `jobs` in the change's transaction `tx`, commits, and wakes
    /// the workers: the one end of every state change that queues work.
    pub(crate) async fn commit_with_jobs(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()> {
        self.insert_jobs(&mut tx, jobs, now).await?;
        tx.commit().await.map_err(db_error)?;
        self.jobs_committed(jobs);
        Ok(())
    }

    pub(crate) fn jobs_committed(&self, jobs: &[JobPayload]) {
        if !jobs.is_empty() {
            self.wake.signal();
        }
    }

    /// Moves a job back to `queued`. A dedup-keyed job whose key is already
    /// queued again is finished instead: the queued one does its work.
    pub(super) async fn requeue(
        &self,
        id: JobId,
        worker: Option<&str>,
        run_at: OffsetDateTime,
        attempts_delta: i64,
        error: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let mut b = Binds::new();
        let sql = format!(
            "SELECT 1 AS one FROM jobs j WHERE {owner} AND j.dedup_key IS NOT NULL AND EXISTS \
             (SELECT 1 FROM jobs q WHERE q.dedup_key = j.dedup_key AND q.status = {queued} AND q.id <> j.id)",
            owner = held(&mut b, "j", id, worker),
            queued = b.bind(JobStatus::Queued.as_str()),
        );
        let dup = b
            .query(&sql)?
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .is_some();
        let mut b = Binds::new();
        let owner = held(&mut b, "jobs", id, worker);
        let sql = if dup {
            format!(
                "UPDATE jobs SET status = {done}, locked_by = NULL, lease_until = NULL, \
                 last_error = 'coalesced into a queued job', updated_at = {now} WHERE {owner}",
                done = b.bind(JobStatus::Done.as_str()),
                now = b.bind(us(now)),
            )
        } else {
            format!(
                "UPDATE jobs SET status = {queued}, locked_by = NULL, lease_until = NULL, run_at = {run_at}, \
                 attempts = attempts + {delta}, last_error = COALESCE({error}, last_error), updated_at = {now} \
                 WHERE {owner}",
                queued = b.bind(JobStatus::Queued.as_str()),
                run_at = b.bind(us(run_at)),
                delta = b.bind(attempts_delta),
                error = b.bind(error),
                now = b.bind(us(now)),
            )
        };
        b.query(&sql)?.execute(&mut *tx).await.map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        self.wake.signal();
        Ok(())
    }
}

#[async_trait]
impl JobQueue for SqlStore {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn enqueue(&self, jobs: &[JobPayload], now: OffsetDateTime) -> Result<()> {
        let tx = self.pool.begin().await.map_err(db_error)?;
        self.commit_with_jobs(tx, jobs, now).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn claim_in(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        lanes: &[Lane],
    ) -> Result<Option<Job>> {
        if lanes.is_empty() {
            return Ok(None);
        }
        // Due: running with an expired lease on an attempt that may still be
        // retried (its work was under way), else queued and due in the first
        // of `lanes` that has one. One statement, so two claimers can never
        // take the same job: Postgres skips rows another claimer has locked,
        // SQLite runs one writer at a time. COALESCE stops at the first
        // subquery that finds a job: each is one probe of `jobs_lane_due`
        // (status, lane, run_at, created_at), whatever the backlog.
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let mut b = Binds::new();
        let worker = b.bind(worker);
        let lease_until = b.bind(us(now + lease));
        let now = b.bind(us(now));
        let running = b.bind(JobStatus::Running.as_str());
        let queued = b.bind(JobStatus::Queued.as_str());
        let allowed = b.list(lanes.iter().map(|l| i32::from(l.rank())));
        let mut candidates = vec![format!(
            "(SELECT id FROM jobs WHERE status = {running} AND lease_until < {now} \
               AND attempts < max_attempts AND lane IN ({allowed}) ORDER BY lease_until LIMIT 1 {lock})"
        )];
        for lane in lanes {
            let lane = b.bind(i32::from(lane.rank()));
            candidates.push(format!(
                "(SELECT id FROM jobs WHERE status = {queued} AND lane = {lane} AND run_at <= {now} \
                   ORDER BY run_at, created_at LIMIT 1 {lock})"
            ));
        }
        let sql = format!(
            "UPDATE jobs SET status = {running}, attempts = attempts + 1, locked_by = {worker}, \
             lease_until = {lease_until}, updated_at = {now}, started_at = {now} \
             WHERE id = COALESCE({candidates}) \
             RETURNING {JOB_COLUMNS}",
            candidates = candidates.join(", "),
        );
        let row = b
            .query(&sql)?
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(job).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn heartbeat(
        &self,
        id: JobId,
        worker: &str,
        lease_until: OffsetDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND locked_by = $2 AND status = $4",
        )
        .bind(id.to_string())
        .bind(worker)
        .bind(us(lease_until))
        .bind(JobStatus::Running.as_str())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn complete(
        &self,
        id: JobId,
        worker: &str,
        then: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE jobs SET status = {done}, locked_by = NULL, lease_until = NULL, updated_at = {now} \
             WHERE id = {id} AND locked_by = {worker} AND status = {running}",
            done = b.bind(JobStatus::Done.as_str()),
            now = b.bind(us(now)),
            id = b.bind(id.to_string()),
            worker = b.bind(worker.to_owned()),
            running = b.bind(JobStatus::Running.as_str()),
        );
        self.change_then_enqueue(b.query(&sql)?, then, now).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<()> {
        // Errors can be long (an HTML error page): keep the start.
        let error: String = error.chars().take(2000).collect();
        match retry_at {
            Some(at) => {
                self.requeue(id, Some(worker), at, 0, Some(&error), now)
                    .await
            }
            None => {
                sqlx::query(
                    "UPDATE jobs SET status = $5, locked_by = NULL, lease_until = NULL, last_error = $3, updated_at = $4 \
                     WHERE id = $1 AND locked_by = $2",
                )
                .bind(id.to_string())
                .bind(worker)
                .bind(error)
                .bind(us(now))
                .bind(JobStatus::Dead.as_str())
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                Ok(())
            }
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn release(&self, id: JobId, worker: &str, run_at: OffsetDateTime) -> Result<()> {
        self.requeue(id, Some(worker), run_at, -1, None, run_at)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn reap_expired(&self, now: OffsetDateTime) -> Result<Vec<Job>> {
        let rows = sqlx::query(&format!(
            "UPDATE jobs SET status = $2, locked_by = NULL, lease_until = NULL, \
             last_error = 'lease expired on the last attempt', updated_at = $1 \
             WHERE status = $3 AND lease_until < $1 AND attempts >= max_attempts \
             RETURNING {JOB_COLUMNS}"
        ))
        .bind(us(now))
        .bind(JobStatus::Dead.as_str())
        .bind(JobStatus::Running.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(job).collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn photo_has_job(
        &self,
        project: ProjectId,
        photo: PhotoId,
        kinds: &[JobKind],
        statuses: &[JobStatus],
    ) -> Result<bool> {
        if kinds.is_empty() || statuses.is_empty() {
            return Ok(false);
        }
        // The project's jobs through `jobs_project_due` (project_id, status,
        // run_at); the photo's id is in the payload of its jobs.
        let mut b = Binds::new();
        let sql = format!(
            "SELECT 1 AS one FROM jobs WHERE project_id = {project} AND {statuses} AND {kinds} \
             AND payload LIKE {photo} LIMIT 1",
            project = b.bind(project.to_string()),
            statuses = b.any_of("status", statuses),
            kinds = b.any_of("kind", kinds),
            photo = b.bind(format!("%\"photo_id\":\"{photo}\"%")),
        );
        let row = b
            .query(&sql)?
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.is_some())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    fn work_epoch(&self) -> u64 {
        self.wake.epoch()
    }

    async fn wait_for_work(&self, since: u64, max: Duration) {
        self.wake.wait(since, max).await;
    }
}
