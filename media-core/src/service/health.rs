//! Readiness (SPEC §3.14 `/readyz`): whether the ports the service needs answer.

use super::Media;

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
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn readiness(&self) -> Readiness {
        let (database, store) = tokio::join!(self.ports.queue.ping(), self.ports.storage.ping());
        let r = Readiness {
            database: database.is_ok(),
            store: store.is_ok(),
        };
        crate::observe::readiness(&r);
        r
    }
}
