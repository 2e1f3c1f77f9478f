use time::OffsetDateTime;

use super::wire::wire_enum;

use crate::ids::{OperatorId, PhotographerId, ProjectId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub id: OperatorId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photographer {
    pub id: PhotographerId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
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
pub struct Consent {
    pub purpose: ConsentPurpose,
    pub granted_at: OffsetDateTime,
}
