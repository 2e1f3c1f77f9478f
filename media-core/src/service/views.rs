//! What use cases return to the API: domain facts with presigned URLs.

use time::OffsetDateTime;

use crate::domain::{ArchiveStatus, FailureReason, PhotoStatus, RejectionReason, SelfieStatus};
use crate::ids::{ArchiveId, PhotoId, PhotographerId, ProjectId, SelfieId};

/// The photo object of SPEC §4. URLs of objects that do not exist yet are
/// `None`; every URL is a presigned GET valid 900 s from the request. Fields
/// may be added: read them, do not build the struct.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PhotoView {
    /// The photo.
    pub id: PhotoId,
    /// Its project.
    pub project_id: ProjectId,
    /// Who uploaded it.
    pub photographer_id: PhotographerId,
    /// Where it is in its life.
    pub status: PhotoStatus,
    /// EXIF `DateTimeOriginal`, when known.
    pub taken_at: Option<OffsetDateTime>,
    /// Width after orientation, once the thumbnails job read it.
    pub width: Option<u32>,
    /// Height after orientation, once the thumbnails job read it.
    pub height: Option<u32>,
    /// The 400 px thumbnail.
    pub thumbnail_url: Option<String>,
    /// The 800 px thumbnail.
    pub preview_url: Option<String>,
    /// The original (not in listings for users: they get the watermarked copy).
    pub full_url: Option<String>,
    /// The watermarked copy.
    pub watermarked_url: Option<String>,
    /// When its upload URL was issued.
    pub created_at: OffsetDateTime,
    /// The ThumbHash of the 400 px thumbnail, base64 (standard alphabet,
    /// padded): a placeholder a client renders while the thumbnail loads;
    /// `None` until the thumbnails exist.
    pub thumbhash: Option<String>,
    /// Why it failed, when it did.
    pub failure_reason: Option<FailureReason>,
    /// With [`FailureReason::Duplicate`]: the project's photo with the same bytes.
    pub duplicate_of: Option<PhotoId>,
    /// Its project's name (operator listings only).
    pub project_name: Option<String>,
    /// Its photographer's name (operator listings only).
    pub photographer_name: Option<String>,
}

/// SPEC §3.9: where to PUT the operator's picture, and its permanent reference.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfilePictureUpload {
    /// A presigned PUT valid 600 s.
    pub upload_url: String,
    /// The permanent (not presigned) reference under `R2_PUBLIC_URL`.
    pub file_url: String,
}

/// A user's latest selfie (SPEC §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SelfieView {
    /// The selfie.
    pub selfie_id: SelfieId,
    /// Where it is in its life.
    pub status: SelfieStatus,
    /// Why it was rejected (the user may retake it).
    pub rejection_reason: Option<RejectionReason>,
    /// Why it failed.
    pub failure_reason: Option<FailureReason>,
    /// When its upload URL was issued.
    pub created_at: OffsetDateTime,
    /// When it was judged.
    pub processed_at: Option<OffsetDateTime>,
}

/// A photo the user was found in (SPEC §3.13): watermarked copy only.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MyPhoto {
    /// The photo.
    pub photo_id: PhotoId,
    /// EXIF `DateTimeOriginal`, when known.
    pub taken_at: Option<OffsetDateTime>,
    /// The 400 px thumbnail, presigned.
    pub thumbnail_url: Option<String>,
    /// The watermarked copy, presigned (never the original).
    pub full_url: Option<String>,
    /// The ThumbHash of the 400 px thumbnail, base64; `None` until it exists.
    pub thumbhash: Option<String>,
    /// Cosine distance of the best face; smaller is closer.
    pub distance: f32,
}

/// Bytes as base64, standard alphabet with padding (what ThumbHash's own
/// decoders in JavaScript and Swift take).
pub(crate) fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An archive as its owner sees it (SPEC §3.13b).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ArchiveView {
    /// The archive.
    pub archive_id: ArchiveId,
    /// Its project.
    pub project_id: ProjectId,
    /// `building`, `ready` or `failed`.
    pub status: ArchiveStatus,
    /// Photos in it, once ready.
    pub photo_count: Option<u32>,
    /// Its size, once ready.
    pub bytes: Option<u64>,
    /// A presigned GET (900 s) of the ZIP once ready, else `None`.
    pub url: Option<String>,
    /// When it is purged (set once built or failed).
    pub expires_at: Option<OffsetDateTime>,
}
