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
