//! Consents (SPEC §3.12). Revocation is part of `erase_biometrics`.

use async_trait::async_trait;
use time::OffsetDateTime;

use media_core::domain::{Consent, ConsentPurpose};
use media_core::error::Result;
use media_core::ids::UserId;
use media_core::ports::ConsentRepo;

use super::rows::{get, time, us};
use super::{SqlStore, db_error};

#[async_trait]
impl ConsentRepo for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
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

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
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

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
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
}
