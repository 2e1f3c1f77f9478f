use async_trait::async_trait;
use time::OffsetDateTime;

use crate::domain::Event;
use crate::error::{Error, Result};

/// Where events go (SPEC §9): the platform's webhook. Delivery is at least
/// once: the core retries a failed delivery with backoff, with the same
/// event (and id) each time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventSink: Send + Sync {
    /// False when no receiver is configured: then no event is recorded at
    /// all, and deliveries already queued wait until one is.
    fn is_configured(&self) -> bool;
    /// POSTs the event once, stamped and signed at `now` (the attempt's
    /// `webhook-timestamp`). A receiver that did not take it (no answer, a
    /// non-2xx status) is [`Error::Unavailable`]: the job retries.
    async fn deliver(&self, event: &Event, now: OffsetDateTime) -> Result<()>;
}

/// No receiver: events are off (`EVENTS_WEBHOOK_URL` unset).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

#[async_trait]
impl EventSink for NoEvents {
    fn is_configured(&self) -> bool {
        false
    }

    async fn deliver(&self, _event: &Event, _now: OffsetDateTime) -> Result<()> {
        Err(Error::unavailable("EVENTS_WEBHOOK_URL is not set"))
    }
}
