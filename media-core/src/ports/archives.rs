use async_trait::async_trait;
use time::OffsetDateTime;

use crate::domain::{Archive, ArchiveContents, JobPayload};
use crate::error::Result;
use crate::ids::{ArchiveId, ProjectId, UserId};

/// Archive rows (SPEC §3.13b). Erasure removes a user's archives with the
/// rest of their biometric data ([`SelfieRepo::erase_biometrics`](super::SelfieRepo::erase_biometrics)).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ArchiveRepo: Send + Sync {
    /// Inserts `archive` (status `building`) with `jobs`, and deletes the
    /// rows of `replaced` (of the same user and project; their purge is in
    /// `jobs`), in one transaction, unless one is already building for its
    /// (user, project): then that one, and nothing is written. Returns the
    /// archive that is building.
    async fn start_archive(
        &self,
        archive: &Archive,
        replaced: &[ArchiveId],
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<Archive>;
    /// The user's ready archives of the project not expired at `now`,
    /// newest first.
    async fn ready_archives(
        &self,
        user: UserId,
        project: ProjectId,
        now: OffsetDateTime,
    ) -> Result<Vec<Archive>>;
    /// The archive, if it exists.
    async fn archive(&self, id: ArchiveId) -> Result<Option<Archive>>;
    /// [`ArchiveStatus::BUILT`](crate::domain::ArchiveStatus::BUILT) with
    /// what it holds, expiring at `expires_at`. False when it was not
    /// building any more (erased meanwhile): nothing changed.
    async fn finish_archive(
        &self,
        id: ArchiveId,
        contents: ArchiveContents,
        expires_at: OffsetDateTime,
    ) -> Result<bool>;
    /// [`ArchiveStatus::FAILED`](crate::domain::ArchiveStatus::FAILED),
    /// its row kept until `expires_at`. False when it was not building.
    async fn fail_archive(&self, id: ArchiveId, expires_at: OffsetDateTime) -> Result<bool>;
    /// Up to `limit` archives whose `expires_at` is at or before `now`.
    async fn expired_archives(&self, now: OffsetDateTime, limit: u32) -> Result<Vec<Archive>>;
    /// Deletes the row and enqueues `jobs` (the purge of its ZIP), in one
    /// transaction. False when it was gone already.
    async fn delete_archive(
        &self,
        id: ArchiveId,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool>;
}
