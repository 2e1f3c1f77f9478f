use async_trait::async_trait;
use time::OffsetDateTime;

use media_core::domain::{
    ConsentPurpose, FaceMatch, JobPayload, MatchedPhoto, MemberMatches, MemberSelfie, PhotoFace,
    SelfieStatus,
};
use media_core::error::Result;
use media_core::ids::{PhotoId, ProjectId, UserId};
use media_core::ports::FaceRepo;

use super::binds::Binds;
use super::rows::{embedding_bytes, embedding_of, flag, get, id, opt_time, us};
use super::{Backend, SqlStore, db_error};

#[async_trait]
impl FaceRepo for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(photo = %photo))]
    async fn store_faces(
        &self,
        photo: PhotoId,
        model: &str,
        embeddings: &[Vec<f32>],
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // The photo row is locked until commit: a deletion waits for these
        // faces and then removes them, or has already removed the row and
        // nothing is stored (without the lock, 56 of 60 races in the contract
        // test left faces of deleted photos on Postgres).
        let lock = if self.backend == Backend::Postgres {
            "FOR UPDATE"
        } else {
            ""
        };
        let Some(row) = sqlx::query(&format!(
            "SELECT project_id FROM photos WHERE id = $1 {lock}"
        ))
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
                sqlx::query("INSERT INTO faces (project_id, seq, photo_id, embedding, model) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&project)
                    .bind(end - n + 1 + i as i64)
                    .bind(photo.to_string())
                    .bind(embedding_bytes(e))
                    .bind(model)
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
        self.commit_with_jobs(tx, jobs, now).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(project = %project))]
    async fn faces_after(
        &self,
        project: ProjectId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PhotoFace>> {
        let rows = sqlx::query(&format!(
            "SELECT seq, photo_id AS id, embedding, model FROM faces WHERE project_id = $1 AND seq > $2 ORDER BY seq LIMIT {limit}"
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
                    model: get(r, "model")?,
                })
            })
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(project = %project))]
    async fn matchable_members(&self, project: ProjectId) -> Result<Vec<MemberSelfie>> {
        let rows = sqlx::query(
            "SELECT m.user_id, s.id AS selfie_id, s.embedding, s.model, COALESCE(p.through_seq, 0) AS through_seq \
             FROM project_members m \
             JOIN selfies s ON s.user_id = m.user_id AND s.status = $3 AND s.embedding IS NOT NULL \
             JOIN consents c ON c.user_id = m.user_id AND c.purpose = $2 \
             LEFT JOIN match_progress p ON p.project_id = m.project_id AND p.user_id = m.user_id \
                 AND p.selfie_id = s.id \
             WHERE m.project_id = $1 \
             ORDER BY m.user_id, s.created_at DESC",
        )
        .bind(project.to_string())
        .bind(ConsentPurpose::BiometricProcessing.as_str())
        .bind(SelfieStatus::Approved.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        let mut members: Vec<MemberSelfie> = Vec::with_capacity(rows.len());
        for r in &rows {
            let user_id: UserId = id(r, "user_id")?;
            // Newest approved selfie first: an older one is being replaced.
            if members.last().is_some_and(|m| m.user_id == user_id) {
                continue;
            }
            members.push(MemberSelfie {
                user_id,
                selfie_id: id(r, "selfie_id")?,
                embedding: embedding_of(&get::<Vec<u8>>(r, "embedding")?),
                model: get(r, "model")?,
                through_seq: get(r, "through_seq")?,
            });
        }
        Ok(members)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(project = %project))]
    async fn record_matches(
        &self,
        project: ProjectId,
        through_seq: i64,
        found: &[MemberMatches],
        announce: bool,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()> {
        if found.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let (lock, share) = if self.backend == Backend::Postgres {
            ("FOR UPDATE", "FOR SHARE")
        } else {
            ("", "")
        };
        // Each match takes its photo row's shared lock until commit: a
        // deletion waits for these matches and then removes them, or has
        // removed the row and no match is stored (without it, 58 of 60 races
        // in the contract test left matches of deleted photos on Postgres,
        // each owed a `matches.added`).
        let insert = format!(
            "INSERT INTO matches (user_id, photo_id, project_id, distance, announce_pending) \
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM photos WHERE id = $2 {share}) \
             AND NOT EXISTS (SELECT 1 FROM match_suppressions WHERE user_id = $1 AND photo_id = $2) \
             ON CONFLICT (user_id, photo_id) DO UPDATE SET distance = excluded.distance \
             WHERE excluded.distance < matches.distance"
        );
        for member in found {
            // The selfie row is locked so an erasure or a replacement either
            // waits for these matches or makes them stale.
            let current = sqlx::query(&format!(
                "SELECT 1 AS one FROM selfies WHERE id = $1 AND user_id = $2 AND status = $3 {lock}"
            ))
            .bind(member.selfie_id.to_string())
            .bind(member.user_id.to_string())
            .bind(SelfieStatus::Approved.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .is_some();
            if !current {
                continue;
            }
            for m in &member.matches {
                // A closer face for a known pair changes the distance only:
                // the pair's announcement is owed (or made) once.
                sqlx::query(&insert)
                    .bind(member.user_id.to_string())
                    .bind(m.photo_id.to_string())
                    .bind(project.to_string())
                    .bind(f64::from(m.distance))
                    .bind(i64::from(announce))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
            }
            // Progress never moves backwards for the same selfie (two runs can
            // overlap); a new selfie starts over.
            sqlx::query(
                "INSERT INTO match_progress (project_id, user_id, selfie_id, through_seq) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (project_id, user_id) DO UPDATE SET selfie_id = excluded.selfie_id, \
                 through_seq = CASE WHEN match_progress.selfie_id = excluded.selfie_id \
                     AND match_progress.through_seq > excluded.through_seq \
                     THEN match_progress.through_seq ELSE excluded.through_seq END",
            )
            .bind(project.to_string())
            .bind(member.user_id.to_string())
            .bind(member.selfie_id.to_string())
            .bind(through_seq)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        self.commit_with_jobs(tx, jobs, now).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn unannounced_matches(&self, project: ProjectId, user: UserId) -> Result<Vec<PhotoId>> {
        let rows = sqlx::query(
            "SELECT photo_id FROM matches WHERE project_id = $1 AND user_id = $2 AND announce_pending = 1 \
             ORDER BY photo_id",
        )
        .bind(project.to_string())
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(|r| id(r, "photo_id")).collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user, photos = photos.len()))]
    async fn announce_matches(
        &self,
        project: ProjectId,
        user: UserId,
        photos: &[PhotoId],
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let mut marked = 0u64;
        // One statement per 500 photos: well under either backend's bind limit.
        for chunk in photos.chunks(500) {
            let mut b = Binds::new();
            let sql = format!(
                "UPDATE matches SET announce_pending = 0 WHERE project_id = {project} AND user_id = {user} \
                 AND announce_pending = 1 AND photo_id IN ({photos})",
                project = b.bind(project.to_string()),
                user = b.bind(user.to_string()),
                photos = b.list(chunk.iter().map(ToString::to_string)),
            );
            marked += b
                .query(&sql)?
                .execute(&mut *tx)
                .await
                .map_err(db_error)?
                .rows_affected();
        }
        if marked != photos.len() as u64 {
            // Dropping `tx` rolls back: the caller reads again.
            return Ok(false);
        }
        self.commit_with_jobs(tx, jobs, now).await?;
        Ok(true)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user, photo = %photo))]
    async fn suppress_match(
        &self,
        project: ProjectId,
        user: UserId,
        photo: PhotoId,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        if self.backend == Backend::Postgres {
            // `record_matches` holds the approved selfie's row while it
            // inserts: taking it first means a matching in flight either
            // committed (its match is deleted below) or starts after the
            // suppression is visible. SQLite runs one writer at a time.
            sqlx::query(
                "SELECT 1 AS one FROM selfies WHERE user_id = $1 AND status = $2 FOR UPDATE",
            )
            .bind(user.to_string())
            .bind(SelfieStatus::Approved.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        let removed = sqlx::query(
            "DELETE FROM matches WHERE user_id = $1 AND photo_id = $2 AND project_id = $3",
        )
        .bind(user.to_string())
        .bind(photo.to_string())
        .bind(project.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO match_suppressions (user_id, photo_id, project_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, photo_id) DO NOTHING",
        )
        .bind(user.to_string())
        .bind(photo.to_string())
        .bind(project.to_string())
        .bind(us(now))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn matched_photos(&self, project: ProjectId, user: UserId) -> Result<Vec<MatchedPhoto>> {
        let rows = sqlx::query(
            "SELECT m.photo_id AS id, p.project_id, p.taken_at, m.distance, p.thumbnails_done, p.watermark_done, p.thumbhash \
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
                    thumbhash: get(r, "thumbhash")?,
                    watermark_done: flag(r, "watermark_done")?,
                })
            })
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
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
