//! Selfie status and erasure (SPEC §3.11), consents (§3.12).

use super::Media;
use super::views::SelfieView;
use crate::domain::{
    Consent, ConsentPurpose, ErasureCause, ErasureNotice, JobPayload, Principal, PurgeTarget,
};
use crate::error::{Error, Result};
use crate::ids::{EventId, UserId};
use crate::keys;
use crate::policy::Access;

impl Media {
    /// SPEC §3.11: the user's newest selfie, whatever its status.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn selfie_status(&self, principal: &Principal) -> Result<SelfieView> {
        self.admit(principal, &Access::SELFIE_SELF).await?;
        let s = self
            .ports
            .selfies
            .latest_selfie(principal.as_user())
            .await?
            .ok_or(Error::NotFound)?;
        Ok(SelfieView {
            selfie_id: s.id,
            status: s.status,
            rejection_reason: s.rejection_reason,
            failure_reason: s.failure_reason,
            created_at: s.created_at,
            processed_at: s.processed_at,
        })
    }

    /// SPEC §3.11: erase every selfie, embedding and match of the user.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn delete_selfie(&self, principal: &Principal) -> Result<()> {
        self.admit(principal, &Access::SELFIE_SELF).await?;
        self.erase_biometrics(principal.as_user(), None, Some(ErasureCause::SelfieDeleted))
            .await
    }

    /// SPEC §3.12: active consents.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn consents(&self, principal: &Principal) -> Result<Vec<Consent>> {
        self.admit(principal, &Access::CONSENTS).await?;
        self.ports.consents.consents(principal.as_user()).await
    }

    /// SPEC §3.12: grant (idempotent).
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn grant_consent(
        &self,
        principal: &Principal,
        purpose: ConsentPurpose,
    ) -> Result<()> {
        self.admit(principal, &Access::CONSENTS).await?;
        self.ports
            .consents
            .grant_consent(principal.as_user(), purpose, self.now())
            .await
    }

    /// SPEC §3.12: revoke, and purge all biometric data of the user.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn revoke_consent(
        &self,
        principal: &Principal,
        purpose: ConsentPurpose,
    ) -> Result<()> {
        self.admit(principal, &Access::CONSENTS).await?;
        self.erase_biometrics(
            principal.as_user(),
            Some(purpose),
            Some(ErasureCause::ConsentRevoked),
        )
        .await
    }

    /// SPEC §3.11: exactly what existed when the erasure was asked for goes —
    /// the selfies issued up to now (rows, and objects by their key
    /// timestamp, in one transaction with the durable purge), all
    /// embeddings, matches and progress — never a retake issued after it.
    /// With a `cause` (a user's request, not the auditor's repair) and
    /// events on, the purge announces `erasure.completed` when it is done.
    pub(crate) async fn erase_biometrics(
        &self,
        user: UserId,
        revoke: Option<ConsentPurpose>,
        cause: Option<ErasureCause>,
    ) -> Result<()> {
        let now = self.now();
        let through_ms = keys::timestamp_ms(now);
        let target = PurgeTarget::SelfiesOf {
            user_id: user,
            through_ms,
        };
        let notice = cause
            .filter(|_| self.ports.events.is_configured())
            .map(|cause| ErasureNotice {
                event_id: EventId::new(),
                user_id: user,
                cause,
                requested_at: now,
            });
        let archives = PurgeTarget::ArchivesOf { user_id: user };
        // One job: a purge still queued for the user takes this one's place
        // (it covers it), and the sweep of what a selfie URL issued before
        // (valid 600 s) may still write is queued once the purge has run.
        let jobs = [JobPayload::erasure_purge(
            user,
            vec![target, archives],
            notice,
        )];
        self.ports
            .selfies
            .erase_biometrics(user, revoke, through_ms, &jobs, now)
            .await
    }
}
