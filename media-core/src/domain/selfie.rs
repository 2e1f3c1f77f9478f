use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::photo::FailureReason;
use crate::ids::{SelfieId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfieStatus {
    AwaitingUpload,
    Processing,
    Approved,
    Rejected,
    Failed,
    Expired,
}

impl SelfieStatus {
    pub const ALL: [SelfieStatus; 6] = [
        Self::AwaitingUpload,
        Self::Processing,
        Self::Approved,
        Self::Rejected,
        Self::Failed,
        Self::Expired,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingUpload => "awaiting_upload",
            Self::Processing => "processing",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Why Retina's answer for a selfie was not accepted (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    NoFace,
    MultipleFaces,
    LowQuality,
}

impl RejectionReason {
    pub const ALL: [RejectionReason; 3] = [Self::NoFace, Self::MultipleFaces, Self::LowQuality];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoFace => "no_face",
            Self::MultipleFaces => "multiple_faces",
            Self::LowQuality => "low_quality",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Selfie {
    pub id: SelfieId,
    pub user_id: UserId,
    /// Unix milliseconds of the upload URL's issue: the number in the storage key.
    pub key_timestamp_ms: i64,
    pub status: SelfieStatus,
    pub rejection_reason: Option<RejectionReason>,
    pub failure_reason: Option<FailureReason>,
    pub created_at: OffsetDateTime,
    pub processed_at: Option<OffsetDateTime>,
    pub upload_expires_at: OffsetDateTime,
}

/// The outcome of processing a selfie.
#[derive(Debug, Clone, PartialEq)]
pub enum SelfieVerdict {
    Approved { embedding: Vec<f32> },
    Rejected(RejectionReason),
    Failed(FailureReason),
}
