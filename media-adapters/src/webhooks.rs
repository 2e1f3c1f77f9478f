//! Events to the platform as Standard Webhooks (SPEC §9): each event POSTed
//! with `webhook-id`, `webhook-timestamp` and `webhook-signature:
//! v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the `whsec_…`
//! secret's bytes.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

use media_core::domain::Event;
use media_core::error::{Error, Result};
use media_core::ports::EventSink;

/// The signing key of `EVENTS_WEBHOOK_SECRET`: `whsec_` then base64. Its
/// `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl WebhookSecret {
    /// Parses `whsec_<base64>` (Standard Webhooks' form); at least 16 bytes.
    pub fn parse(s: &str) -> std::result::Result<Self, &'static str> {
        let b64 = s
            .strip_prefix("whsec_")
            .ok_or("must start with whsec_ (Standard Webhooks)")?;
        let key = STANDARD
            .decode(b64)
            .map_err(|_| "must be whsec_ followed by base64")?;
        if key.len() < 16 {
            return Err("must hold at least 16 bytes of key");
        }
        Ok(Self(key))
    }

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = <Hmac<Sha256>>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// Where events go: `EVENTS_WEBHOOK_URL` and `EVENTS_WEBHOOK_SECRET`.
/// `Debug` shows the URL's origin only: its path or query may be a token.
#[derive(Clone)]
pub struct WebhookConfig {
    /// The receiver.
    pub url: String,
    /// The signing key.
    pub secret: WebhookSecret,
    /// A slower answer is a failed attempt (retried).
    pub timeout: Duration,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &crate::redact::origin(&self.url))
            .field("secret", &self.secret)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// [`EventSink`] over HTTP.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    http: reqwest::Client,
    config: WebhookConfig,
}

impl WebhookSender {
    /// A sender of `config`; [`Error::Invalid`] when the client cannot be built.
    pub fn new(config: WebhookConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            // A redirect would re-POST the body somewhere else: not followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::invalid(format!("EVENTS_WEBHOOK_URL: {e}")))?;
        Ok(Self { http, config })
    }
}

#[async_trait]
impl EventSink for WebhookSender {
    fn is_configured(&self) -> bool {
        true
    }

    #[tracing::instrument(level = "debug", skip_all, fields(event = %event.id, kind = event.kind()))]
    async fn deliver(&self, event: &Event, now: OffsetDateTime) -> Result<()> {
        let id = event.id.to_string();
        let timestamp = now.unix_timestamp();
        let body = event.body();
        let signature = self.config.secret.sign(&id, timestamp, &body);
        let answer = self
            .http
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let outcome = match answer {
            // The URL may carry a token: never in the error.
            Err(e) => Err(Error::unavailable(format!(
                "events webhook: {}",
                e.without_url()
            ))),
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(Error::unavailable(format!(
                "events webhook answered {}",
                r.status()
            ))),
        };
        crate::observe::event_delivered(event.kind(), outcome.is_ok());
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_standard_webhooks_reference() {
        // The example of the Standard Webhooks specification and its libraries.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_secret_must_be_whsec_base64_of_16_bytes_or_more() {
        assert!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(WebhookSecret::parse("whsec_not base64!").is_err());
        assert!(WebhookSecret::parse("whsec_AAAA").is_err());
        let s = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(format!("{s:?}"), "WebhookSecret(<redacted>)");
    }
}
