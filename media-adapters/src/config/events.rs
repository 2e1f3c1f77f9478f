//! `EVENTS_WEBHOOK_*` (SPEC §9): both or neither.

use std::time::Duration;

use super::{ConfigError, Lookup, http_url, parse};
use crate::webhooks::{WebhookConfig, WebhookSecret};

/// The receiver of events; `None` when `EVENTS_WEBHOOK_URL` is unset (no
/// event is recorded then). A URL without its secret, or a secret without
/// its URL, is refused: half a configuration would send unsigned events
/// or silently none.
pub(super) fn events(get: Lookup<'_>) -> Result<Option<WebhookConfig>, ConfigError> {
    let (url, secret) = match (get("EVENTS_WEBHOOK_URL"), get("EVENTS_WEBHOOK_SECRET")) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(ConfigError(
                "EVENTS_WEBHOOK_SECRET must be set with EVENTS_WEBHOOK_URL".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError(
                "EVENTS_WEBHOOK_URL must be set with EVENTS_WEBHOOK_SECRET".into(),
            ));
        }
        (Some(url), Some(secret)) => (url, secret),
    };
    http_url("EVENTS_WEBHOOK_URL", &url)?;
    // The secret's value is never in the message.
    let secret = WebhookSecret::parse(&secret)
        .map_err(|why| ConfigError(format!("EVENTS_WEBHOOK_SECRET {why}")))?;
    let ms = parse(
        get,
        "EVENTS_WEBHOOK_TIMEOUT_MS",
        10_000u64,
        |v| (100..=120_000).contains(v),
        "a number of milliseconds from 100 to 120000",
    )?;
    Ok(Some(WebhookConfig {
        url,
        secret,
        timeout: Duration::from_millis(ms),
    }))
}
