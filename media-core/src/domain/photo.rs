use time::OffsetDateTime;

use super::transition::Transition;
use super::wire::wire_enum;

use crate::ids::{PhotoId, PhotographerId, ProjectId};

wire_enum! {
    /// Where a photo is in its life (SPEC §4).
    #[non_exhaustive]
    pub enum PhotoStatus {
        /// An upload URL was issued; the object has not been confirmed yet.
        AwaitingUpload = "awaiting_upload",
        /// The object is in the store; thumbnails and watermark are being made.
        Processing = "processing",
        /// Thumbnails and watermark exist.
        Ready = "ready",
        /// Processing ended for good; `failure_reason` says why.
        Failed = "failed",
        /// The upload never arrived within the URL's life plus the grace period.
        Expired = "expired",
    }
}

/// The photo transition table. Every status change of a photo is one of
/// these; the SQL binds `from` and `to` and holds no status of its own.
impl PhotoStatus {
    /// The original arrived (confirmation, store event or reconciler). An
    /// `expired` upload whose object arrives late is still processed.
    pub const UPLOAD_ARRIVED: Transition<PhotoStatus> = Transition {
        from: &[Self::AwaitingUpload, Self::Expired],
        to: Self::Processing,
    };
    /// A derivative (thumbnails or watermark) was written. The photo becomes
    /// `to` only once *both* derivatives are recorded; until then it keeps
    /// its status. A photo in any other status (failed, deleted) records nothing.
    pub const DERIVATIVE_RECORDED: Transition<PhotoStatus> = Transition {
        from: &[Self::Processing, Self::Ready],
        to: Self::Ready,
    };
    /// The second derivative was recorded: the photo is `ready` now, for the
    /// first time since it was (re)processed — `photo.ready` is sent.
    pub const BECAME_READY: Transition<PhotoStatus> = Transition {
        from: &[Self::Processing],
        to: Self::Ready,
    };
    /// Processing ended for good (bad image, too large, the job died).
    pub const FAILED: Transition<PhotoStatus> = Transition {
        from: &[Self::Processing, Self::Ready],
        to: Self::Failed,
    };
    /// No upload within the URL's life plus the grace period.
    pub const EXPIRED: Transition<PhotoStatus> = Transition {
        from: &[Self::AwaitingUpload],
        to: Self::Expired,
    };
    /// `reprocess` of thumbnails or watermark (a faces-only reprocess keeps
    /// the status): back to processing with the chosen done-flags cleared.
    pub const REPROCESSED: Transition<PhotoStatus> = Transition {
        from: &[Self::Processing, Self::Ready, Self::Failed],
        to: Self::Processing,
    };

    /// Whether the upload is still awaited (or arrived after its expiry).
    pub fn awaits_upload(self) -> bool {
        Self::UPLOAD_ARRIVED.applies_to(self)
    }

    /// Whether the original is known to be in the store.
    pub fn original_uploaded(self) -> bool {
        !self.awaits_upload()
    }

    /// The status once a derivative is recorded, given the flags after it:
    /// ready with both, else unchanged.
    pub fn after_derivative(self, thumbnails_done: bool, watermark_done: bool) -> PhotoStatus {
        if thumbnails_done && watermark_done {
            Self::DERIVATIVE_RECORDED.to
        } else {
            self
        }
    }
}

wire_enum! {
    /// Why processing of a photo or selfie ended for good. Stable snake_case codes.
    #[non_exhaustive]
    pub enum FailureReason {
        /// Zero bytes.
        EmptyFile = "empty_file",
        /// Not a JPEG, PNG or WebP.
        UnsupportedFormat = "unsupported_format",
        /// Truncated or corrupt image data.
        UnreadableImage = "unreadable_image",
        /// More pixels than `MAX_IMAGE_PIXELS` (read from the header, nothing decoded).
        TooManyPixels = "too_many_pixels",
        /// More bytes than `MAX_UPLOAD_BYTES`.
        TooLarge = "too_large",
        /// Retina refused the image (a permanent 4xx).
        RetinaRejected = "retina_rejected",
        /// Retina never answered within the job's attempts.
        RetinaUnavailable = "retina_unavailable",
        /// The processing job gave up after its last attempt.
        ProcessingFailed = "processing_failed",
        /// The original was replaced after its upload completed (another PUT
        /// to the same URL): its derivatives would mix two images.
        UploadChanged = "upload_changed",
        /// The same bytes as another photo of the project (`duplicateOf`).
        Duplicate = "duplicate",
    }
}

impl FailureReason {
    /// Whether the object itself is the reason (unusable whatever retries):
    /// a selfie that failed so has its object purged at once (issue 26).
    /// The others (`retina_unavailable`, `processing_failed`) keep it, so
    /// that retrying the dead job processes it again.
    pub fn object_unusable(self) -> bool {
        !matches!(self, Self::RetinaUnavailable | Self::ProcessingFailed)
    }
}

/// A photo row as the repository stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Photo {
    /// Its id (also in its storage keys).
    pub id: PhotoId,
    /// The project it was uploaded to.
    pub project_id: ProjectId,
    /// Who uploaded it.
    pub photographer_id: PhotographerId,
    /// Where it is in its life (the transition table).
    pub status: PhotoStatus,
    /// When it was taken, from EXIF `DateTimeOriginal`; `None` until the thumbnails job read it, or when absent.
    pub taken_at: Option<OffsetDateTime>,
    /// Width in pixels after EXIF orientation; `None` until the thumbnails job ran.
    pub width: Option<u32>,
    /// Height in pixels after EXIF orientation; `None` until the thumbnails job ran.
    pub height: Option<u32>,
    /// When the upload URL was issued.
    pub created_at: OffsetDateTime,
    /// When the presigned PUT stops working; the reconciler expires the upload after it.
    pub upload_expires_at: OffsetDateTime,
    /// Why it is `failed`; `None` otherwise.
    pub failure_reason: Option<FailureReason>,
    /// The 400 and 800 px thumbnails are written.
    pub thumbnails_done: bool,
    /// The watermarked copy is written.
    pub watermark_done: bool,
    /// Its faces were detected and stored (or it has none).
    pub faces_done: bool,
    /// The original's ETag when its upload completed: every job reads that
    /// version or fails the photo as `upload_changed`. `None` before.
    pub original_etag: Option<String>,
    /// The ThumbHash of its 400 px thumbnail (a ~25-byte blurred
    /// placeholder); `None` until the thumbnails job ran.
    pub thumbhash: Option<Vec<u8>>,
    /// The photo of the project with the same bytes, when this one failed
    /// as [`FailureReason::Duplicate`].
    pub duplicate_of: Option<PhotoId>,
}

impl Photo {
    /// A new photo whose upload URL is issued at `now`, valid until
    /// `upload_expires_at`: awaiting its original, nothing derived yet.
    pub fn awaiting_upload(
        project_id: ProjectId,
        photographer_id: PhotographerId,
        now: OffsetDateTime,
        upload_expires_at: OffsetDateTime,
    ) -> Self {
        Self {
            id: PhotoId::new(),
            project_id,
            photographer_id,
            status: PhotoStatus::AwaitingUpload,
            taken_at: None,
            width: None,
            height: None,
            created_at: now,
            upload_expires_at,
            failure_reason: None,
            thumbnails_done: false,
            watermark_done: false,
            faces_done: false,
            original_etag: None,
            thumbhash: None,
            duplicate_of: None,
        }
    }

    /// Whether the original object is known to be in the store.
    pub fn original_uploaded(&self) -> bool {
        self.status.original_uploaded()
    }

    /// Whether the original is still kept: uploaded, and not purged as
    /// another photo's duplicate.
    pub fn original_kept(&self) -> bool {
        self.original_uploaded() && self.failure_reason != Some(FailureReason::Duplicate)
    }
}

/// A photo with the names a listing shows beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoListing {
    /// The photo.
    pub photo: Photo,
    /// Its project's name.
    pub project_name: String,
    /// Its photographer's name (empty when the directory has none).
    pub photographer_name: String,
}

/// What the image pipeline learnt of an original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoMetadata {
    /// Width in pixels, EXIF orientation applied.
    pub width: u32,
    /// Height in pixels, EXIF orientation applied.
    pub height: u32,
    /// EXIF `DateTimeOriginal`, read as UTC (cameras record no zone).
    pub taken_at: Option<OffsetDateTime>,
    /// The ThumbHash of the 400 px thumbnail, when thumbnails were made.
    pub thumbhash: Option<Vec<u8>>,
}

/// What can happen to a photo's row: the events of the transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg(any(test, feature = "testing"))]
pub enum PhotoEvent {
    /// The original arrived (completion, store report or reconciler).
    UploadArrived,
    /// The thumbnails job recorded its output.
    ThumbnailsRecorded,
    /// The watermark job recorded its output.
    WatermarkRecorded,
    /// Processing ended for good.
    Failed,
    /// No upload within the URL's life and the grace period.
    Expired,
    /// `reprocess` clearing the given derivatives.
    Reprocessed {
        /// Clear the thumbnails (render them again).
        thumbnails: bool,
        /// Clear the watermarked copy.
        watermark: bool,
    },
}

/// A photo's status and derivative flags: what the transition table acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg(any(test, feature = "testing"))]
pub struct PhotoProgress {
    /// The status.
    pub status: PhotoStatus,
    /// The thumbnails are recorded.
    pub thumbnails_done: bool,
    /// The watermarked copy is recorded.
    pub watermark_done: bool,
}

#[cfg(any(test, feature = "testing"))]
impl PhotoProgress {
    /// A photo whose upload URL was just issued.
    pub const NEW: PhotoProgress = PhotoProgress {
        status: PhotoStatus::AwaitingUpload,
        thumbnails_done: false,
        watermark_done: false,
    };

    /// Applies `event` as the repository's guarded update does; false (and
    /// nothing changed) when the event does not apply in this status. This
    /// is the reference the SQL is tested against.
    pub fn apply(&mut self, event: PhotoEvent) -> bool {
        let guard = match event {
            PhotoEvent::UploadArrived => PhotoStatus::UPLOAD_ARRIVED,
            PhotoEvent::ThumbnailsRecorded | PhotoEvent::WatermarkRecorded => {
                PhotoStatus::DERIVATIVE_RECORDED
            }
            PhotoEvent::Failed => PhotoStatus::FAILED,
            PhotoEvent::Expired => PhotoStatus::EXPIRED,
            PhotoEvent::Reprocessed { .. } => PhotoStatus::REPROCESSED,
        };
        if !guard.applies_to(self.status) {
            return false;
        }
        match event {
            PhotoEvent::ThumbnailsRecorded => {
                self.thumbnails_done = true;
                self.status = self
                    .status
                    .after_derivative(self.thumbnails_done, self.watermark_done);
            }
            PhotoEvent::WatermarkRecorded => {
                self.watermark_done = true;
                self.status = self
                    .status
                    .after_derivative(self.thumbnails_done, self.watermark_done);
            }
            PhotoEvent::Reprocessed {
                thumbnails,
                watermark,
            } => {
                self.thumbnails_done &= !thumbnails;
                self.watermark_done &= !watermark;
                if thumbnails || watermark {
                    self.status = guard.to;
                }
            }
            _ => self.status = guard.to,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn event() -> impl Strategy<Value = PhotoEvent> {
        prop_oneof![
            Just(PhotoEvent::UploadArrived),
            Just(PhotoEvent::ThumbnailsRecorded),
            Just(PhotoEvent::WatermarkRecorded),
            Just(PhotoEvent::Failed),
            Just(PhotoEvent::Expired),
            (any::<bool>(), any::<bool>()).prop_map(|(thumbnails, watermark)| {
                PhotoEvent::Reprocessed {
                    thumbnails,
                    watermark,
                }
            }),
        ]
    }

    proptest! {
        #[test]
        fn no_path_reaches_ready_without_both_derivatives(events in prop::collection::vec(event(), 0..40)) {
            let mut p = PhotoProgress::NEW;
            for e in events {
                p.apply(e);
                if p.status == PhotoStatus::Ready {
                    prop_assert!(p.thumbnails_done && p.watermark_done, "{p:?} after {e:?}");
                }
            }
        }

        #[test]
        fn failed_and_expired_are_reached_only_from_the_statuses_the_table_allows(
            events in prop::collection::vec(event(), 0..40)
        ) {
            let mut p = PhotoProgress::NEW;
            for e in events {
                let before = p.status;
                let changed = p.apply(e);
                if p.status != before {
                    prop_assert!(changed);
                    match p.status {
                        PhotoStatus::Failed => prop_assert!(PhotoStatus::FAILED.from.contains(&before)),
                        PhotoStatus::Expired => prop_assert!(PhotoStatus::EXPIRED.from.contains(&before)),
                        _ => {}
                    }
                }
            }
        }

        #[test]
        fn an_event_that_does_not_apply_changes_nothing(
            events in prop::collection::vec(event(), 0..40)
        ) {
            let mut p = PhotoProgress::NEW;
            for e in events {
                let before = p;
                if !p.apply(e) {
                    prop_assert_eq!(p, before);
                }
            }
        }
    }

    #[test]
    fn the_happy_path_ends_ready() {
        let mut p = PhotoProgress::NEW;
        for e in [
            PhotoEvent::UploadArrived,
            PhotoEvent::ThumbnailsRecorded,
            PhotoEvent::WatermarkRecorded,
        ] {
            assert!(p.apply(e), "{e:?}");
        }
        assert_eq!(p.status, PhotoStatus::Ready);
        assert!(
            !p.apply(PhotoEvent::UploadArrived),
            "an upload arrives once"
        );
        assert!(
            !p.apply(PhotoEvent::Expired),
            "a processed photo never expires"
        );
    }
}
