use time::OffsetDateTime;

use super::transition::Transition;
use super::wire::wire_enum;

use super::photo::FailureReason;
use crate::ids::{SelfieId, UserId};

wire_enum! {
    /// Where a selfie is in its life (SPEC §3.1).
    #[non_exhaustive]
    pub enum SelfieStatus {
        /// An upload URL was issued; the object has not been confirmed yet.
        AwaitingUpload = "awaiting_upload",
        /// In the store; waiting for (or at) the face service.
        Processing = "processing",
        /// One good face: its embedding is stored and matched.
        Approved = "approved",
        /// The face service answered, but the selfie is unusable (`rejection_reason`).
        Rejected = "rejected",
        /// Processing ended for good (`failure_reason`).
        Failed = "failed",
        /// The upload never arrived within the URL's life plus the grace period.
        Expired = "expired",
    }
}

/// The selfie transition table; the SQL binds these and holds no status of its own.
impl SelfieStatus {
    /// The object arrived (confirmation, store event or reconciler).
    pub const UPLOAD_ARRIVED: Transition<SelfieStatus> = Transition {
        from: &[Self::AwaitingUpload, Self::Expired],
        to: Self::Processing,
    };
    /// One good face: only a selfie still processing (not erased meanwhile).
    pub const APPROVED: Transition<SelfieStatus> = Transition {
        from: &[Self::Processing],
        to: Self::Approved,
    };
    /// The face service found no usable face.
    pub const REJECTED: Transition<SelfieStatus> = Transition {
        from: &[Self::Processing, Self::AwaitingUpload, Self::Expired],
        to: Self::Rejected,
    };
    /// Processing ended for good; also a too-large upload found on arrival.
    pub const FAILED: Transition<SelfieStatus> = Transition {
        from: &[Self::Processing, Self::AwaitingUpload, Self::Expired],
        to: Self::Failed,
    };
    /// No upload within the URL's life plus the grace period.
    pub const EXPIRED: Transition<SelfieStatus> = Transition {
        from: &[Self::AwaitingUpload],
        to: Self::Expired,
    };
    /// Its dead job retried (`media-cli jobs retry`): processing again,
    /// the failure reason cleared.
    pub const RETRIED: Transition<SelfieStatus> = Transition {
        from: &[Self::Failed],
        to: Self::Processing,
    };
    /// Described again after a change of face engine (`reprocess --step faces`).
    pub const REDESCRIBED: Transition<SelfieStatus> = Transition {
        from: &[Self::Approved],
        to: Self::Processing,
    };

    /// Whether the upload is still awaited (or arrived after its expiry).
    pub fn awaits_upload(self) -> bool {
        Self::UPLOAD_ARRIVED.applies_to(self)
    }
}

wire_enum! {
    /// Why Retina's answer for a selfie was not accepted (SPEC §5).
    #[non_exhaustive]
    pub enum RejectionReason {
        /// No face scored at least `SELFIE_MIN_SCORE`.
        NoFace = "no_face",
        /// Two or more confident faces.
        MultipleFaces = "multiple_faces",
        /// The one face's box is under 80 px on its shorter side.
        LowQuality = "low_quality",
    }
}

/// A selfie row as the repository stores it. A user has at most one
/// approved selfie; a newer approval replaces it.
#[derive(Debug, Clone, PartialEq)]
pub struct Selfie {
    /// Its id.
    pub id: SelfieId,
    /// Whose selfie.
    pub user_id: UserId,
    /// Unix milliseconds of the upload URL's issue: the number in the storage key.
    pub key_timestamp_ms: i64,
    /// Where it is in its life (the transition table).
    pub status: SelfieStatus,
    /// Why it is `rejected`; `None` otherwise.
    pub rejection_reason: Option<RejectionReason>,
    /// Why it is `failed`; `None` otherwise.
    pub failure_reason: Option<FailureReason>,
    /// When the upload URL was issued.
    pub created_at: OffsetDateTime,
    /// When Retina's answer was judged (approved or rejected).
    pub processed_at: Option<OffsetDateTime>,
    /// When the presigned PUT stops working; the reconciler expires the upload after it.
    pub upload_expires_at: OffsetDateTime,
    /// The object's ETag when its upload completed: the job shows Retina that
    /// version or fails the selfie as `upload_changed`. `None` before.
    pub original_etag: Option<String>,
}

/// The outcome of processing a selfie.
#[derive(Debug, Clone, PartialEq)]
pub enum SelfieVerdict {
    /// One confident, large enough face.
    Approved {
        /// Its unit-length embedding.
        embedding: Vec<f32>,
        /// The model that made it.
        model: String,
    },
    /// Retina answered, but the selfie cannot be used; the user may retake it.
    Rejected(RejectionReason),
    /// The selfie could not be processed.
    Failed(FailureReason),
}
