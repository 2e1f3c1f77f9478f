//! R2 or any S3-compatible store, through aws-sdk-s3 (path-style addressing).
//! Presigned URLs come from [`presign::Presigner`], byte-identical to the SDK's.

pub mod cors;
mod multipart;
pub mod presign;

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_types::timeout::TimeoutConfig;
use time::OffsetDateTime;

use media_core::error::{Error, Result};
use media_core::keys::{KeyPrefix, StorageKey};
use media_core::ports::{Fetched, ObjectInfo, Storage, UploadConstraints};

use presign::{Method, Presigner, SignedHeaders};

/// Where the store is and how to sign for it. The secret is not printed by `Debug`.
#[derive(Clone)]
pub struct S3Config {
    /// `scheme://host[:port]`, without the bucket.
    pub endpoint: String,
    /// `R2_BUCKET`.
    pub bucket: String,
    /// The signing region (`auto` for R2).
    pub region: String,
    /// `R2_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `R2_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
    /// `R2_PUBLIC_URL`: base of the permanent `fileUrl` references (SPEC §3.9).
    pub public_url: Option<String>,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// [`Storage`] on R2 or any S3-compatible store:
/// aws-sdk-s3 for I/O (path-style, rustls), a local SigV4 presigner for
/// URLs (no I/O, ~µs each). Store failures are `Error::Unavailable`.
#[derive(Debug, Clone)]
pub struct S3Storage {
    client: aws_sdk_s3::Client,
    bucket: String,
    presigner: std::sync::Arc<Presigner>,
    public_base: String,
}

fn store_error<E: ProvideErrorMetadata + std::fmt::Debug, R>(e: SdkError<E, R>) -> Error {
    let detail = match &e {
        SdkError::ServiceError(s) => format!(
            "{}: {}",
            s.err().code().unwrap_or("error"),
            s.err().message().unwrap_or("")
        ),
        other => other.to_string(),
    };
    Error::unavailable(format!("object store: {detail}"))
}

fn is_not_found<E: ProvideErrorMetadata>(
    e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> bool {
    let status = e.raw_response().map(|r| r.status().as_u16());
    status == Some(404) || matches!(e.code(), Some("NotFound" | "NoSuchKey"))
}

fn http_status<E>(e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// An ETag without its quotes (stores differ on sending them).
fn etag_of(t: Option<&str>) -> Option<String> {
    t.map(|t| t.trim_matches('"').to_owned())
}

fn time_of(t: Option<&aws_smithy_types::DateTime>) -> Option<OffsetDateTime> {
    t.and_then(|d| OffsetDateTime::from_unix_timestamp(d.secs()).ok())
}

impl S3Storage {
    /// A client of the store `config` names (nothing is contacted yet).
    pub fn new(config: &S3Config) -> Self {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let credentials = Credentials::new(
            &config.access_key_id,
            &config.secret_access_key,
            None,
            None,
            "media-config",
        );
        let sdk = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .endpoint_url(config.endpoint.trim_end_matches('/'))
            .credentials_provider(credentials)
            .force_path_style(true)
            // Checksums only where an operation needs one: R2 and the
            // embedded store both take plain bodies. Bodies written are not
            // hashed for the signature either (`disable_payload_signing` on
            // PUTs; decision 0025).
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            )
            .http_client(http)
            .build();
        let public_base = config.public_url.clone().unwrap_or_else(|| {
            format!(
                "{}/{}",
                config.endpoint.trim_end_matches('/'),
                config.bucket
            )
        });
        Self {
            client: aws_sdk_s3::Client::from_conf(sdk),
            bucket: config.bucket.clone(),
            presigner: std::sync::Arc::new(Presigner::new(
                &config.endpoint,
                &config.bucket,
                &config.region,
                &config.access_key_id,
                &config.secret_access_key,
            )),
            public_base: public_base.trim_end_matches('/').to_owned(),
        }
    }

    /// The SDK client, for tests and tools that compare against it.
    pub fn client(&self) -> &aws_sdk_s3::Client {
        &self.client
    }

    /// The bucket it reads and writes.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Creates the bucket when absent (development stores).
    pub async fn ensure_bucket(&self) -> Result<()> {
        if self
            .client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        self.client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }
}

#[async_trait]
impl Storage for S3Storage {
    fn presign_put(
        &self,
        key: &StorageKey,
        constraints: &UploadConstraints,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<String> {
        let headers = SignedHeaders {
            content_type: constraints.content_type.map(|t| t.mime()),
            content_length: constraints.content_length,
        };
        Ok(self
            .presigner
            .presign(Method::Put, key.as_str(), now, ttl.as_secs(), headers))
    }

    fn presign_get(&self, key: &StorageKey, now: OffsetDateTime, ttl: Duration) -> Result<String> {
        Ok(self.presigner.presign(
            Method::Get,
            key.as_str(),
            now,
            ttl.as_secs(),
            SignedHeaders::default(),
        ))
    }

    fn public_reference(&self, key: &StorageKey) -> String {
        format!("{}/{}", self.public_base, key.as_str())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn head(&self, key: &StorageKey) -> Result<Option<ObjectInfo>> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(out) => Ok(Some(ObjectInfo {
                key: key.to_string(),
                size: out.content_length().unwrap_or(0).max(0) as u64,
                last_modified: time_of(out.last_modified()),
                etag: etag_of(out.e_tag()),
            })),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(store_error(e)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn get(&self, key: &StorageKey, etag: Option<String>, max_bytes: u64) -> Result<Fetched> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str());
        // R2 and S3 refuse another version with 412; the embedded store
        // ignores If-Match, so the answer's ETag is checked below too.
        let request = match &etag {
            Some(t) => request.if_match(format!("\"{t}\"")),
            None => request,
        };
        let mut out = match request.send().await {
            Ok(out) => out,
            Err(e) if http_status(&e) == Some(412) => return Ok(Fetched::Changed),
            Err(e) if is_not_found(&e) => return Err(Error::NotFound),
            Err(e) => return Err(store_error(e)),
        };
        if etag.is_some() && etag_of(out.e_tag()) != etag {
            return Ok(Fetched::Changed);
        }
        let declared = out.content_length().unwrap_or(0).max(0) as u64;
        if declared > max_bytes {
            return Ok(Fetched::TooLarge(declared));
        }
        // Never more than the limit in memory, whatever the length said.
        let mut bytes = Vec::with_capacity(declared as usize);
        while let Some(chunk) = out
            .body
            .try_next()
            .await
            .map_err(|e| Error::unavailable(format!("object store: reading {key}: {e}")))?
        {
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Ok(Fetched::TooLarge((bytes.len() + chunk.len()) as u64));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Bytes(bytes))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn put(&self, key: &StorageKey, body: Vec<u8>, content_type: &'static str) -> Result<()> {
        let bytes = body.len();
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .body(ByteStream::from(body))
            .customize()
            .disable_payload_signing()
            .send()
            .await
            .map_err(store_error)?;
        crate::observe::object_written(bytes);
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn delete(&self, key: &StorageKey) -> Result<()> {
        match self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(prefix = %prefix))]
    async fn delete_prefix(&self, prefix: &KeyPrefix) -> Result<u64> {
        let objects = self.list_prefix(prefix).await?;
        for o in &objects {
            match self
                .client
                .delete_object()
                .bucket(&self.bucket)
                .key(&o.key)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(store_error(e)),
            }
        }
        Ok(objects.len() as u64)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(prefix = %prefix))]
    async fn list_prefix(&self, prefix: &KeyPrefix) -> Result<Vec<ObjectInfo>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix.as_str())
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(store_error)?;
            for o in page.contents() {
                if let Some(key) = o.key() {
                    out.push(ObjectInfo {
                        key: key.to_owned(),
                        size: o.size().unwrap_or(0).max(0) as u64,
                        last_modified: time_of(o.last_modified()),
                        etag: etag_of(o.e_tag()),
                    });
                }
            }
            match page.next_continuation_token() {
                Some(t) if page.is_truncated().unwrap_or(false) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(out)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn begin_upload(&self, key: &StorageKey, content_type: &'static str) -> Result<String> {
        self.create_multipart(key, content_type).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key, part = number))]
    async fn upload_part(
        &self,
        key: &StorageKey,
        upload: &str,
        number: u32,
        body: Vec<u8>,
    ) -> Result<String> {
        self.put_part(key, upload, number, body).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key, parts = parts.len()))]
    async fn finish_upload(&self, key: &StorageKey, upload: &str, parts: &[String]) -> Result<()> {
        self.complete_multipart(key, upload, parts).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn abort_upload(&self, key: &StorageKey, upload: &str) -> Result<()> {
        self.abort_multipart(key, upload).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn ping(&self) -> Result<()> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
