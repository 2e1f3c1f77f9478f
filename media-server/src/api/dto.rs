//! The JSON shapes of SPEC §3–§4 (camelCase, RFC 3339 UTC times).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use media_core::domain::Consent;
use media_core::service::{
    MyPhoto, PhotoView, ProfilePictureUpload, SelfieView, UploadRequest, UploadTicket,
};

/// The image types an upload may declare. Documentation only: the field is
/// read as text so that another type is a 400 `unsupported_type` saying so.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub enum ImageType {
    /// JPEG.
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// PNG.
    #[serde(rename = "image/png")]
    Png,
    /// WebP.
    #[serde(rename = "image/webp")]
    Webp,
}

/// An optional non-negative integer as JSON Schema reads one: `1945` and
/// `1945.0` alike (schemathesis sends both; serde's `u64` refuses the second).
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(v) = n.as_u64() {
        return Ok(Some(v));
    }
    match n.as_f64() {
        // 2^64 as f64: every whole float below it converts exactly.
        Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0 => {
            Ok(Some(f as u64))
        }
        _ => Err(D::Error::custom(format!(
            "{n} is not a whole number of bytes"
        ))),
    }
}

/// Optional declarations of an upload, signed into the PUT URL when given.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadBody {
    /// `image/jpeg`, `image/png` or `image/webp`; another is a 400 `unsupported_type`.
    #[schema(value_type = Option<ImageType>)]
    pub content_type: Option<String>,
    /// Exact size in bytes, at most `MAX_UPLOAD_BYTES`.
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "whole_number")]
    pub content_length: Option<u64>,
}

impl From<UploadBody> for UploadRequest {
    fn from(b: UploadBody) -> Self {
        Self {
            content_type: b.content_type,
            content_length: b.content_length,
            content_sha256: None,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhotoUploadBody {
    /// The project to upload to (required: its absence is a 400 `invalid_request`
    /// with that said, rather than serde's words).
    #[schema(required = true, value_type = Uuid)]
    pub project_id: Option<Uuid>,
    /// `image/jpeg`, `image/png` or `image/webp`; another is a 400 `unsupported_type`.
    #[schema(value_type = Option<ImageType>)]
    pub content_type: Option<String>,
    /// Exact size in bytes, at most `MAX_UPLOAD_BYTES`.
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "whole_number")]
    pub content_length: Option<u64>,
    /// The file's SHA-256 as 64 hex digits: when the project already holds
    /// these bytes, the answer is 409 `duplicate` with that `photoId`, and no URL.
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub content_sha256: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SelfieTicket {
    pub selfie_id: Uuid,
    pub upload_url: String,
    pub key: String,
    #[schema(example = 600)]
    pub expires_in_seconds: u32,
}

impl From<UploadTicket> for SelfieTicket {
    fn from(t: UploadTicket) -> Self {
        Self {
            selfie_id: t.id,
            upload_url: t.upload_url,
            key: t.key,
            expires_in_seconds: t.expires_in_seconds,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhotoTicket {
    pub photo_id: Uuid,
    pub upload_url: String,
    pub key: String,
    #[schema(example = 600)]
    pub expires_in_seconds: u32,
}

impl From<UploadTicket> for PhotoTicket {
    fn from(t: UploadTicket) -> Self {
        Self {
            photo_id: t.id,
            upload_url: t.upload_url,
            key: t.key,
            expires_in_seconds: t.expires_in_seconds,
        }
    }
}

/// The photo object (SPEC §4). URLs are presigned GETs (900 s); null while the object does not exist.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Photo {
    pub id: Uuid,
    pub project_id: Uuid,
    pub photographer_id: Uuid,
    /// awaiting_upload, processing, ready, failed or expired.
    pub status: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub taken_at: Option<OffsetDateTime>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub thumbnail_url: Option<String>,
    pub preview_url: Option<String>,
    pub full_url: Option<String>,
    pub watermarked_url: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// ThumbHash of the 400 px thumbnail, base64 (standard alphabet, padded; ~25 bytes):
    /// render it as a blurred placeholder while the thumbnail loads. Null until the thumbnails exist.
    #[schema(example = "1QcSHQRnh493V4dIh4eXh1h4kJUI")]
    pub thumbhash: Option<String>,
    /// With `failureReason: "duplicate"`: the project's photo with the same bytes.
    pub duplicate_of: Option<Uuid>,
    pub failure_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photographer_name: Option<String>,
}

impl Photo {
    pub fn from_view(v: PhotoView) -> Self {
        Self {
            id: v.id.as_uuid(),
            project_id: v.project_id.as_uuid(),
            photographer_id: v.photographer_id.as_uuid(),
            status: v.status.as_str().to_owned(),
            taken_at: v.taken_at,
            width: v.width,
            height: v.height,
            thumbnail_url: v.thumbnail_url,
            preview_url: v.preview_url,
            full_url: v.full_url,
            watermarked_url: v.watermarked_url,
            created_at: v.created_at,
            thumbhash: v.thumbhash,
            duplicate_of: v.duplicate_of.map(|p| p.as_uuid()),
            failure_reason: v.failure_reason.map(|r| r.as_str().to_owned()),
            project_name: v.project_name,
            photographer_name: v.photographer_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUpload {
    pub upload_url: String,
    /// `R2_PUBLIC_URL/operators/{operatorId}/profile.jpg`: a permanent reference, not a download URL.
    pub file_url: String,
}

impl From<ProfilePictureUpload> for ProfileUpload {
    fn from(p: ProfilePictureUpload) -> Self {
        Self {
            upload_url: p.upload_url,
            file_url: p.file_url,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Url {
    /// Presigned GET, 900 s.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Selfie {
    pub selfie_id: Uuid,
    /// awaiting_upload, processing, approved, rejected, failed or expired.
    pub status: String,
    pub rejection_reason: Option<String>,
    pub failure_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub processed_at: Option<OffsetDateTime>,
}

impl From<SelfieView> for Selfie {
    fn from(s: SelfieView) -> Self {
        Self {
            selfie_id: s.selfie_id.as_uuid(),
            status: s.status.as_str().to_owned(),
            rejection_reason: s.rejection_reason.map(|r| r.as_str().to_owned()),
            failure_reason: s.failure_reason.map(|r| r.as_str().to_owned()),
            created_at: s.created_at,
            processed_at: s.processed_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentDto {
    pub purpose: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub granted_at: OffsetDateTime,
}

impl From<Consent> for ConsentDto {
    fn from(c: Consent) -> Self {
        Self {
            purpose: c.purpose.as_str().to_owned(),
            granted_at: c.granted_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyPhotoDto {
    pub photo_id: Uuid,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub taken_at: Option<OffsetDateTime>,
    pub thumbnail_url: Option<String>,
    /// The watermarked copy (users never get the original).
    pub full_url: Option<String>,
    /// ThumbHash of the 400 px thumbnail, base64 (standard alphabet, padded; ~25 bytes):
    /// render it as a blurred placeholder while the thumbnail loads. Null until the thumbnails exist.
    #[schema(example = "1QcSHQRnh493V4dIh4eXh1h4kJUI")]
    pub thumbhash: Option<String>,
    pub distance: f32,
}

impl From<MyPhoto> for MyPhotoDto {
    fn from(m: MyPhoto) -> Self {
        Self {
            photo_id: m.photo_id.as_uuid(),
            taken_at: m.taken_at,
            thumbnail_url: m.thumbnail_url,
            full_url: m.full_url,
            thumbhash: m.thumbhash,
            distance: m.distance,
        }
    }
}
