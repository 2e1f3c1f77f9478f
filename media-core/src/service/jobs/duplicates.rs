//! Duplicate uploads (SPEC §4): the thumbnails job hashes the original it
//! read; a second photo of the project with the same bytes fails as
//! `duplicate` of the first, its objects are purged, and no face-service
//! call is made for it.

use sha2::{Digest, Sha256};

use crate::domain::{Event, FailureReason, JobPayload, Photo, PurgeTarget};
use crate::error::{Error, Result};
use crate::ids::PhotoId;
use crate::service::Media;

/// SHA-256 as 64 lowercase hex digits (what `contentSha256` is compared with).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

impl Media {
    /// Hashes the original (off the async threads: 24 MP JPEGs are tens of
    /// MB) and records it; when another photo of the project holds the same
    /// bytes, fails this one as its duplicate and returns `None`. Else the
    /// bytes back, to render.
    pub(super) async fn unless_duplicate(
        &self,
        photo: &Photo,
        bytes: Vec<u8>,
    ) -> Result<Option<Vec<u8>>> {
        let (bytes, sha256) = tokio::task::spawn_blocking(move || {
            let sha = sha256_hex(&bytes);
            (bytes, sha)
        })
        .await
        .map_err(|e| Error::permanent(format!("hashing crashed: {e}")))?;
        let Some(first) = self
            .ports
            .photos
            .record_content(photo.id, photo.project_id, &sha256)
            .await?
        else {
            return Ok(Some(bytes));
        };
        self.fail_as_duplicate(photo, first).await?;
        Ok(None)
    }

    async fn fail_as_duplicate(&self, photo: &Photo, first: PhotoId) -> Result<()> {
        tracing::info!(photo = %photo.id, %first, "photo failed: duplicate");
        let now = self.now();
        let mut jobs = vec![JobPayload::purge(vec![PurgeTarget::Photo {
            project_id: photo.project_id,
            photo_id: photo.id,
        }])];
        jobs.extend(self.announce(Event::photo_failed(
            photo,
            FailureReason::Duplicate,
            Some(first),
            now,
        )));
        self.ports
            .photos
            .fail_as_duplicate(photo.id, first, &jobs, now)
            .await?;
        Ok(())
    }

    /// Whether a derivative written for `photo` must go: the photo failed
    /// as a duplicate meanwhile (its folder was purged, or will be).
    pub(super) fn is_duplicate(photo: Option<&Photo>) -> bool {
        photo.is_some_and(|p| p.failure_reason == Some(FailureReason::Duplicate))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_digest_is_sha256_in_lowercase_hex() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
