//! The bucket CORS rules browsers need (SPEC §1.6): presigned PUT, GET and
//! HEAD from the origins of `CORS_ALLOWED_ORIGINS`. R2 needs them written
//! on the bucket (`media-cli storage cors --apply`); the embedded store
//! follows the same [`RULE`] by itself.

use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use serde_json::{Value, json};

use media_core::error::{Error, Result};

use super::{S3Storage, store_error};
use crate::config::AllowedOrigins;

/// What a browser may do on an object key.
#[derive(Debug)]
pub struct BucketRule {
    /// The methods of presigned URLs.
    pub methods: &'static [&'static str],
    /// Request headers a page may send beyond the CORS-safelisted ones:
    /// `content-type` is signed into upload URLs (SPEC §3.1–3.3).
    pub headers: &'static [&'static str],
    /// Response headers a page may read.
    pub expose: &'static [&'static str],
    /// How long a browser may keep a preflight's answer, in seconds.
    pub max_age_seconds: u32,
}

/// The rule. One hour of preflight cache: an upload URL lives 600 s, and a
/// page uploading a burst then asks once, not once per photo.
pub const RULE: BucketRule = BucketRule {
    methods: &["PUT", "GET", "HEAD"],
    headers: &["content-type"],
    expose: &["ETag"],
    max_age_seconds: 3600,
};

/// The rule set for `origins`, as S3's `PutBucketCors` takes it in JSON
/// (`aws s3api put-bucket-cors --cors-configuration file://…`).
pub fn bucket_cors_json(origins: &AllowedOrigins) -> Value {
    json!({"CORSRules": [{
        "AllowedOrigins": origins.rule_origins(),
        "AllowedMethods": RULE.methods,
        "AllowedHeaders": RULE.headers,
        "ExposeHeaders": RULE.expose,
        "MaxAgeSeconds": RULE.max_age_seconds,
    }]})
}

fn owned(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|s| (*s).to_owned()).collect())
}

impl S3Storage {
    /// Writes the rule set for `origins` on the bucket (`PutBucketCors`;
    /// R2 supports it), replacing the bucket's rules.
    pub async fn put_bucket_cors(&self, origins: &AllowedOrigins) -> Result<()> {
        let invalid = |e: aws_sdk_s3::error::BuildError| Error::invalid(e.to_string());
        let rule = CorsRule::builder()
            .set_allowed_origins(Some(origins.rule_origins()))
            .set_allowed_methods(owned(RULE.methods))
            .set_allowed_headers(owned(RULE.headers))
            .set_expose_headers(owned(RULE.expose))
            .max_age_seconds(RULE.max_age_seconds as i32)
            .build()
            .map_err(invalid)?;
        let rules = CorsConfiguration::builder()
            .cors_rules(rule)
            .build()
            .map_err(invalid)?;
        self.client
            .put_bucket_cors()
            .bucket(&self.bucket)
            .cors_configuration(rules)
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
