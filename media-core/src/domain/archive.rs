//! "Take my photos home" (SPEC §3.13b): a ZIP of a user's matched,
//! watermarked photos in one project.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::face::MatchedPhoto;
use super::transition::Transition;
use super::wire::wire_enum;
use crate::ids::{ArchiveId, ProjectId, UserId};

wire_enum! {
    /// Where an archive is.
    #[non_exhaustive]
    pub enum ArchiveStatus {
        /// The job is writing the ZIP.
        Building = "building",
        /// The ZIP is in the store until `expiresAt`.
        Ready = "ready",
        /// It could not be built (a photo's copy unreadable, the store down
        /// through every attempt); ask again.
        Failed = "failed",
    }
}

impl ArchiveStatus {
    /// The ZIP is complete in the store.
    pub const BUILT: Transition<ArchiveStatus> = Transition {
        from: &[Self::Building],
        to: Self::Ready,
    };
    /// Building ended for good.
    pub const FAILED: Transition<ArchiveStatus> = Transition {
        from: &[Self::Building],
        to: Self::Failed,
    };
}

/// One archive row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    /// Its id (and the name of its object).
    pub id: ArchiveId,
    /// Whose photos.
    pub user_id: UserId,
    /// Which event.
    pub project_id: ProjectId,
    /// Where it is.
    pub status: ArchiveStatus,
    /// Photos in the ZIP, once ready.
    pub photo_count: Option<u32>,
    /// The ZIP's size, once ready.
    pub bytes: Option<u64>,
    /// When it was asked for.
    pub created_at: OffsetDateTime,
    /// When it is purged: `ARCHIVE_TTL_HOURS` after it was built (or failed).
    pub expires_at: Option<OffsetDateTime>,
    /// What it was built from, once ready: [`matches_digest`] of the
    /// member's matched photos the build read. `None` while building, and
    /// for archives built before it was recorded (never answered again).
    pub matches: Option<String>,
}

impl Archive {
    /// Whether a new request is answered with this archive instead of a new
    /// build (issue 26: each `POST …/archive` built a fresh ZIP of every
    /// matched photo): it is ready, not expired, and built from the very
    /// photos the member is matched to now.
    pub fn answers_again(&self, matches: &str, now: OffsetDateTime) -> bool {
        self.status == ArchiveStatus::Ready
            && self.expires_at.is_some_and(|at| at > now)
            && self.matches.as_deref() == Some(matches)
    }
}

/// What a build is made of, as one short string: the ids of the matched
/// photos whose watermarked copy exists (the ones a ZIP holds), in any
/// order. A new match, a hidden one ("not me"), a deleted photo or a copy
/// made since all change it; 128 bits of SHA-256 keep it short in the row.
pub fn matches_digest(photos: &[MatchedPhoto]) -> String {
    let mut ids: Vec<String> = photos
        .iter()
        .filter(|p| p.watermark_done)
        .map(|p| p.photo_id.to_string())
        .collect();
    ids.sort_unstable();
    let mut h = Sha256::new();
    for id in &ids {
        h.update(id.as_bytes());
        h.update(b"\n");
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Archive builds one process runs at once (issue 26: a member of K
/// projects asking for K archives ran K builds, each holding a worker).
/// One: a build streams the store at ~37 MiB/s with ~21 MiB of heap
/// (BENCHMARKS.md "Archives"), so a second one at once shares the same
/// link rather than finishing sooner, and would take a second of the bulk
/// slots (half the workers, decision 0032) that purges and deliveries
/// need. More builds at once come from more worker processes.
pub const ARCHIVE_BUILDS_PER_PROCESS: usize = 1;

/// How long a build over the cap waits in the queue before it is claimed
/// again: a 100-photo archive takes ~1.6 s, a 1,000-photo one ~16 s.
pub const ARCHIVE_BUILD_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether a claimed build may start while `running` builds run in the
/// process, out of `cap`; else it goes back to the queue (not failed, no
/// attempt spent).
pub fn archive_build_may_start(running: usize, cap: usize) -> bool {
    running < cap
}

/// What a finished build recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveContents {
    /// Photos in the ZIP.
    pub photo_count: u32,
    /// The ZIP's size.
    pub bytes: u64,
    /// [`matches_digest`] of the photos the build read.
    pub matches: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::PhotoId;
    use proptest::prelude::*;

    fn photo(watermark_done: bool) -> MatchedPhoto {
        MatchedPhoto {
            photo_id: PhotoId::new(),
            project_id: ProjectId::new(),
            taken_at: None,
            distance: 0.2,
            thumbnails_done: true,
            watermark_done,
            thumbhash: None,
        }
    }

    fn ready(matches: &str, expires_at: OffsetDateTime) -> Archive {
        Archive {
            id: ArchiveId::new(),
            user_id: UserId::new(),
            project_id: ProjectId::new(),
            status: ArchiveStatus::Ready,
            photo_count: Some(1),
            bytes: Some(1),
            created_at: expires_at - time::Duration::hours(24),
            expires_at: Some(expires_at),
            matches: Some(matches.to_owned()),
        }
    }

    #[test]
    fn the_digest_changes_with_a_new_match_or_a_new_copy_but_not_with_the_order() {
        let photos: Vec<MatchedPhoto> = (0..3).map(|_| photo(true)).collect();
        let d = matches_digest(&photos);
        assert_eq!(d.len(), 32);
        let mut reversed = photos.clone();
        reversed.reverse();
        assert_eq!(matches_digest(&reversed), d);
        let mut more = photos.clone();
        more.push(photo(false));
        assert_eq!(matches_digest(&more), d, "no copy yet: not in a ZIP");
        more[3].watermark_done = true;
        assert_ne!(matches_digest(&more), d);
        assert_ne!(matches_digest(&photos[..2]), d);
    }

    proptest! {
        #[test]
        fn a_ready_archive_is_answered_again_only_unexpired_and_with_the_same_matches(
            left in -100i64..100, same in any::<bool>(), status in 0usize..3,
        ) {
            let now = time::macros::datetime!(2026-05-01 12:00 UTC);
            let mut a = ready("abc", now + time::Duration::seconds(left));
            a.status = [ArchiveStatus::Ready, ArchiveStatus::Building, ArchiveStatus::Failed][status];
            let asked = if same { "abc" } else { "abd" };
            prop_assert_eq!(
                a.answers_again(asked, now),
                left > 0 && same && a.status == ArchiveStatus::Ready
            );
        }

        #[test]
        fn a_build_over_the_cap_waits_and_one_under_it_starts(running in 0usize..16, cap in 1usize..8) {
            prop_assert_eq!(archive_build_may_start(running, cap), running < cap);
        }

        #[test]
        fn a_process_never_runs_more_builds_than_its_cap(claims in 1usize..32) {
            let mut running = 0usize;
            for _ in 0..claims {
                if archive_build_may_start(running, ARCHIVE_BUILDS_PER_PROCESS) {
                    running += 1;
                }
            }
            prop_assert_eq!(running, ARCHIVE_BUILDS_PER_PROCESS);
        }
    }
}
