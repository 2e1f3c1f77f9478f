use async_trait::async_trait;
use time::OffsetDateTime;

use media_core::domain::{JobPayload, Operator, Photographer, Project};
use media_core::error::Result;
use media_core::ids::{OperatorId, PhotographerId, ProjectId, UserId};
use media_core::ports::DirectoryRepo;

use super::rows::{get, id};
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
}
