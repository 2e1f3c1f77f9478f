//! Multipart uploads (archives, SPEC §3.13b): a job writes a large object
//! part by part without ever holding it whole.

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use media_core::error::{Error, Result};
use media_core::keys::StorageKey;

use super::{S3Storage, is_not_found, store_error};

impl S3Storage {
    pub(super) async fn create_multipart(
        &self,
        key: &StorageKey,
        content_type: &'static str,
    ) -> Result<String> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .send()
            .await
            .map_err(store_error)?;
        out.upload_id()
            .map(str::to_owned)
            .ok_or_else(|| Error::unavailable("the store started an upload without an id"))
    }

    pub(super) async fn put_part(
        &self,
        key: &StorageKey,
        upload: &str,
        number: u32,
        body: Vec<u8>,
    ) -> Result<String> {
        let bytes = body.len();
        let out = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload)
            .part_number(i32::try_from(number).map_err(|_| Error::permanent("part number"))?)
            .body(ByteStream::from(body))
            .customize()
            .disable_payload_signing()
            .send()
            .await
            .map_err(store_error)?;
        crate::observe::bytes_written(bytes);
        out.e_tag()
            .map(str::to_owned)
            .ok_or_else(|| Error::unavailable("the store took a part without an ETag"))
    }

    pub(super) async fn complete_multipart(
        &self,
        key: &StorageKey,
        upload: &str,
        parts: &[String],
    ) -> Result<()> {
        let parts: Vec<CompletedPart> = parts
            .iter()
            .zip(1..)
            .map(|(etag, n)| CompletedPart::builder().e_tag(etag).part_number(n).build())
            .collect();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(store_error)?;
        crate::observe::object_written(0);
        Ok(())
    }

    pub(super) async fn abort_multipart(&self, key: &StorageKey, upload: &str) -> Result<()> {
        match self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) || e.code() == Some("NoSuchUpload") => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }
}
