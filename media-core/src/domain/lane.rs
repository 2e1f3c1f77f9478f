//! Lanes of the queue (SPEC §1.7, §5 "Fairness", decision 0032): which
//! work is claimed first, and how much of a process bulk work may hold.
//!
//! Measured before lanes: a selfie uploaded after 100 of 256 burst photos
//! waited 31.9 s for the backlog to drain (BENCHMARKS.md, burst).

use super::job::JobKind;

/// How urgent a kind of job is. The queue stores [`Lane::rank`] with each
/// job at enqueue and a claim tries the lanes in the order it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lane {
    /// Someone is waiting for it now: a selfie's verdict, a member's matches.
    Interactive,
    /// A photographer's photos: derivatives and faces.
    Photo,
    /// Archives, purges and deliveries to the platform: nobody watches them
    /// finish, and one may take minutes (a large archive).
    Bulk,
}

/// Every `BULK_SHARE`-th claim of a process tries bulk work before photo
/// work, so a sustained burst of photos cannot starve purges and archives
/// (a worker claims a photo job every 0.4–0.6 s in the burst benchmark:
/// bulk work still starts within a few seconds).
pub const BULK_SHARE: u64 = 4;

impl Lane {
    /// Every lane, most urgent first.
    pub const ALL: [Lane; 3] = [Lane::Interactive, Lane::Photo, Lane::Bulk];

    /// The lane of a kind of job.
    pub fn of(kind: JobKind) -> Lane {
        match kind {
            JobKind::ProcessSelfie | JobKind::ClusterFaces => Lane::Interactive,
            JobKind::GenerateThumbnail | JobKind::GenerateWatermark => Lane::Photo,
            JobKind::PurgeObjects
            | JobKind::BuildArchive
            | JobKind::DeliverEvent
            | JobKind::NotifyMatches => Lane::Bulk,
        }
    }

    /// The number the queue stores and orders by (smaller is more urgent).
    pub fn rank(self) -> i16 {
        match self {
            Lane::Interactive => 0,
            Lane::Photo => 1,
            Lane::Bulk => 2,
        }
    }

    /// How many bulk jobs a process with `workers` workers may run at
    /// once: half of them, at least one, so photo and interactive work
    /// always has a worker even when archives take minutes.
    pub fn bulk_cap(workers: usize) -> usize {
        (workers / 2).max(1)
    }

    /// The lanes the `claim`-th claim of a process tries, in order, while
    /// `bulk_running` of its workers run bulk jobs out of `bulk_cap`:
    /// interactive first always; bulk after photo work, except every
    /// [`BULK_SHARE`]-th claim; bulk not at all when the cap is reached.
    pub fn claim_order(claim: u64, bulk_running: usize, bulk_cap: usize) -> Vec<Lane> {
        let bulk_allowed = bulk_running < bulk_cap;
        let bulk_first = claim % BULK_SHARE == BULK_SHARE - 1;
        match (bulk_allowed, bulk_first) {
            (false, _) => vec![Lane::Interactive, Lane::Photo],
            (true, true) => vec![Lane::Interactive, Lane::Bulk, Lane::Photo],
            (true, false) => Lane::ALL.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_selfie_and_matching_are_interactive_photos_are_photo_work_archives_and_purges_are_bulk() {
        assert_eq!(Lane::of(JobKind::ProcessSelfie), Lane::Interactive);
        assert_eq!(Lane::of(JobKind::ClusterFaces), Lane::Interactive);
        assert_eq!(Lane::of(JobKind::GenerateThumbnail), Lane::Photo);
        assert_eq!(Lane::of(JobKind::BuildArchive), Lane::Bulk);
        assert_eq!(Lane::of(JobKind::PurgeObjects), Lane::Bulk);
        let ranks: Vec<i16> = Lane::ALL.iter().map(|l| l.rank()).collect();
        assert_eq!(ranks, [0, 1, 2], "ALL is most urgent first");
    }

    #[test]
    fn bulk_may_hold_half_the_workers_and_at_least_one() {
        assert_eq!(Lane::bulk_cap(1), 1);
        assert_eq!(Lane::bulk_cap(3), 1);
        assert_eq!(Lane::bulk_cap(8), 4);
    }

    proptest! {
        #[test]
        fn interactive_work_is_always_tried_first(claim in any::<u64>(), running in 0usize..8, cap in 1usize..8) {
            prop_assert_eq!(Lane::claim_order(claim, running, cap)[0], Lane::Interactive);
        }

        #[test]
        fn bulk_is_never_tried_once_the_cap_is_reached(claim in any::<u64>(), cap in 1usize..8, over in 0usize..4) {
            prop_assert!(!Lane::claim_order(claim, cap + over, cap).contains(&Lane::Bulk));
        }

        #[test]
        fn below_the_cap_bulk_comes_before_photo_work_in_one_claim_of_every_four(start in 0u64..1_000_000, cap in 1usize..8) {
            let bulk_first = (start..start + BULK_SHARE)
                .filter(|c| Lane::claim_order(*c, 0, cap)[1] == Lane::Bulk)
                .count();
            prop_assert_eq!(bulk_first, 1);
            for c in start..start + BULK_SHARE {
                prop_assert_eq!(Lane::claim_order(c, 0, cap).len(), 3, "every lane is tried");
            }
        }
    }
}
