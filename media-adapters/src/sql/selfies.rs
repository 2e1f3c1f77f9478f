use async_trait::async_trait;
use time::OffsetDateTime;

use media_core::domain::{
    ConsentPurpose, FailureReason, JobPayload, RejectionReason, Selfie, SelfieStatus, Transition,
};
use media_core::error::{Error, Result};
use media_core::ids::{ArchiveId, SelfieId, UserId};
use media_core::ports::SelfieRepo;

use super::binds::Binds;
use super::rows::{self, SELFIE_COLUMNS, embedding_bytes, embedding_of, get, id, us};
use super::{SqlStore, db_error};

impl SqlStore {
    /// The selfies of `condition`, written with the placeholders of `b`, then `tail`.
    async fn selfies_where(
        &self,
        b: Binds<'_>,
        condition: &str,
        tail: &str,
    ) -> Result<Vec<Selfie>> {
        let sql = format!("SELECT {SELFIE_COLUMNS} FROM selfies WHERE {condition} {tail}");
        let rows = b
            .query(&sql)?
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(rows::selfie).collect()
    }

    async fn finish_selfie(
        &self,
        id: SelfieId,
        t: Transition<SelfieStatus>,
        rejection: Option<RejectionReason>,
        failure: Option<FailureReason>,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE selfies SET status = {to}, rejection_reason = {rejection}, failure_reason = {failure}, \
             processed_at = {now} WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            rejection = b.bind(rejection.map(RejectionReason::as_str)),
            failure = b.bind(failure.map(FailureReason::as_str)),
            now = b.bind(us(now)),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        self.change_then_enqueue(b.query(&sql)?, jobs, now).await
    }
}

#[async_trait]
impl SelfieRepo for SqlStore {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn create_selfie(&self, s: &Selfie) -> Result<()> {
        sqlx::query(
            "INSERT INTO selfies (id, user_id, key_ts, status, created_at, upload_expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(s.id.to_string())
        .bind(s.user_id.to_string())
        .bind(s.key_timestamp_ms)
        .bind(s.status.as_str())
        .bind(us(s.created_at))
        .bind(us(s.upload_expires_at))
        .execute(&self.pool)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Error::Unavailable(
                "another selfie upload was issued in the same millisecond; try again".into(),
            ),
            e => db_error(e),
        })?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn selfie(&self, id: SelfieId) -> Result<Option<Selfie>> {
        let mut b = Binds::new();
        let condition = format!("id = {}", b.bind(id.to_string()));
        Ok(self.selfies_where(b, &condition, "").await?.pop())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn selfie_by_key(&self, user: UserId, timestamp_ms: i64) -> Result<Option<Selfie>> {
        let mut b = Binds::new();
        let condition = format!(
            "user_id = {user} AND key_ts = {ts}",
            user = b.bind(user.to_string()),
            ts = b.bind(timestamp_ms),
        );
        Ok(self.selfies_where(b, &condition, "").await?.pop())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn latest_selfie(&self, user: UserId) -> Result<Option<Selfie>> {
        let mut b = Binds::new();
        let condition = format!("user_id = {}", b.bind(user.to_string()));
        let tail = "ORDER BY created_at DESC, id DESC LIMIT 1";
        Ok(self.selfies_where(b, &condition, tail).await?.pop())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn selfies_of(&self, user: UserId) -> Result<Vec<Selfie>> {
        let mut b = Binds::new();
        let condition = format!("user_id = {}", b.bind(user.to_string()));
        self.selfies_where(b, &condition, "ORDER BY created_at, id")
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn approved_embedding(&self, user: UserId) -> Result<Option<(SelfieId, Vec<f32>)>> {
        let row = sqlx::query(
            "SELECT id, embedding FROM selfies WHERE user_id = $1 AND status = $2 AND embedding IS NOT NULL \
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(user.to_string())
        .bind(SelfieStatus::Approved.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.map(|r| {
            Ok((
                id(&r, "id")?,
                embedding_of(&get::<Vec<u8>>(&r, "embedding")?),
            ))
        })
        .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn mark_selfie_uploaded(
        &self,
        id: SelfieId,
        etag: Option<String>,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let t = SelfieStatus::UPLOAD_ARRIVED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE selfies SET status = {to}, original_etag = {etag} WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            etag = b.bind(etag),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        self.change_then_enqueue(b.query(&sql)?, jobs, now).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn approve_selfie(
        &self,
        id: SelfieId,
        model: &str,
        embedding: &[f32],
        superseded: &[SelfieId],
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let t = SelfieStatus::APPROVED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE selfies SET status = {to}, embedding = {embedding}, processed_at = {now}, model = {model}, \
             rejection_reason = NULL, failure_reason = NULL WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            embedding = b.bind(embedding_bytes(embedding)),
            now = b.bind(us(now)),
            model = b.bind(model.to_owned()),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        let approved = b
            .query(&sql)?
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected()
            == 1;
        if !approved {
            return Ok(false); // dropped transaction rolls back
        }
        let user_id: UserId = rows::id(
            &sqlx::query("SELECT user_id FROM selfies WHERE id = $1")
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?,
            "user_id",
        )?;
        let user = user_id.to_string();
        for old in superseded {
            sqlx::query("DELETE FROM selfies WHERE id = $1 AND user_id = $2")
                .bind(old.to_string())
                .bind(&user)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        // Matches came from the old embedding: the new one starts afresh.
        for sql in [
            "DELETE FROM matches WHERE user_id = $1",
            "DELETE FROM match_progress WHERE user_id = $1",
        ] {
            sqlx::query(sql)
                .bind(&user)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        // Archives hold matched photos: derived from the matches too. Their
        // ZIPs go by id, the rows deleted here and nothing else: purging
        // `archives/{userId}/` whole would take a build asked for right
        // after this commit (decision 0033).
        let archives: Vec<ArchiveId> =
            sqlx::query("DELETE FROM archives WHERE user_id = $1 RETURNING id")
                .bind(&user)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_error)?
                .iter()
                .map(|r| rows::id(r, "id"))
                .collect::<Result<_>>()?;
        let mut jobs = jobs.to_vec();
        jobs.extend(JobPayload::archives_purge(user_id, &archives));
        self.commit_with_jobs(tx, &jobs, now).await?;
        Ok(true)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn reject_selfie(
        &self,
        id: SelfieId,
        reason: RejectionReason,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        self.finish_selfie(id, SelfieStatus::REJECTED, Some(reason), None, jobs, now)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn fail_selfie(
        &self,
        id: SelfieId,
        reason: FailureReason,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        self.finish_selfie(id, SelfieStatus::FAILED, None, Some(reason), jobs, now)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn pending_selfie_uploads(
        &self,
        issued_before: OffsetDateTime,
        after: Option<(OffsetDateTime, SelfieId)>,
        limit: u32,
    ) -> Result<Vec<Selfie>> {
        let sql = format!(
            "SELECT {SELFIE_COLUMNS} FROM selfies WHERE status = $2 AND created_at < $1 \
             AND (created_at > $3 OR (created_at = $3 AND id > $4)) \
             ORDER BY created_at, id LIMIT {limit}"
        );
        // No cursor: from before the first row.
        let (t, id) = after.map_or((i64::MIN, String::new()), |(t, id)| (us(t), id.to_string()));
        let rows = sqlx::query(&sql)
            .bind(us(issued_before))
            .bind(SelfieStatus::AwaitingUpload.as_str())
            .bind(t)
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(rows::selfie).collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn users_with_biometrics(&self) -> Result<Vec<UserId>> {
        sqlx::query(
            "SELECT user_id FROM selfies UNION SELECT user_id FROM matches \
             UNION SELECT user_id FROM match_suppressions \
             UNION SELECT user_id FROM match_progress ORDER BY user_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| id(r, "user_id"))
        .collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn revive_selfie(&self, id: SelfieId) -> Result<bool> {
        let t = SelfieStatus::RETRIED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE selfies SET status = {to}, failure_reason = NULL, processed_at = NULL \
             WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        let done = b.query(&sql)?.execute(&self.pool).await.map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn redescribe_selfie(
        &self,
        id: SelfieId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let t = SelfieStatus::REDESCRIBED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE selfies SET status = {to}, processed_at = NULL WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        let done = b.query(&sql)?.execute(&mut *tx).await.map_err(db_error)?;
        if done.rows_affected() != 1 {
            return Ok(false); // dropped transaction rolls back
        }
        sqlx::query("DELETE FROM match_progress WHERE selfie_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        self.commit_with_jobs(tx, jobs, now).await?;
        Ok(true)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    async fn expire_selfie(&self, id: SelfieId) -> Result<()> {
        let t = SelfieStatus::EXPIRED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE selfies SET status = {to} WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        b.query(&sql)?.execute(&self.pool).await.map_err(db_error)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn erase_biometrics(
        &self,
        user: UserId,
        revoke: Option<ConsentPurpose>,
        through_ms: i64,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let user = user.to_string();
        // Selfies first: on Postgres this waits for a `cluster_faces` that holds
        // the selfie row, so the matches it commits are seen and deleted next.
        let mut erased = sqlx::query("DELETE FROM selfies WHERE user_id = $1 AND key_ts <= $2")
            .bind(&user)
            .bind(through_ms)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        // A selfie left is newer than the erasure and not approved yet: the
        // matches, suppressions (derived from matches) and progress below
        // all come from erased ones.
        for sql in [
            "DELETE FROM matches WHERE user_id = $1",
            "DELETE FROM match_suppressions WHERE user_id = $1",
            "DELETE FROM match_progress WHERE user_id = $1",
        ] {
            sqlx::query(sql)
                .bind(&user)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        // Archives hold matched photos: derived from the matches too.
        erased += sqlx::query("DELETE FROM archives WHERE user_id = $1")
            .bind(&user)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        if let Some(purpose) = revoke {
            sqlx::query("DELETE FROM consents WHERE user_id = $1 AND purpose = $2")
                .bind(&user)
                .bind(purpose.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        // Objects exist only under selfie and archive rows: none deleted,
        // nothing to purge (embeddings and matches are rows only).
        let jobs = if erased > 0 { jobs } else { &[] };
        self.commit_with_jobs(tx, jobs, now).await?;
        Ok(())
    }
}
