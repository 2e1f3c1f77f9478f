use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::domain::wire::wire_enum;
use crate::error::Result;
use crate::keys::{KeyPrefix, StorageKey};

wire_enum! {
    /// Image types a client may declare for an upload (their MIME types).
    pub enum ImageContentType {
        /// `image/jpeg`
        Jpeg = "image/jpeg",
        /// `image/png`
        Png = "image/png",
        /// `image/webp`
        Webp = "image/webp",
    }
}

impl ImageContentType {
    /// The MIME type, as signed into an upload URL.
    pub const fn mime(self) -> &'static str {
        self.as_str()
    }
}

/// What a presigned PUT pins down. Declared headers are signed into the URL,
/// so the store refuses a body of another type or length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UploadConstraints {
    /// The `Content-Type` the PUT must send.
    pub content_type: Option<ImageContentType>,
    /// The exact `Content-Length` the PUT must send (at most `MAX_UPLOAD_BYTES`).
    pub content_length: Option<u64>,
}

/// An object found in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The full key, as the store spells it (parse it with [`crate::keys::parse`]).
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written, when the store says.
    pub last_modified: Option<OffsetDateTime>,
    /// The store's version tag (quotes removed), when it gives one.
    pub etag: Option<String>,
}

/// What a checked read found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The object's bytes, the expected version, within the limit.
    Bytes(Vec<u8>),
    /// Another version than the one expected is there now.
    Changed,
    /// Larger than the limit: nothing past it was read.
    TooLarge(u64),
}

/// The object store (R2 or any S3-compatible store). Presigning is pure
/// computation and takes the signing time, so listings can sign thousands of
/// URLs cheaply and tests can freeze time; everything else is I/O. Failures
/// of the store are `Error::Unavailable`; an absent object is `Ok(None)` from
/// `head` and `Error::NotFound` from `get`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Storage: Send + Sync {
    /// A URL that accepts one PUT of `key` until `now + ttl`.
    fn presign_put(
        &self,
        key: &StorageKey,
        constraints: &UploadConstraints,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<String>;

    /// A URL that serves GETs of `key` until `now + ttl`.
    fn presign_get(&self, key: &StorageKey, now: OffsetDateTime, ttl: Duration) -> Result<String>;

    /// The permanent (not presigned) reference of `key` under `R2_PUBLIC_URL`,
    /// used only as the operator profile's `fileUrl` (SPEC §3.9).
    fn public_reference(&self, key: &StorageKey) -> String;

    /// The object's size and version; `Ok(None)` when absent.
    async fn head(&self, key: &StorageKey) -> Result<Option<ObjectInfo>>;
    /// Reads `key`, only the version `etag` when given (sent as `If-Match`
    /// and checked against the answer), and never more than `max_bytes`.
    async fn get(&self, key: &StorageKey, etag: Option<String>, max_bytes: u64) -> Result<Fetched>;
    /// Writes `key` (a derivative the core made), replacing what is there.
    async fn put(&self, key: &StorageKey, body: Vec<u8>, content_type: &'static str) -> Result<()>;
    /// Deleting an absent object succeeds.
    async fn delete(&self, key: &StorageKey) -> Result<()>;
    /// Deletes every object under `prefix`; returns how many went.
    async fn delete_prefix(&self, prefix: &KeyPrefix) -> Result<u64>;
    /// Every object under `prefix`, all pages of the listing.
    async fn list_prefix(&self, prefix: &KeyPrefix) -> Result<Vec<ObjectInfo>>;
    /// Starts a multipart upload of `key` (written by a job, never by the
    /// API, SPEC §1.1); returns its upload id.
    async fn begin_upload(&self, key: &StorageKey, content_type: &'static str) -> Result<String>;
    /// Uploads part `number` (from 1) of `upload`; every part but the last
    /// must be at least 5 MiB (S3's rule). Returns the part's ETag.
    async fn upload_part(
        &self,
        key: &StorageKey,
        upload: &str,
        number: u32,
        body: Vec<u8>,
    ) -> Result<String>;
    /// Completes `upload` from its parts' ETags, in order: the object
    /// appears whole, or not at all.
    async fn finish_upload(&self, key: &StorageKey, upload: &str, parts: &[String]) -> Result<()>;
    /// Abandons `upload` and its parts (S3's `NoSuchUpload` counts as done;
    /// best effort: stores also expire abandoned uploads by lifecycle rule).
    async fn abort_upload(&self, key: &StorageKey, upload: &str) -> Result<()>;
    /// Whether the store answers (readiness).
    async fn ping(&self) -> Result<()>;
}
