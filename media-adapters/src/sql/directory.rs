use async_trait::async_trait;
use time::OffsetDateTime;

use media_core::domain::{
    JobPayload, JobStatus, Operator, PhotoStatus, Photographer, Project, ProjectStats, SelfieStatus,
};
use media_core::error::Result;
use media_core::ids::{OperatorId, PhotographerId, ProjectId, UserId};
use media_core::ports::DirectoryRepo;

use super::rows::{get, id, opt_time, us};
use super::{SqlStore, db_error};

impl SqlStore {
    /// `(id, name)` of the row `sql` selects, if any.
    async fn named<T: From<uuid::Uuid>>(
        &self,
        sql: &str,
        arg: String,
    ) -> Result<Option<(T, String)>> {
        sqlx::query(sql)
            .bind(arg)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
            .map(|r| Ok((id(&r, "id")?, get(&r, "name")?)))
            .transpose()
    }

    async fn exists(&self, sql: &str, a: String, b: Option<String>) -> Result<bool> {
        let mut q = sqlx::query(sql).bind(a);
        if let Some(b) = b {
            q = q.bind(b);
        }
        Ok(q.fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
            .is_some())
    }

    async fn ids<T: From<uuid::Uuid>>(&self, sql: &str, arg: String) -> Result<Vec<T>> {
        sqlx::query(sql)
            .bind(arg)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| id(r, "id"))
            .collect()
    }
}

/// A project's counts (SPEC §3.13c), each a subquery led by the project.
const STATS: &str = "SELECT \
       (SELECT COUNT(*) FROM faces WHERE project_id = $1) AS faces, \
       (SELECT COUNT(*) FROM project_members WHERE project_id = $1) AS members, \
       (SELECT COUNT(*) FROM project_members m WHERE m.project_id = $1 AND EXISTS \
          (SELECT 1 FROM selfies s WHERE s.user_id = m.user_id AND s.status = $2)) AS approved, \
       (SELECT COUNT(DISTINCT user_id) FROM matches WHERE project_id = $1) AS matched, \
       (SELECT COUNT(*) FROM matches WHERE project_id = $1) AS matches, \
       (SELECT COUNT(*) FROM match_suppressions WHERE project_id = $1) AS suppressed, \
       (SELECT run_at FROM jobs WHERE project_id = $1 AND status = $3 AND run_at <= $4 \
          ORDER BY run_at LIMIT 1) AS oldest";

/// A project's photos by status, through `photos_listing` (led by the project).
const PHOTOS_BY_STATUS: &str =
    "SELECT status, COUNT(*) AS n FROM photos WHERE project_id = $1 GROUP BY status";

fn stats_query(
    sql: &str,
    project: ProjectId,
    now: OffsetDateTime,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(sql)
        .bind(project.to_string())
        .bind(SelfieStatus::Approved.as_str())
        .bind(JobStatus::Queued.as_str())
        .bind(us(now))
}

impl SqlStore {
    /// The plans Postgres picks for the two statements of `project_stats`,
    /// as `EXPLAIN` prints them (tests check that no table is scanned whole).
    #[cfg(feature = "testing")]
    pub async fn explain_stats(&self, project: ProjectId, now: OffsetDateTime) -> Result<String> {
        let counts = format!("EXPLAIN {STATS}");
        let mut lines = Vec::new();
        for row in stats_query(&counts, project, now)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?
        {
            lines.push(get::<String>(&row, "QUERY PLAN")?);
        }
        let by_status = format!("EXPLAIN {PHOTOS_BY_STATUS}");
        for row in sqlx::query(&by_status)
            .bind(project.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?
        {
            lines.push(get::<String>(&row, "QUERY PLAN")?);
        }
        Ok(lines.join("\n"))
    }
}

#[async_trait]
impl DirectoryRepo for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(project = %project))]
    async fn project(&self, project: ProjectId) -> Result<Option<Project>> {
        let row =
            sqlx::query("SELECT id, name, operator_id, watermark_text FROM projects WHERE id = $1")
                .bind(project.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
        row.map(|r| {
            Ok(Project {
                id: id(&r, "id")?,
                name: get(&r, "name")?,
                operator_id: id(&r, "operator_id")?,
                watermark_text: get(&r, "watermark_text")?,
            })
        })
        .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(project = %project))]
    async fn is_assigned(&self, project: ProjectId, photographer: PhotographerId) -> Result<bool> {
        self.exists(
            "SELECT 1 AS one FROM project_photographers WHERE project_id = $1 AND photographer_id = $2",
            project.to_string(),
            Some(photographer.to_string()),
        )
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn is_member(&self, project: ProjectId, user: UserId) -> Result<bool> {
        self.exists(
            "SELECT 1 AS one FROM project_members WHERE project_id = $1 AND user_id = $2",
            project.to_string(),
            Some(user.to_string()),
        )
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn projects_of_user(&self, user: UserId) -> Result<Vec<ProjectId>> {
        self.ids(
            "SELECT project_id AS id FROM project_members WHERE user_id = $1 ORDER BY project_id",
            user.to_string(),
        )
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_operator(&self, o: &Operator) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO operators (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(o.id.to_string())
        .bind(&o.name)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_photographer(&self, p: &Photographer) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO photographers (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(p.id.to_string())
        .bind(&p.name)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_project(&self, p: &Project) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO projects (id, name, operator_id, watermark_text) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(p.id.to_string())
        .bind(&p.name)
        .bind(p.operator_id.to_string())
        .bind(p.watermark_text.clone())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn operator(&self, id: OperatorId) -> Result<Option<Operator>> {
        self.named(
            "SELECT id, name FROM operators WHERE id = $1",
            id.to_string(),
        )
        .await
        .map(|row| row.map(|(id, name)| Operator { id, name }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn photographer(&self, id: PhotographerId) -> Result<Option<Photographer>> {
        self.named(
            "SELECT id, name FROM photographers WHERE id = $1",
            id.to_string(),
        )
        .await
        .map(|row| row.map(|(id, name)| Photographer { id, name }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(project = %project))]
    async fn assign(&self, project: ProjectId, photographer: PhotographerId) -> Result<()> {
        sqlx::query(
            "INSERT INTO project_photographers (project_id, photographer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(project.to_string())
        .bind(photographer.to_string())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn join(
        &self,
        project: ProjectId,
        user: UserId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let change = sqlx::query(
            "INSERT INTO project_members (project_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(project.to_string())
        .bind(user.to_string());
        self.change_then_enqueue(change, jobs, now).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn operator_exists(&self, operator: OperatorId) -> Result<bool> {
        self.exists(
            "SELECT 1 AS one FROM operators WHERE id = $1",
            operator.to_string(),
            None,
        )
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn photographer_exists(&self, photographer: PhotographerId) -> Result<bool> {
        self.exists(
            "SELECT 1 AS one FROM photographers WHERE id = $1",
            photographer.to_string(),
            None,
        )
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(project = %project))]
    async fn project_stats(&self, project: ProjectId, now: OffsetDateTime) -> Result<ProjectStats> {
        // One round trip of per-project counts, each through an index led by
        // the project (faces' key, project_members' key, matches_project_user,
        // match_suppressions_project, jobs_project_due; approved selfies by
        // selfies_user per member), then the photos by status through
        // photos_listing.
        let row = stats_query(STATS, project, now)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        let count = |col: &str| -> Result<u64> { Ok(get::<i64>(&row, col)?.max(0) as u64) };
        let by_status = sqlx::query(PHOTOS_BY_STATUS)
            .bind(project.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| {
                let code: String = get(r, "status")?;
                let status = PhotoStatus::parse(&code).ok_or_else(|| {
                    media_core::Error::permanent(format!("unknown photo status {code:?}"))
                })?;
                Ok((status, get::<i64>(r, "n")?.max(0) as u64))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut stats = ProjectStats::default();
        stats.photos_by_status = by_status;
        stats.faces = count("faces")?;
        stats.members = count("members")?;
        stats.members_with_approved_selfie = count("approved")?;
        stats.members_matched = count("matched")?;
        stats.matches = count("matches")?;
        stats.suppressed_matches = count("suppressed")?;
        stats.oldest_due_job = opt_time(&row, "oldest")?;
        Ok(stats)
    }
}
