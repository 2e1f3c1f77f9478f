//! Upload URLs (SPEC §3.1–§3.3, §3.9) and upload completion (§3.10): three
//! paths — the client's confirmation, the store's event, the reconciler —
//! feed one idempotent transition per upload.

use super::{Media, seconds};
use crate::domain::{
    FailureReason, JobPayload, Photo, PhotoStatus, Principal, PurgeTarget, Selfie, SelfieStatus,
};
use crate::error::{ConflictKind, Error, InvalidKind, Result};
use crate::ids::{PhotoId, ProjectId, SelfieId};
use crate::keys::{self, ParsedKey, PhotoObject, StorageKey};
use crate::policy::{self, Access};
use crate::ports::{ImageContentType, PhotoCreation, UploadConstraints};
use crate::service::views::ProfilePictureUpload;
use crate::settings::UPLOAD_URL_TTL;

/// The optional body fields of the upload routes, as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadRequest {
    /// `contentType`, validated by the use case (JPEG, PNG or WebP).
    pub content_type: Option<String>,
    /// `contentLength`, validated by the use case (at most `MAX_UPLOAD_BYTES`).
    pub content_length: Option<u64>,
    /// `contentSha256` (photos only): the bytes' SHA-256 as 64 hex digits;
    /// when the project already holds them, no URL is issued.
    pub content_sha256: Option<String>,
}

/// A presigned upload: where to PUT, and the id to follow it by.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadTicket {
    /// The photo's or selfie's id.
    pub id: uuid::Uuid,
    /// A presigned PUT; the declared type and length are signed into it.
    pub upload_url: String,
    /// The object's key.
    pub key: String,
    /// How long the URL works (600).
    pub expires_in_seconds: u32,
}

impl Media {
    fn upload_constraints(&self, req: &UploadRequest) -> Result<UploadConstraints> {
        let content_type = req
            .content_type
            .as_deref()
            .map(|t| {
                ImageContentType::parse(t).ok_or_else(|| Error::Invalid {
                    kind: InvalidKind::UnsupportedType,
                    detail: format!(
                        "contentType must be image/jpeg, image/png or image/webp, not {t:?}"
                    ),
                })
            })
            .transpose()?;
        if let Some(len) = req.content_length {
            if len == 0 {
                return Err(Error::invalid("contentLength must be positive"));
            }
            if len > self.settings.max_upload_bytes {
                return Err(Error::Invalid {
                    kind: InvalidKind::UploadTooLarge,
                    detail: format!(
                        "contentLength {len} is above the limit of {} bytes",
                        self.settings.max_upload_bytes
                    ),
                });
            }
        }
        Ok(UploadConstraints {
            content_type,
            content_length: req.content_length,
        })
    }

    /// SPEC §3.1: a presigned PUT for a new selfie.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn selfie_upload_url(
        &self,
        principal: &Principal,
        req: &UploadRequest,
    ) -> Result<UploadTicket> {
        self.admit(principal, &Access::SELFIE_UPLOAD).await?;
        let constraints = self.upload_constraints(req)?;
        let now = self.now();
        let user = principal.as_user();
        self.selfie_uploads
            .take(user, now, self.settings.selfie_uploads_per_hour)?;
        let timestamp_ms = keys::timestamp_ms(now);
        let key = keys::selfie(user, timestamp_ms);
        let upload_url = self
            .ports
            .storage
            .presign_put(&key, &constraints, now, UPLOAD_URL_TTL)?;
        let selfie = Selfie {
            id: SelfieId::new(),
            user_id: user,
            key_timestamp_ms: timestamp_ms,
            status: SelfieStatus::AwaitingUpload,
            rejection_reason: None,
            failure_reason: None,
            created_at: now,
            processed_at: None,
            upload_expires_at: now + UPLOAD_URL_TTL,
            original_etag: None,
        };
        self.ports.selfies.create_selfie(&selfie).await?;
        Ok(UploadTicket {
            id: selfie.id.as_uuid(),
            upload_url,
            key: key.to_string(),
            expires_in_seconds: seconds(UPLOAD_URL_TTL),
        })
    }

    /// SPEC §3.2 (`media` audience) and §3.3 (`backoffice`): a presigned PUT
    /// for a new photo in a project the photographer is assigned to.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn photo_upload_url(
        &self,
        principal: &Principal,
        project: ProjectId,
        req: &UploadRequest,
    ) -> Result<UploadTicket> {
        let access = match principal.audience {
            crate::domain::Audience::Media => Access::PHOTO_UPLOAD_APP,
            crate::domain::Audience::Backoffice => Access::PHOTO_UPLOAD_BACKOFFICE,
        };
        self.admit(principal, &access).await?;
        let constraints = self.upload_constraints(req)?;
        if let Some(declared) = &req.content_sha256 {
            let sha256 = parse_sha256(declared)?;
            // Asked only when declared: assignment first, so a duplicate
            // never tells a stranger what a project holds.
            let photographer = principal.as_photographer();
            policy::photographer_project(
                self.ports
                    .directory
                    .is_assigned(project, photographer)
                    .await?,
            )?;
            if let Some(photo_id) = self
                .ports
                .photos
                .photo_with_content(project, &sha256)
                .await?
            {
                return Err(Error::Conflict {
                    kind: ConflictKind::Duplicate { photo_id },
                    detail: format!("the project already holds these bytes as photo {photo_id}"),
                });
            }
        }
        let now = self.now();
        let photo = Photo::awaiting_upload(
            project,
            principal.as_photographer(),
            now,
            now + UPLOAD_URL_TTL,
        );
        let key = keys::photo(project, photo.id, PhotoObject::Original);
        let upload_url = self
            .ports
            .storage
            .presign_put(&key, &constraints, now, UPLOAD_URL_TTL)?;
        // The assignment is checked by the insert itself (one round trip).
        let created = self.ports.photos.create_photo_if_assigned(&photo).await?;
        policy::photographer_project(created == PhotoCreation::Created)?;
        Ok(UploadTicket {
            id: photo.id.as_uuid(),
            upload_url,
            key: key.to_string(),
            expires_in_seconds: seconds(UPLOAD_URL_TTL),
        })
    }

    /// SPEC §3.9: upload URL and permanent reference of the operator's picture.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn profile_picture_upload_url(
        &self,
        principal: &Principal,
        req: &UploadRequest,
    ) -> Result<ProfilePictureUpload> {
        self.admit(principal, &Access::OPERATOR).await?;
        let constraints = self.upload_constraints(req)?;
        let key = keys::operator_profile(principal.as_operator());
        let upload_url =
            self.ports
                .storage
                .presign_put(&key, &constraints, self.now(), UPLOAD_URL_TTL)?;
        Ok(ProfilePictureUpload {
            upload_url,
            file_url: self.ports.storage.public_reference(&key),
        })
    }

    /// SPEC §3.9: a presigned GET of the operator's picture; 404 while none was uploaded.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn profile_picture_url(&self, principal: &Principal) -> Result<String> {
        self.admit(principal, &Access::OPERATOR).await?;
        let key = keys::operator_profile(principal.as_operator());
        if self.ports.storage.head(&key).await?.is_none() {
            return Err(Error::NotFound);
        }
        self.download_url(&key, self.now())
    }

    /// SPEC §3.10: the photographer confirms an upload. Returns the status after it.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn complete_photo(&self, principal: &Principal, id: PhotoId) -> Result<PhotoStatus> {
        self.admit(principal, &Access::PHOTO_COMPLETE).await?;
        let photo = self.ports.photos.photo(id).await?;
        let assigned = match &photo {
            Some(p) => {
                self.ports
                    .directory
                    .is_assigned(p.project_id, principal.as_photographer())
                    .await?
            }
            None => false,
        };
        policy::photographer_may_complete(principal, photo.as_ref(), assigned)?;
        let photo = photo.ok_or(Error::NotFound)?;
        if !photo.status.awaits_upload() {
            return Ok(photo.status);
        }
        let key = keys::photo(photo.project_id, photo.id, PhotoObject::Original);
        if !self.photo_arrived(&photo, &key).await? {
            return Err(Error::Conflict {
                kind: ConflictKind::UploadMissing,
                detail: "the photo is not in the store yet: PUT it to the upload URL first".into(),
            });
        }
        Ok(self
            .ports
            .photos
            .photo(id)
            .await?
            .map_or(PhotoStatus::UPLOAD_ARRIVED.to, |p| p.status))
    }

    /// SPEC §3.10: the user confirms a selfie upload.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn complete_selfie(
        &self,
        principal: &Principal,
        id: SelfieId,
    ) -> Result<SelfieStatus> {
        self.admit(principal, &Access::SELFIE_COMPLETE).await?;
        let selfie = self
            .ports
            .selfies
            .selfie(id)
            .await?
            .filter(|s| s.user_id == principal.as_user())
            .ok_or(Error::NotFound)?;
        if !selfie.status.awaits_upload() {
            return Ok(selfie.status);
        }
        if !self.selfie_arrived(&selfie).await? {
            return Err(Error::Conflict {
                kind: ConflictKind::UploadMissing,
                detail: "the selfie is not in the store yet: PUT it to the upload URL first".into(),
            });
        }
        Ok(self
            .ports
            .selfies
            .selfie(id)
            .await?
            .map_or(SelfieStatus::UPLOAD_ARRIVED.to, |s| s.status))
    }

    /// HEADs the original; when present, moves the photo to `processing` with
    /// its jobs (or `failed` when too large). False when absent.
    pub(super) async fn photo_arrived(&self, photo: &Photo, key: &StorageKey) -> Result<bool> {
        let Some(object) = self.ports.storage.head(key).await? else {
            return Ok(false);
        };
        let now = self.now();
        // One job renders every derivative from one decode (decision 0021).
        let jobs = [JobPayload::thumbnails(photo.project_id, photo.id)];
        let moved = self
            .ports
            .photos
            .mark_photo_uploaded(photo.id, object.etag.clone(), &jobs, now)
            .await?;
        if moved && object.size > self.settings.max_upload_bytes {
            // Found larger than allowed after upload: fail it; the jobs will see `failed` and stop.
            self.photo_failed(photo, FailureReason::TooLarge).await?;
        }
        Ok(true)
    }

    pub(super) async fn selfie_arrived(&self, selfie: &Selfie) -> Result<bool> {
        let key = keys::selfie(selfie.user_id, selfie.key_timestamp_ms);
        let Some(object) = self.ports.storage.head(&key).await? else {
            return Ok(false);
        };
        let now = self.now();
        let jobs = [JobPayload::ProcessSelfie {
            selfie_id: selfie.id,
        }];
        let moved = self
            .ports
            .selfies
            .mark_selfie_uploaded(selfie.id, object.etag.clone(), &jobs, now)
            .await?;
        if moved && object.size > self.settings.max_upload_bytes {
            self.selfie_failed(selfie, FailureReason::TooLarge).await?;
        }
        Ok(true)
    }

    /// SPEC §3.10: object keys the store reported as written. Keys that match
    /// no pending upload are ignored, but an upload key whose row is gone
    /// (a deleted photo, an erased selfie: an old URL replayed) is purged,
    /// durably (SPEC §3.11). Returns how many uploads moved on.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn storage_event(&self, object_keys: &[String]) -> Result<u32> {
        let mut moved = 0;
        let mut orphans = Vec::new();
        for raw in object_keys {
            match keys::parse(raw) {
                Some(ParsedKey::Photo {
                    photo,
                    object: PhotoObject::Original,
                    project,
                }) => {
                    let Some(p) = self.ports.photos.photo(photo).await? else {
                        orphans.push(PurgeTarget::Photo {
                            project_id: project,
                            photo_id: photo,
                        });
                        continue;
                    };
                    if p.project_id == project
                        && p.status.awaits_upload()
                        && self
                            .photo_arrived(&p, &keys::photo(project, photo, PhotoObject::Original))
                            .await?
                    {
                        moved += 1;
                    }
                }
                Some(ParsedKey::Selfie { user, timestamp_ms }) => {
                    let Some(s) = self.ports.selfies.selfie_by_key(user, timestamp_ms).await?
                    else {
                        orphans.push(PurgeTarget::Selfie {
                            user_id: user,
                            timestamp_ms,
                        });
                        continue;
                    };
                    if s.status.awaits_upload() && self.selfie_arrived(&s).await? {
                        moved += 1;
                    }
                }
                _ => {}
            }
        }
        if !orphans.is_empty() {
            tracing::info!(
                count = orphans.len(),
                "objects written under erased rows: purging"
            );
            self.ports
                .queue
                .enqueue(&[JobPayload::purge(orphans)], self.now())
                .await?;
        }
        Ok(moved)
    }
}

/// A declared SHA-256: 64 hex digits, either case; lowercase from here on.
fn parse_sha256(raw: &str) -> Result<String> {
    if raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(Error::invalid(
            "contentSha256 must be 64 hexadecimal digits",
        ))
    }
}
