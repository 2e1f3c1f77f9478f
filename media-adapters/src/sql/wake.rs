//! Waking idle workers without losing a wake-up. `Notify::notify_waiters`
//! stores no permit: a signal between a worker's empty claim and the start
//! of its wait used to be lost, and the job waited for the 2 s poll. An
//! epoch read before the claim closes that window: a wait returns at once
//! when the epoch has moved since.

use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// The signal shared by a store's clones (and its Postgres listener).
#[derive(Debug, Default)]
pub(crate) struct Wake {
    epoch: AtomicU64,
    notify: Notify,
}

impl Wake {
    /// Work may be due: move the epoch, then wake every waiter.
    pub(crate) fn signal(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Returns at once when signalled since `since` was read; else at the
    /// next signal, or after `max`.
    pub(crate) async fn wait(&self, since: u64, max: Duration) {
        let mut notified = pin!(self.notify.notified());
        // Registered before the check: a signal after it still wakes us.
        notified.as_mut().enable();
        if self.epoch() != since {
            return;
        }
        let _ = tokio::time::timeout(max, notified).await;
    }
}
