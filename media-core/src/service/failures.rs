//! A photo or a selfie fails: its guarded transition, with the event that
//! announces it committed in the same transaction.

use super::Media;
use crate::domain::{Event, FailureReason, JobPayload, Photo, PurgeTarget, Selfie};
use crate::error::Result;

impl Media {
    /// Fails the photo with `reason`, announcing `photo.failed` with it.
    pub(crate) async fn photo_failed(&self, photo: &Photo, reason: FailureReason) -> Result<bool> {
        let now = self.now();
        let jobs: Vec<_> = self
            .announce(Event::photo_failed(photo, reason, None, now))
            .into_iter()
            .collect();
        self.ports
            .photos
            .fail_photo(photo.id, reason, &jobs, now)
            .await
    }

    /// Fails the selfie with `reason`, announcing `selfie.failed` with it.
    pub(crate) async fn selfie_failed(
        &self,
        selfie: &Selfie,
        reason: FailureReason,
    ) -> Result<bool> {
        let now = self.now();
        let mut jobs: Vec<_> = self
            .announce(Event::selfie_failed(selfie, reason, now))
            .into_iter()
            .collect();
        if reason.object_unusable() {
            jobs.push(selfie_purge(selfie));
        }
        self.ports
            .selfies
            .fail_selfie(selfie.id, reason, &jobs, now)
            .await
    }
}

/// The purge of one selfie's object: a rejected or unusable selfie keeps
/// nothing in the store (issue 26).
pub(crate) fn selfie_purge(selfie: &Selfie) -> JobPayload {
    JobPayload::purge(vec![PurgeTarget::Selfie {
        user_id: selfie.user_id,
        timestamp_ms: selfie.key_timestamp_ms,
    }])
}
