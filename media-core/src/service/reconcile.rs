//! The upload reconciler (SPEC §3.10): uploads the store never reported
//! are found by a HEAD a while after their URL was issued, or expired.

use time::OffsetDateTime;

use super::Media;
use crate::error::Result;
use crate::ids::{PhotoId, SelfieId};
use crate::keys::{self, PhotoObject};

/// Where the reconciler's last batches ended, per kind of upload: each
/// cycle resumes after them, so 200 abandoned uploads (awaited until their
/// URL and the grace are over, 15 minutes) cannot hide newer ones.
#[derive(Debug, Default)]
pub(crate) struct ReconcileCursor {
    photos: Option<(OffsetDateTime, PhotoId)>,
    selfies: Option<(OffsetDateTime, SelfieId)>,
}

/// How long after issuing a URL the reconciler first looks for the upload.
const RECONCILE_DELAY: time::Duration = time::Duration::seconds(30);
const RECONCILE_BATCH: u32 = 200;

impl Media {
    /// The upload reconciler (SPEC §3.10): HEADs uploads still awaited a
    /// while after their URL was issued; expires those absent past the URL's
    /// life plus the grace period. Returns (arrived, expired).
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn reconcile_uploads(&self) -> Result<(u32, u32)> {
        let now = self.now();
        let issued_before = now - RECONCILE_DELAY;
        let grace = self.settings.upload_grace;
        let given_up = |expires_at: OffsetDateTime| now > expires_at + grace;
        let (mut arrived, mut expired) = (0, 0);
        let (photos_after, selfies_after) = {
            let c = self.cursor();
            (c.photos, c.selfies)
        };
        let photos = self
            .ports
            .photos
            .pending_photo_uploads(issued_before, photos_after, RECONCILE_BATCH)
            .await?;
        // A short batch reached the end: the next cycle starts over.
        self.cursor().photos = (photos.len() == RECONCILE_BATCH as usize)
            .then(|| photos.last().map(|p| (p.created_at, p.id)))
            .flatten();
        for photo in photos {
            let key = keys::photo(photo.project_id, photo.id, PhotoObject::Original);
            if self.photo_arrived(&photo, &key).await? {
                arrived += 1;
            } else if given_up(photo.upload_expires_at) {
                self.ports.photos.expire_photo(photo.id).await?;
                expired += 1;
            }
        }
        let selfies = self
            .ports
            .selfies
            .pending_selfie_uploads(issued_before, selfies_after, RECONCILE_BATCH)
            .await?;
        self.cursor().selfies = (selfies.len() == RECONCILE_BATCH as usize)
            .then(|| selfies.last().map(|s| (s.created_at, s.id)))
            .flatten();
        for selfie in selfies {
            if self.selfie_arrived(&selfie).await? {
                arrived += 1;
            } else if given_up(selfie.upload_expires_at) {
                self.ports.selfies.expire_selfie(selfie.id).await?;
                expired += 1;
            }
        }
        Ok((arrived, expired))
    }

    fn cursor(&self) -> std::sync::MutexGuard<'_, ReconcileCursor> {
        // A poisoned cursor is only a position: keep using it.
        self.reconcile
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
