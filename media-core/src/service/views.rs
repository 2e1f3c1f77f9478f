//! What use cases return to the API: domain facts with presigned URLs.

use time::OffsetDateTime;

use crate::domain::{FailureReason, PhotoStatus, RejectionReason, SelfieStatus};
use crate::ids::{PhotoId, PhotographerId, ProjectId, SelfieId};

/// The photo object of SPEC §4. URLs of objects that do not exist yet are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoView {
    pub id: PhotoId,
    pub project_id: ProjectId,
    pub photographer_id: PhotographerId,
    pub status: PhotoStatus,
    pub taken_at: Option<OffsetDateTime>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub thumbnail_url: Option<String>,
    pub preview_url: Option<String>,
    pub full_url: Option<String>,
    pub watermarked_url: Option<String>,
    pub created_at: OffsetDateTime,
    pub failure_reason: Option<FailureReason>,
    pub project_name: Option<String>,
    pub photographer_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilePictureUpload {
    pub upload_url: String,
    pub file_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfieView {
    pub selfie_id: SelfieId,
    pub status: SelfieStatus,
    pub rejection_reason: Option<RejectionReason>,
    pub failure_reason: Option<FailureReason>,
    pub created_at: OffsetDateTime,
    pub processed_at: Option<OffsetDateTime>,
}

/// A photo the user was found in (SPEC §3.13): watermarked copy only.
#[derive(Debug, Clone, PartialEq)]
pub struct MyPhoto {
    pub photo_id: PhotoId,
    pub taken_at: Option<OffsetDateTime>,
    pub thumbnail_url: Option<String>,
    pub full_url: Option<String>,
    pub distance: f32,
}
