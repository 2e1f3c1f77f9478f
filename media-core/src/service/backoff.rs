//! How long a retry waits: exponential backoff with "equal jitter" for
//! failed jobs, event deliveries and a worker that lost its database.

use std::time::Duration;

use super::Media;
use crate::domain::{Job, JobPayload};

/// Attempt `n` waits between half and all of `base · factor^(n-1)`, capped
/// at `cap`: delays grow strictly below the cap while retries that failed
/// together spread out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The full delay of the first attempt.
    pub base: Duration,
    /// How much longer each attempt waits than the one before.
    pub factor: f64,
    /// The longest delay.
    pub cap: Duration,
}

impl Backoff {
    /// A failed job: 2 s doubling to an hour.
    pub const JOB: Self = Self {
        base: Duration::from_secs(2),
        factor: 2.0,
        cap: Duration::from_secs(3600),
    };

    /// A worker that could not reach the queue (the database restarting):
    /// 100 ms doubling to the 2 s poll. Each failure also discards one dead
    /// pooled connection (16 per process), so a job backoff's 1 s, 2 s, 4 s…
    /// left jobs waiting 3.4 s (p50) after a Postgres restart
    /// (BENCHMARKS.md, pickup).
    pub const RECONNECT: Self = Self {
        base: Duration::from_millis(100),
        factor: 2.0,
        cap: Duration::from_secs(2),
    };

    /// Event deliveries: six times longer per attempt from `base`
    /// (`event_retry_base`, 10 s: 10 s, 1 min, 6 min, 36 min), capped at 6 h.
    pub fn events(base: Duration) -> Self {
        Self {
            base,
            factor: 6.0,
            cap: Duration::from_secs(6 * 3600),
        }
    }

    /// The wait before attempt `attempt` (from 1) with `jitter` uniform in [0, 1).
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        // Past 60 steps every delay is the cap: the exponent stays finite.
        let steps = attempt.saturating_sub(1).min(60) as i32;
        let exp = (self.base.as_secs_f64() * self.factor.powi(steps)).min(self.cap.as_secs_f64());
        Duration::from_secs_f64(exp / 2.0 + exp / 2.0 * jitter.clamp(0.0, 1.0))
    }
}

/// A jitter uniform in [0, 1).
pub(crate) fn jitter() -> f64 {
    // A v4 UUID is 122 random bits from the OS generator: enough for jitter.
    let bits = uuid::Uuid::new_v4().as_u128() as u64;
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

impl Media {
    /// When a failed job runs again (the worker's backoff).
    pub(crate) fn retry_delay(&self, job: &Job, jitter: f64) -> Duration {
        let backoff = match job.payload {
            JobPayload::DeliverEvent { .. } => Backoff::events(self.settings.event_retry_base),
            _ => Backoff::JOB,
        };
        backoff.delay(job.attempts, jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn each_event_retry_waits_longer_than_the_one_before_until_the_cap(attempt in 1u32..4, a in 0.0f64..1.0, b in 0.0f64..1.0) {
            let events = Backoff::events(Duration::from_secs(10));
            prop_assert!(events.delay(attempt + 1, a) >= events.delay(attempt, b));
        }

        #[test]
        fn the_first_event_retry_waits_between_half_and_all_of_the_base(j in 0.0f64..1.0) {
            let d = Backoff::events(Duration::from_secs(10)).delay(1, j);
            prop_assert!(d >= Duration::from_secs(5) && d <= Duration::from_secs(10));
        }
    }
}
