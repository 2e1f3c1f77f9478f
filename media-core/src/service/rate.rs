//! Selfie uploads per user per hour (SPEC §5 "Fairness", decision 0033):
//! each upload URL costs a face detection, and uploading then erasing in a
//! loop would queue an erasure's purges each time.
//!
//! Counted in the process that answers (the API): the instants survive
//! the user's erasure, which deletes selfie rows, and need no write. With
//! several API replicas a user gets the cap from each.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::ids::UserId;

/// The window the cap counts over.
pub const WINDOW: Duration = Duration::from_secs(3600);

/// Users remembered at once before those whose window has passed are
/// forgotten (a sweep, then the map holds only the last hour's users).
const SWEEP_ABOVE: usize = 4096;

/// Whether one more request is allowed at `now` after those at `earlier`
/// (oldest first, all within the window): `Err(wait)` when `cap` were
/// already made in the last [`WINDOW`], `wait` being when the oldest
/// leaves it.
pub fn allowed(
    earlier: &VecDeque<OffsetDateTime>,
    now: OffsetDateTime,
    cap: u32,
) -> std::result::Result<(), Duration> {
    let recent: Vec<&OffsetDateTime> = earlier.iter().filter(|t| now - **t < WINDOW).collect();
    if recent.len() < cap as usize {
        return Ok(());
    }
    let oldest = recent.first().map_or(now, |t| **t);
    let left = WINDOW.saturating_sub((now - oldest).try_into().unwrap_or(Duration::ZERO));
    Err(left.max(Duration::from_secs(1)))
}

/// Each user's requests of the last hour.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    seen: Mutex<HashMap<UserId, VecDeque<OffsetDateTime>>>,
}

impl RateLimiter {
    /// Counts a request of `user` at `now` if it is allowed, else
    /// [`Error::RateLimited`] with the wait.
    pub(crate) fn take(&self, user: UserId, now: OffsetDateTime, cap: u32) -> Result<()> {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() > SWEEP_ABOVE {
            seen.retain(|_, times| times.back().is_some_and(|t| now - *t < WINDOW));
        }
        let times = seen.entry(user).or_default();
        while times.front().is_some_and(|t| now - *t >= WINDOW) {
            times.pop_front();
        }
        allowed(times, now, cap).map_err(|retry_after| Error::RateLimited { retry_after })?;
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-05-01 12:00:00 UTC);

    #[test]
    fn the_eleventh_upload_in_an_hour_waits_until_the_first_is_an_hour_old() {
        let limiter = RateLimiter::default();
        let user = UserId::new();
        for i in 0..10 {
            limiter
                .take(user, T0 + Duration::from_secs(60 * i), 10)
                .unwrap();
        }
        let at = T0 + Duration::from_secs(1800);
        match limiter.take(user, at, 10) {
            Err(Error::RateLimited { retry_after }) => {
                assert_eq!(retry_after, Duration::from_secs(1800))
            }
            other => panic!("{other:?}"),
        }
        assert!(
            limiter.take(UserId::new(), at, 10).is_ok(),
            "another user is not limited"
        );
        assert!(
            limiter.take(user, T0 + WINDOW, 10).is_ok(),
            "the first left the window"
        );
    }

    proptest! {
        #[test]
        fn never_more_than_the_cap_in_any_hour(gaps in proptest::collection::vec(0u64..900, 1..80), cap in 1u32..12) {
            let limiter = RateLimiter::default();
            let user = UserId::new();
            let mut t = T0;
            let mut admitted: Vec<OffsetDateTime> = Vec::new();
            for gap in gaps {
                t += Duration::from_secs(gap);
                if limiter.take(user, t, cap).is_ok() {
                    admitted.push(t);
                }
            }
            for (i, start) in admitted.iter().enumerate() {
                let within = admitted[i..].iter().filter(|x| **x - *start < WINDOW).count();
                prop_assert!(within <= cap as usize);
            }
        }
    }
}
