//! An erasure's purges coalesce (SPEC §5 "Fairness", issue 26): one
//! pending per user, the newest erasure's, and its sweep queued once it
//! has run.
//!
//! Before, every erasure with something to erase queued a purge and a
//! sweep: `DELETE /v1/selfie` after each new selfie, or consent toggled
//! around one, queued two jobs per call for everyone else to wait behind.

use time::OffsetDateTime;

use super::erasure_step::ErasureStep;
use super::event::ErasureNotice;
use super::job::{JobPayload, PurgeTarget};
use crate::ids::UserId;

impl JobPayload {
    /// An erasure's purge of `targets` for `user`, due now, announcing
    /// `notice` once it completes (when events are on). Erasures in a row
    /// coalesce into the newest one's purge (one `erasure.completed` for
    /// them, with the newest request's id).
    pub fn erasure_purge(
        user: UserId,
        targets: Vec<PurgeTarget>,
        notice: Option<ErasureNotice>,
    ) -> Self {
        Self::PurgeObjects {
            targets,
            not_before: None,
            erasure: notice,
            step: Some(ErasureStep::Purge { user_id: user }),
        }
    }

    /// What an erasure's purge that ran at `now` queues: the sweep of its
    /// selfie objects (archives are written only under a row, and a build
    /// whose row is gone deletes its own ZIP) at `at`. `None` for any other
    /// job.
    pub fn erasure_sweep(&self, at: OffsetDateTime) -> Option<Self> {
        let Self::PurgeObjects {
            targets,
            step: Some(ErasureStep::Purge { user_id }),
            ..
        } = self
        else {
            return None;
        };
        let selfies: Vec<PurgeTarget> = targets
            .iter()
            .filter(|t| matches!(t, PurgeTarget::SelfiesOf { .. }))
            .cloned()
            .collect();
        (!selfies.is_empty()).then_some(Self::PurgeObjects {
            targets: selfies,
            not_before: Some(at),
            erasure: None,
            step: Some(ErasureStep::Sweep { user_id: *user_id }),
        })
    }

    /// Whether this job, enqueued while one with its dedup key is queued,
    /// replaces that one's payload and due time (an erasure's steps: the
    /// newer covers the older) instead of being dropped (the rest: the
    /// queued one will do the same work when it runs).
    pub fn replaces_queued(&self) -> bool {
        matches!(self, Self::PurgeObjects { step: Some(_), .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn purge(user: UserId, through_ms: i64) -> JobPayload {
        JobPayload::erasure_purge(
            user,
            vec![
                PurgeTarget::SelfiesOf {
                    user_id: user,
                    through_ms,
                },
                PurgeTarget::ArchivesOf { user_id: user },
            ],
            None,
        )
    }

    proptest! {
        #[test]
        fn erasures_of_one_user_share_one_queued_purge_and_one_queued_sweep(t1 in 0i64..1 << 40, t2 in 0i64..1 << 40) {
            let u = UserId::new();
            let (a, b) = (purge(u, t1), purge(u, t2));
            prop_assert_eq!(a.dedup_key(), b.dedup_key());
            prop_assert!(a.replaces_queued());
            let at = time::macros::datetime!(2026-05-01 12:00 UTC);
            let (sa, sb) = (a.erasure_sweep(at).unwrap(), b.erasure_sweep(at).unwrap());
            prop_assert_eq!(sa.dedup_key(), sb.dedup_key());
            prop_assert_ne!(sa.dedup_key(), a.dedup_key());
            prop_assert!(sa.erasure_sweep(at).is_none(), "a sweep queues nothing more");
            prop_assert_ne!(purge(UserId::new(), t1).dedup_key(), a.dedup_key());
        }
    }

    #[test]
    fn the_sweep_takes_the_selfies_of_the_purge_after_the_urls_have_expired() {
        let u = UserId::new();
        let at = time::macros::datetime!(2026-05-01 12:15 UTC);
        let Some(JobPayload::PurgeObjects {
            targets,
            not_before,
            ..
        }) = purge(u, 42).erasure_sweep(at)
        else {
            panic!("a sweep")
        };
        assert_eq!(
            targets,
            [PurgeTarget::SelfiesOf {
                user_id: u,
                through_ms: 42
            }]
        );
        assert_eq!(not_before, Some(at));
        assert!(!JobPayload::purge(targets).replaces_queued());
    }
}
