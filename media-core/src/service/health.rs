//! Readiness (SPEC §3.14 `/readyz`): whether the ports the service needs answer.

use std::time::Duration;

use super::Media;

/// How long a readiness probe's answer is given again: `/readyz` needs no
/// authentication, and each probe was a database round trip and a store
/// HEAD, so a client looping on it loaded both (issue 26). Kubernetes
/// probes every 5 s: one second of staleness changes nothing for it.
pub const READINESS_FRESH: Duration = Duration::from_secs(1);

/// Which dependencies answered a readiness probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Readiness {
    /// The database answered.
    pub database: bool,
    /// The object store answered.
    pub store: bool,
}

impl Readiness {
    /// Ready only when every dependency answered.
    pub fn is_ready(&self) -> bool {
        self.database && self.store
    }
}

impl Media {
    /// Pings the database (through the queue) and the store, concurrently;
    /// the answer is also the `media_ready` gauge (kept fresh by whatever
    /// probes `/readyz`: Kubernetes every 5 s, the image's health check every 15 s).
    /// An answer at most [`READINESS_FRESH`] old is given again, and probes
    /// arriving while one runs wait for it instead of pinging too.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn readiness(&self) -> Readiness {
        let mut last = self.readiness.lock().await;
        let now = self.now();
        if let Some((at, r)) = *last
            && at <= now
            && now - at < READINESS_FRESH
        {
            return r;
        }
        let (database, store) = tokio::join!(self.ports.queue.ping(), self.ports.storage.ping());
        let r = Readiness {
            database: database.is_ok(),
            store: store.is_ok(),
        };
        crate::observe::readiness(r.database, r.store);
        *last = Some((self.now(), r));
        r
    }
}
