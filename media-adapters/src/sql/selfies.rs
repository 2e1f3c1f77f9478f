use async_trait::async_trait;
use time::OffsetDateTime;

use media_core::domain::{
    Consent, ConsentPurpose, FailureReason, JobPayload, RejectionReason, Selfie,
};
use media_core::error::{Error, Result};
use media_core::ids::{SelfieId, UserId};
use media_core::ports::SelfieRepo;

use super::rows::{self, SELFIE_COLUMNS, embedding_bytes, embedding_of, get, id, time, us};
use super::{SqlStore, db_error};

impl SqlStore {
    async fn selfies_where(
        &self,
        condition: &str,
        binds: (&str, Option<i64>),
        tail: &str,
    ) -> Result<Vec<Selfie>> {
        let sql = format!("SELECT {SELFIE_COLUMNS} FROM selfies WHERE {condition} {tail}");
        let mut q = sqlx::query(&sql).bind(binds.0.to_owned());
        if let Some(i) = binds.1 {
            q = q.bind(i);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(db_error)?;
        rows.iter().map(rows::selfie).collect()
    }

    async fn finish_selfie(
        &self,
        id: SelfieId,
        status: &str,
        rejection: Option<RejectionReason>,
        failure: Option<FailureReason>,
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE selfies SET status = $2, rejection_reason = $3, failure_reason = $4, processed_at = $5 \
             WHERE id = $1 AND status IN ('processing', 'awaiting_upload', 'expired')",
        )
        .bind(id.to_string())
        .bind(status)
        .bind(rejection.map(RejectionReason::as_str))
        .bind(failure.map(FailureReason::as_str))
        .bind(us(now))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }
}

#[async_trait]
impl SelfieRepo for SqlStore {
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

    async fn selfie(&self, id: SelfieId) -> Result<Option<Selfie>> {
        Ok(self
            .selfies_where("id = $1", (&id.to_string(), None), "")
            .await?
            .pop())
    }

    async fn selfie_by_key(&self, user: UserId, timestamp_ms: i64) -> Result<Option<Selfie>> {
        Ok(self
            .selfies_where(
                "user_id = $1 AND key_ts = $2",
                (&user.to_string(), Some(timestamp_ms)),
                "",
            )
            .await?
            .pop())
    }

    async fn latest_selfie(&self, user: UserId) -> Result<Option<Selfie>> {
        Ok(self
            .selfies_where(
                "user_id = $1",
                (&user.to_string(), None),
                "ORDER BY created_at DESC, id DESC LIMIT 1",
            )
            .await?
            .pop())
    }

    async fn selfies_of(&self, user: UserId) -> Result<Vec<Selfie>> {
        self.selfies_where(
            "user_id = $1",
            (&user.to_string(), None),
            "ORDER BY created_at, id",
        )
        .await
    }

    async fn approved_embedding(&self, user: UserId) -> Result<Option<(SelfieId, Vec<f32>)>> {
        let row = sqlx::query(
            "SELECT id, embedding FROM selfies WHERE user_id = $1 AND status = 'approved' AND embedding IS NOT NULL \
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(user.to_string())
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

    async fn mark_selfie_uploaded(
        &self,
        id: SelfieId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let change = sqlx::query(
            "UPDATE selfies SET status = 'processing' WHERE id = $1 AND status IN ('awaiting_upload', 'expired')",
        )
        .bind(id.to_string());
        self.change_then_enqueue(change, jobs, now).await
    }

    async fn approve_selfie(
        &self,
        id: SelfieId,
        embedding: &[f32],
        superseded: &[SelfieId],
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let approved = sqlx::query(
            "UPDATE selfies SET status = 'approved', embedding = $2, processed_at = $3, \
             rejection_reason = NULL, failure_reason = NULL WHERE id = $1 AND status = 'processing'",
        )
        .bind(id.to_string())
        .bind(embedding_bytes(embedding))
        .bind(us(now))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected()
            == 1;
        if !approved {
            return Ok(false); // dropped transaction rolls back
        }
        let user: String = get(
            &sqlx::query("SELECT user_id FROM selfies WHERE id = $1")
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?,
            "user_id",
        )?;
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
        self.insert_jobs(&mut tx, jobs, now).await?;
        tx.commit().await.map_err(db_error)?;
        self.jobs_committed(jobs);
        Ok(true)
    }

    async fn reject_selfie(
        &self,
        id: SelfieId,
        reason: RejectionReason,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.finish_selfie(id, "rejected", Some(reason), None, now)
            .await
    }

    async fn fail_selfie(
        &self,
        id: SelfieId,
        reason: FailureReason,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.finish_selfie(id, "failed", None, Some(reason), now)
            .await
    }

    async fn pending_selfie_uploads(
        &self,
        issued_before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Selfie>> {
        let sql = format!(
            "SELECT {SELFIE_COLUMNS} FROM selfies WHERE status = 'awaiting_upload' AND created_at < $1 \
             ORDER BY created_at LIMIT {limit}"
        );
        let rows = sqlx::query(&sql)
            .bind(us(issued_before))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(rows::selfie).collect()
    }

    async fn expire_selfie(&self, id: SelfieId) -> Result<()> {
        sqlx::query(
            "UPDATE selfies SET status = 'expired' WHERE id = $1 AND status = 'awaiting_upload'",
        )
        .bind(id.to_string())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn consents(&self, user: UserId) -> Result<Vec<Consent>> {
        let rows = sqlx::query(
            "SELECT purpose, granted_at FROM consents WHERE user_id = $1 ORDER BY purpose",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .filter_map(|r| {
                let purpose = ConsentPurpose::parse(&get::<String>(r, "purpose").ok()?)?;
                Some(time(r, "granted_at").map(|granted_at| Consent {
                    purpose,
                    granted_at,
                }))
            })
            .collect()
    }

    async fn has_consent(&self, user: UserId, purpose: ConsentPurpose) -> Result<bool> {
        Ok(
            sqlx::query("SELECT 1 AS one FROM consents WHERE user_id = $1 AND purpose = $2")
                .bind(user.to_string())
                .bind(purpose.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?
                .is_some(),
        )
    }

    async fn grant_consent(
        &self,
        user: UserId,
        purpose: ConsentPurpose,
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query("INSERT INTO consents (user_id, purpose, granted_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(user.to_string())
            .bind(purpose.as_str())
            .bind(us(now))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn erase_biometrics(
        &self,
        user: UserId,
        revoke: Option<ConsentPurpose>,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let user = user.to_string();
        // Selfies first: on Postgres this waits for a `cluster_faces` that holds
        // the selfie row, so the matches it commits are seen and deleted next.
        for sql in [
            "DELETE FROM selfies WHERE user_id = $1",
            "DELETE FROM matches WHERE user_id = $1",
            "DELETE FROM match_progress WHERE user_id = $1",
        ] {
            sqlx::query(sql)
                .bind(&user)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        if let Some(purpose) = revoke {
            sqlx::query("DELETE FROM consents WHERE user_id = $1 AND purpose = $2")
                .bind(&user)
                .bind(purpose.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        self.insert_jobs(&mut tx, jobs, now).await?;
        tx.commit().await.map_err(db_error)?;
        self.jobs_committed(jobs);
        Ok(())
    }
}
