use time::OffsetDateTime;

use super::wire::wire_enum;

use crate::ids::{OperatorId, PhotographerId, ProjectId};

#[derive(Debug, Clone, PartialEq, Eq)]
/// An operator: owns projects, sees and deletes their photos (SPEC §2).
pub struct Operator {
    /// Its id (the `sub` of its tokens).
    pub id: OperatorId,
    /// Display name.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// A photographer: uploads to the projects they are assigned to.
pub struct Photographer {
    /// Its id (the `sub` of its tokens).
    pub id: PhotographerId,
    /// Display name, shown in operator listings.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// A project (an event): photos, members and an optional watermark text.
pub struct Project {
    /// Its id.
    pub id: ProjectId,
    /// Display name.
    pub name: String,
    /// The operator who owns it; a project never moves (SPEC §8).
    pub operator_id: OperatorId,
    /// Overrides `WATERMARK_TEXT` for this project's watermarked copies.
    pub watermark_text: Option<String>,
}

wire_enum! {
    /// What a consent is given for. Only biometric processing exists today.
    pub enum ConsentPurpose {
        /// Selfie processing and face matching (SPEC §3.12).
        BiometricProcessing = "biometric_processing",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// A consent a user gave, and when.
pub struct Consent {
    /// What it is for.
    pub purpose: ConsentPurpose,
    /// When it was granted (the latest grant).
    pub granted_at: OffsetDateTime,
}

/// What an operator sees of one of their projects (SPEC §3.13c), counted
/// in one round trip by the database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ProjectStats {
    /// Photos in each status that has any.
    pub photos_by_status: Vec<(super::PhotoStatus, u64)>,
    /// Faces detected in the project's photos.
    pub faces: u64,
    /// Members of the project.
    pub members: u64,
    /// Members whose selfie is approved.
    pub members_with_approved_selfie: u64,
    /// Members matched to at least one photo.
    pub members_matched: u64,
    /// (member, photo) matches.
    pub matches: u64,
    /// Matches members removed with "not me".
    pub suppressed_matches: u64,
    /// When the project's longest-waiting due job became due; `None` when
    /// none of its jobs is waiting.
    pub oldest_due_job: Option<OffsetDateTime>,
    /// The instant the figures are of (what "due" was judged against).
    pub as_of: Option<OffsetDateTime>,
}

impl ProjectStats {
    /// How long the longest-waiting due job has waited, as of [`ProjectStats::as_of`].
    pub fn oldest_due_job_age(&self) -> Option<std::time::Duration> {
        let (at, now) = (self.oldest_due_job?, self.as_of?);
        Some((now - at).try_into().unwrap_or_default())
    }
}
