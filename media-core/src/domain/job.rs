use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::wire::wire_enum;

use super::erasure_step::ErasureStep;
use super::event::{ErasureNotice, Event};
use crate::ids::{ArchiveId, JobId, PhotoId, ProjectId, SelfieId, UserId};

wire_enum! {
    /// What a job does (SPEC §5); the `kind` column and `media-cli jobs`.
    #[non_exhaustive]
    pub enum JobKind {
        /// Retina on a selfie; approve, reject or fail it.
        ProcessSelfie = "process_selfie",
        /// Thumbnails, metadata and the photo's faces — and, when it is
        /// missing (a new photo), the watermarked copy from the same decode.
        GenerateThumbnail = "generate_thumbnail",
        /// The watermarked copy alone (`reprocess --step watermark`).
        GenerateWatermark = "generate_watermark",
        /// Members' selfies against the project's new faces.
        ClusterFaces = "cluster_faces",
        /// Deleting objects of erased or deleted rows.
        PurgeObjects = "purge_objects",
        /// One event POSTed to the platform's webhook (SPEC §9).
        DeliverEvent = "deliver_event",
        /// The debounced `matches.added` of one member in one project.
        NotifyMatches = "notify_matches",
        /// A user's ZIP of their photos in one project.
        BuildArchive = "build_archive",
    }
}

wire_enum! {
    /// Where a job is in the queue.
    pub enum JobStatus {
        /// Waiting for its `run_at`.
        Queued = "queued",
        /// Leased to a worker.
        Running = "running",
        /// Finished.
        Done = "done",
        /// Failed its last attempt (or permanently); `media-cli jobs retry` revives it.
        Dead = "dead",
    }
}

/// A set of objects a `purge_objects` job deletes, named by typed ids so that
/// a purge can never reach outside the objects of one photo, selfie or user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PurgeTarget {
    /// Every object under `photos/{projectId}/{photoId}/`.
    Photo {
        /// The photo's project (the first part of its folder).
        project_id: ProjectId,
        /// The photo.
        photo_id: PhotoId,
    },
    /// One selfie object.
    Selfie {
        /// Whose selfie.
        user_id: UserId,
        /// The number in its key (the upload URL's issue, Unix ms).
        timestamp_ms: i64,
    },
    /// Every selfie object of a user (`selfies/{userId}/`). Kept so that
    /// purges queued before `SelfiesOf` existed still run; no longer enqueued.
    AllSelfiesOf {
        /// Whose selfies.
        user_id: UserId,
    },
    /// One archive's ZIP.
    Archive {
        /// Whose.
        user_id: UserId,
        /// Which.
        archive_id: ArchiveId,
    },
    /// Every archive of a user (`archives/{userId}/`): an erasure's.
    ArchivesOf {
        /// Whose.
        user_id: UserId,
    },
    /// The user's selfie objects whose key timestamp (the upload URL's issue,
    /// Unix ms) is at most `through_ms`: what an erasure at that instant
    /// erased, and never a retake issued after it (SPEC §3.11).
    SelfiesOf {
        /// Whose selfies.
        user_id: UserId,
        /// The erasure's instant, Unix ms: keys with a larger number stay.
        through_ms: i64,
    },
}

/// What a job does, with its arguments. Serialised as the job's payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum JobPayload {
    /// Retina on an uploaded selfie; approve, reject or fail it.
    ProcessSelfie {
        /// The selfie.
        selfie_id: SelfieId,
    },
    /// Thumbnails and metadata of a photo, the watermarked copy when it is
    /// missing (one read and decode for all three), then its faces.
    GenerateThumbnail {
        /// The photo.
        photo_id: PhotoId,
        /// The photo's project, so a retry that finds the row gone can purge
        /// what an earlier attempt wrote. `None` in jobs queued before it was
        /// recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        project_id: Option<ProjectId>,
        /// Render the thumbnails again even when they exist (`reprocess --step thumbnails`).
        #[serde(default)]
        rerender: bool,
        /// Only detect faces (`reprocess --step faces`).
        #[serde(default)]
        faces_only: bool,
    },
    /// The watermarked copy of a photo, alone (`reprocess --step watermark`,
    /// and jobs queued before the thumbnail job made it too).
    GenerateWatermark {
        /// The photo.
        photo_id: PhotoId,
        /// As in `GenerateThumbnail`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        project_id: Option<ProjectId>,
    },
    /// Every member's approved selfie against the project's faces that it
    /// has not been compared with yet: after a photo's faces are stored, a
    /// selfie approved, or a member joined. One per project, not per member.
    ClusterFaces {
        /// The project whose members and faces are compared.
        project_id: ProjectId,
    },
    /// Deletes objects of erased or deleted rows; deleting what is already
    /// gone succeeds, so a retry is harmless.
    PurgeObjects {
        /// What to delete.
        targets: Vec<PurgeTarget>,
        /// Not to run before this instant: the sweep after an upload URL that
        /// was still valid at a deletion has expired (SPEC §3.11).
        #[serde(default, skip_serializing_if = "Option::is_none", with = "unix_micros")]
        not_before: Option<OffsetDateTime>,
        /// For an erasure's purge (with events on): the `erasure.completed`
        /// written when the purge completes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        erasure: Option<ErasureNotice>,
        /// An erasure's purge or sweep: one of each queued per user
        /// (`domain/erasure.rs`). `None` in other purges and in jobs queued
        /// before erasures coalesced.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<ErasureStep>,
    },
    /// POSTs one event to `EVENTS_WEBHOOK_URL`; retried with the events'
    /// backoff, the same `webhook-id` on every attempt.
    DeliverEvent {
        /// What to send.
        event: Event,
    },
    /// After the debounce window: one `matches.added` with every photo
    /// matched to the user in the project and not announced yet. At most one
    /// is queued per (project, user).
    NotifyMatches {
        /// Where.
        project_id: ProjectId,
        /// Who.
        user_id: UserId,
        /// The end of the debounce window.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "unix_micros")]
        not_before: Option<OffsetDateTime>,
    },
    /// Streams the archive's ZIP into the store (SPEC §3.13b).
    BuildArchive {
        /// Which.
        archive_id: ArchiveId,
    },
}

impl JobPayload {
    /// The payload's kind (the `kind` column).
    pub fn kind(&self) -> JobKind {
        match self {
            Self::ProcessSelfie { .. } => JobKind::ProcessSelfie,
            Self::GenerateThumbnail { .. } => JobKind::GenerateThumbnail,
            Self::GenerateWatermark { .. } => JobKind::GenerateWatermark,
            Self::ClusterFaces { .. } => JobKind::ClusterFaces,
            Self::PurgeObjects { .. } => JobKind::PurgeObjects,
            Self::DeliverEvent { .. } => JobKind::DeliverEvent,
            Self::NotifyMatches { .. } => JobKind::NotifyMatches,
            Self::BuildArchive { .. } => JobKind::BuildArchive,
        }
    }

    /// The project the job works for, recorded with it so a project's
    /// queue can be read through an index (SPEC §3.13c); `None` for a
    /// selfie's jobs and purges, which belong to a user or to no one project.
    pub fn project_id(&self) -> Option<ProjectId> {
        match self {
            Self::GenerateThumbnail { project_id, .. }
            | Self::GenerateWatermark { project_id, .. } => *project_id,
            Self::ClusterFaces { project_id } | Self::NotifyMatches { project_id, .. } => {
                Some(*project_id)
            }
            Self::ProcessSelfie { .. }
            | Self::PurgeObjects { .. }
            | Self::DeliverEvent { .. }
            | Self::BuildArchive { .. } => None,
        }
    }

    /// At most one *queued* job exists per dedup key: a burst of photos,
    /// approvals and joins in a project coalesces into one pending
    /// `cluster_faces`.
    pub fn dedup_key(&self) -> Option<String> {
        match self {
            Self::ClusterFaces { project_id } => Some(format!("cluster_faces:{project_id}")),
            // The debounce: matches found while one notice waits join it.
            Self::NotifyMatches {
                project_id,
                user_id,
                ..
            } => Some(format!("notify_matches:{project_id}:{user_id}")),
            // Erasures in a row: the newest's purge, and one sweep.
            Self::PurgeObjects {
                step: Some(step), ..
            } => Some(step.dedup_key()),
            _ => None,
        }
    }

    /// A purge of `targets`, due now.
    pub fn purge(targets: Vec<PurgeTarget>) -> Self {
        Self::PurgeObjects {
            targets,
            not_before: None,
            erasure: None,
            step: None,
        }
    }

    /// The purge of the ZIPs of `archives`, whose rows are deleted in the
    /// same transaction; none, no job.
    pub fn archives_purge(user: UserId, archives: &[ArchiveId]) -> Option<Self> {
        (!archives.is_empty()).then(|| {
            Self::purge(
                archives
                    .iter()
                    .map(|&archive_id| PurgeTarget::Archive {
                        user_id: user,
                        archive_id,
                    })
                    .collect(),
            )
        })
    }

    /// The delivery of `event`.
    pub fn deliver(event: Event) -> Self {
        Self::DeliverEvent { event }
    }

    /// A purge of `targets` due at `at`: what an upload URL still valid
    /// at a deletion may write until it expires is removed then.
    pub fn purge_at(targets: Vec<PurgeTarget>, at: OffsetDateTime) -> Self {
        Self::PurgeObjects {
            targets,
            not_before: Some(at),
            erasure: None,
            step: None,
        }
    }

    /// When the job is first due, enqueued at `now`.
    pub fn due_at(&self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            Self::PurgeObjects {
                not_before: Some(at),
                ..
            }
            | Self::NotifyMatches {
                not_before: Some(at),
                ..
            } => now.max(*at),
            _ => now,
        }
    }

    /// The thumbnail (and faces) job of a photo just uploaded.
    pub fn thumbnails(project_id: ProjectId, photo_id: PhotoId) -> Self {
        Self::GenerateThumbnail {
            photo_id,
            project_id: Some(project_id),
            rerender: false,
            faces_only: false,
        }
    }

    /// The watermark job of a photo.
    pub fn watermark(project_id: ProjectId, photo_id: PhotoId) -> Self {
        Self::GenerateWatermark {
            photo_id,
            project_id: Some(project_id),
        }
    }

    /// The payload as the queue stores it.
    pub fn to_json(&self) -> String {
        // Serialising a plain enum of ids and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A payload [`JobPayload::to_json`] wrote (older payloads without the
    /// fields added since still parse: they default).
    pub fn from_json(s: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(s)
    }
}

/// A job as the queue stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// What it does.
    pub payload: JobPayload,
    /// Where it is in the queue.
    pub status: JobStatus,
    /// Attempts started so far (a claim starts one).
    pub attempts: u32,
    /// Attempts allowed (`JOB_MAX_ATTEMPTS` when it was enqueued).
    pub max_attempts: u32,
    /// The error of the last failed attempt, for operators (never a secret).
    pub last_error: Option<String>,
    /// When it is due (or was, once claimed).
    pub run_at: OffsetDateTime,
    /// When it was enqueued.
    pub created_at: OffsetDateTime,
}

impl Job {
    /// Whether a failure now makes the job dead.
    pub fn is_last_attempt(&self) -> bool {
        self.attempts >= self.max_attempts
    }
}

/// How many jobs of a kind are in a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct JobCount {
    /// The kind.
    pub kind: JobKind,
    /// The status.
    pub status: JobStatus,
    /// How many.
    pub count: u64,
}

/// `Option<OffsetDateTime>` as Unix microseconds (an `i64`, which every
/// JSON reader takes), the precision the database keeps.
mod unix_micros {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::OffsetDateTime;

    use crate::timestamps::{from_micros, micros};

    pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        t.map(micros).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        Option::<i64>::deserialize(d)?
            .map(|us| {
                from_micros(us).ok_or_else(|| serde::de::Error::custom("timestamp out of range"))
            })
            .transpose()
    }
}
