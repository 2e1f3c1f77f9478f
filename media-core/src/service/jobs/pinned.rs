//! What Retina is shown is what was completed. Jobs read originals with
//! `If-Match` (see `Storage::get`), but Retina fetches through a presigned
//! GET, which cannot carry that header: the version is checked by HEAD
//! before the URL is issued and again once Retina answered.

use time::OffsetDateTime;

use crate::domain::FailureReason;
use crate::error::Result;
use crate::keys::StorageKey;
use crate::service::Media;

/// Whether an object may be shown to Retina.
pub(super) enum Shown {
    /// A presigned GET of the version the upload completed with.
    Url(String),
    /// No object under the key.
    Missing,
    /// Replaced since its upload completed, or larger than `MAX_UPLOAD_BYTES`.
    Refused(FailureReason),
}

impl Media {
    /// A presigned GET of `key` for Retina when the object is still the
    /// version its upload completed with (`etag`; rows from before ETags were
    /// recorded have none, and are shown as they are) and within the size limit.
    pub(super) async fn retina_url(
        &self,
        key: &StorageKey,
        etag: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Shown> {
        let Some(object) = self.ports.storage.head(key).await? else {
            return Ok(Shown::Missing);
        };
        if etag.is_some() && object.etag.as_deref() != etag {
            return Ok(Shown::Refused(FailureReason::UploadChanged));
        }
        if object.size > self.settings.max_upload_bytes {
            return Ok(Shown::Refused(FailureReason::TooLarge));
        }
        Ok(Shown::Url(self.download_url(key, now)?))
    }

    /// After Retina read `key`: is it still the completed version? A PUT
    /// between the two HEADs means Retina may have seen another image.
    pub(super) async fn still_completed(
        &self,
        key: &StorageKey,
        etag: Option<&str>,
    ) -> Result<bool> {
        let Some(etag) = etag else {
            return Ok(true);
        };
        let object = self.ports.storage.head(key).await?;
        Ok(object.is_some_and(|o| o.etag.as_deref() == Some(etag)))
    }
}
