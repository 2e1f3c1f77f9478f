use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{PhotoId, PhotographerId, ProjectId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoStatus {
    /// An upload URL was issued; the object has not been confirmed yet.
    AwaitingUpload,
    /// The object is in the store; thumbnails and watermark are being made.
    Processing,
    /// Thumbnails and watermark exist.
    Ready,
    /// Processing ended for good; `failure_reason` says why.
    Failed,
    /// The upload never arrived within the URL's life plus the grace period.
    Expired,
}

impl PhotoStatus {
    pub const ALL: [PhotoStatus; 5] = [
        Self::AwaitingUpload,
        Self::Processing,
        Self::Ready,
        Self::Failed,
        Self::Expired,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingUpload => "awaiting_upload",
            Self::Processing => "processing",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Why processing of a photo or selfie ended for good. Stable snake_case codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    /// Zero bytes.
    EmptyFile,
    /// Not a JPEG, PNG or WebP.
    UnsupportedFormat,
    /// Truncated or corrupt image data.
    UnreadableImage,
    /// More pixels than `MAX_IMAGE_PIXELS` (read from the header, nothing decoded).
    TooManyPixels,
    /// More bytes than `MAX_UPLOAD_BYTES`.
    TooLarge,
    /// Retina refused the image (a permanent 4xx).
    RetinaRejected,
    /// Retina never answered within the job's attempts.
    RetinaUnavailable,
    /// The processing job gave up after its last attempt.
    ProcessingFailed,
}

impl FailureReason {
    pub const ALL: [FailureReason; 8] = [
        Self::EmptyFile,
        Self::UnsupportedFormat,
        Self::UnreadableImage,
        Self::TooManyPixels,
        Self::TooLarge,
        Self::RetinaRejected,
        Self::RetinaUnavailable,
        Self::ProcessingFailed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EmptyFile => "empty_file",
            Self::UnsupportedFormat => "unsupported_format",
            Self::UnreadableImage => "unreadable_image",
            Self::TooManyPixels => "too_many_pixels",
            Self::TooLarge => "too_large",
            Self::RetinaRejected => "retina_rejected",
            Self::RetinaUnavailable => "retina_unavailable",
            Self::ProcessingFailed => "processing_failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A photo row as the repository stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Photo {
    pub id: PhotoId,
    pub project_id: ProjectId,
    pub photographer_id: PhotographerId,
    pub status: PhotoStatus,
    pub taken_at: Option<OffsetDateTime>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub created_at: OffsetDateTime,
    /// When the presigned PUT stops working; the reconciler expires the upload after it.
    pub upload_expires_at: OffsetDateTime,
    pub failure_reason: Option<FailureReason>,
    pub thumbnails_done: bool,
    pub watermark_done: bool,
    pub faces_done: bool,
}

impl Photo {
    /// Whether the original object is known to be in the store.
    pub fn original_uploaded(&self) -> bool {
        !matches!(
            self.status,
            PhotoStatus::AwaitingUpload | PhotoStatus::Expired
        )
    }
}

/// A photo with the names a listing shows beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoListing {
    pub photo: Photo,
    pub project_name: String,
    pub photographer_name: String,
}

/// What the image pipeline learnt of an original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoMetadata {
    pub width: u32,
    pub height: u32,
    pub taken_at: Option<OffsetDateTime>,
}
