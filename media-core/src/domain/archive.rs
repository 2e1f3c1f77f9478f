//! "Take my photos home" (SPEC §3.13b): a ZIP of a user's matched,
//! watermarked photos in one project.

use time::OffsetDateTime;

use super::transition::Transition;
use super::wire::wire_enum;
use crate::ids::{ArchiveId, ProjectId, UserId};

wire_enum! {
    /// Where an archive is.
    #[non_exhaustive]
    pub enum ArchiveStatus {
        /// The job is writing the ZIP.
        Building = "building",
        /// The ZIP is in the store until `expiresAt`.
        Ready = "ready",
        /// It could not be built (a photo's copy unreadable, the store down
        /// through every attempt); ask again.
        Failed = "failed",
    }
}

impl ArchiveStatus {
    /// The ZIP is complete in the store.
    pub const BUILT: Transition<ArchiveStatus> = Transition {
        from: &[Self::Building],
        to: Self::Ready,
    };
    /// Building ended for good.
    pub const FAILED: Transition<ArchiveStatus> = Transition {
        from: &[Self::Building],
        to: Self::Failed,
    };
}

/// One archive row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    /// Its id (and the name of its object).
    pub id: ArchiveId,
    /// Whose photos.
    pub user_id: UserId,
    /// Which event.
    pub project_id: ProjectId,
    /// Where it is.
    pub status: ArchiveStatus,
    /// Photos in the ZIP, once ready.
    pub photo_count: Option<u32>,
    /// The ZIP's size, once ready.
    pub bytes: Option<u64>,
    /// When it was asked for.
    pub created_at: OffsetDateTime,
    /// When it is purged: `ARCHIVE_TTL_HOURS` after it was built (or failed).
    pub expires_at: Option<OffsetDateTime>,
}

/// What a finished build recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveContents {
    /// Photos in the ZIP.
    pub photo_count: u32,
    /// The ZIP's size.
    pub bytes: u64,
}
