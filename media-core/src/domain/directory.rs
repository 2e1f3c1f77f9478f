use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

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

/// What a consent is given for. Only biometric processing exists today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    BiometricProcessing,
}

impl ConsentPurpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BiometricProcessing => "biometric_processing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        (s == "biometric_processing").then_some(Self::BiometricProcessing)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub purpose: ConsentPurpose,
    pub granted_at: OffsetDateTime,
}
