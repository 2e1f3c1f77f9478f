use async_trait::async_trait;
use time::OffsetDateTime;

use media_core::domain::{FaceMatch, JobPayload, MatchedPhoto, PhotoFace};
use media_core::error::Result;
use media_core::ids::{PhotoId, ProjectId, SelfieId, UserId};
use media_core::ports::FaceRepo;

use super::rows::{embedding_bytes, embedding_of, flag, get, id, opt_time};
use super::{Backend, SqlStore, db_error};

#[async_trait]
impl FaceRepo for SqlStore {
    async fn store_faces(
        &self,
        photo: PhotoId,
        embeddings: &[Vec<f32>],
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let Some(row) = sqlx::query("SELECT project_id FROM photos WHERE id = $1")
            .bind(photo.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
        else {
            return Ok(()); // deleted meanwhile
        };
        let project: String = get(&row, "project_id")?;
        sqlx::query("DELETE FROM faces WHERE photo_id = $1")
            .bind(photo.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        if !embeddings.is_empty() {
            // Taking the numbers under the project row's lock makes them
            // commit in order per project: a reader that has seen face n has
            // seen every face before it, so progress can be a single number.
            let n = embeddings.len() as i64;
            let end: i64 = get(
                &sqlx::query(
                    "UPDATE projects SET face_seq = face_seq + $2 WHERE id = $1 RETURNING face_seq",
                )
                .bind(&project)
                .bind(n)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?,
                "face_seq",
            )?;
            for (i, e) in embeddings.iter().enumerate() {
                sqlx::query("INSERT INTO faces (project_id, seq, photo_id, embedding) VALUES ($1, $2, $3, $4)")
                    .bind(&project)
                    .bind(end - n + 1 + i as i64)
                    .bind(photo.to_string())
                    .bind(embedding_bytes(e))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
            }
        }
        sqlx::query("UPDATE photos SET faces_done = 1 WHERE id = $1")
            .bind(photo.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        self.insert_jobs(&mut tx, jobs, now).await?;
        tx.commit().await.map_err(db_error)?;
        self.jobs_committed(jobs);
        Ok(())
    }

    async fn faces_after(
        &self,
        project: ProjectId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PhotoFace>> {
        let rows = sqlx::query(&format!(
            "SELECT seq, photo_id AS id, embedding FROM faces WHERE project_id = $1 AND seq > $2 ORDER BY seq LIMIT {limit}"
        ))
        .bind(project.to_string())
        .bind(after)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(PhotoFace {
                    seq: get(r, "seq")?,
                    photo_id: id(r, "id")?,
                    embedding: embedding_of(&get::<Vec<u8>>(r, "embedding")?),
                })
            })
            .collect()
    }

    async fn match_progress(
        &self,
        project: ProjectId,
        user: UserId,
        selfie: SelfieId,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT through_seq FROM match_progress WHERE project_id = $1 AND user_id = $2 AND selfie_id = $3",
        )
        .bind(project.to_string())
        .bind(user.to_string())
        .bind(selfie.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.map_or(Ok(0), |r| get(&r, "through_seq"))
    }

    async fn record_matches(
        &self,
        project: ProjectId,
        user: UserId,
        selfie: SelfieId,
        matches: &[FaceMatch],
        through_seq: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let lock = if self.backend == Backend::Postgres {
            "FOR UPDATE"
        } else {
            ""
        };
        let current = sqlx::query(&format!(
            "SELECT 1 AS one FROM selfies WHERE id = $1 AND user_id = $2 AND status = 'approved' {lock}"
        ))
        .bind(selfie.to_string())
        .bind(user.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        .is_some();
        if !current {
            return Ok(()); // replaced or erased meanwhile: these matches are stale
        }
        for m in matches {
            sqlx::query(
                "INSERT INTO matches (user_id, photo_id, project_id, distance) \
                 SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM photos WHERE id = $2) \
                 ON CONFLICT (user_id, photo_id) DO UPDATE SET distance = excluded.distance \
                 WHERE excluded.distance < matches.distance",
            )
            .bind(user.to_string())
            .bind(m.photo_id.to_string())
            .bind(project.to_string())
            .bind(f64::from(m.distance))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        sqlx::query(
            "INSERT INTO match_progress (project_id, user_id, selfie_id, through_seq) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (project_id, user_id) DO UPDATE SET selfie_id = excluded.selfie_id, \
             through_seq = excluded.through_seq",
        )
        .bind(project.to_string())
        .bind(user.to_string())
        .bind(selfie.to_string())
        .bind(through_seq)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }

    async fn matched_photos(&self, project: ProjectId, user: UserId) -> Result<Vec<MatchedPhoto>> {
        let rows = sqlx::query(
            "SELECT m.photo_id AS id, p.project_id, p.taken_at, m.distance, p.thumbnails_done, p.watermark_done \
             FROM matches m JOIN photos p ON p.id = m.photo_id \
             WHERE m.project_id = $1 AND m.user_id = $2 \
             ORDER BY p.taken_key DESC, p.created_at DESC, p.id DESC",
        )
        .bind(project.to_string())
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(MatchedPhoto {
                    photo_id: id(r, "id")?,
                    project_id: id(r, "project_id")?,
                    taken_at: opt_time(r, "taken_at")?,
                    distance: get::<f64>(r, "distance")? as f32,
                    thumbnails_done: flag(r, "thumbnails_done")?,
                    watermark_done: flag(r, "watermark_done")?,
                })
            })
            .collect()
    }

    async fn matches_of_user(&self, user: UserId) -> Result<Vec<FaceMatch>> {
        let rows = sqlx::query(
            "SELECT user_id, photo_id, project_id, distance FROM matches WHERE user_id = $1",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(FaceMatch {
                    user_id: id(r, "user_id")?,
                    photo_id: id(r, "photo_id")?,
                    project_id: id(r, "project_id")?,
                    distance: get::<f64>(r, "distance")? as f32,
                })
            })
            .collect()
    }
}
