use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{JobId, PhotoId, ProjectId, SelfieId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    ProcessSelfie,
    GenerateThumbnail,
    GenerateWatermark,
    ClusterFaces,
    PurgeObjects,
}

impl JobKind {
    pub const ALL: [JobKind; 5] = [
        Self::ProcessSelfie,
        Self::GenerateThumbnail,
        Self::GenerateWatermark,
        Self::ClusterFaces,
        Self::PurgeObjects,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ProcessSelfie => "process_selfie",
            Self::GenerateThumbnail => "generate_thumbnail",
            Self::GenerateWatermark => "generate_watermark",
            Self::ClusterFaces => "cluster_faces",
            Self::PurgeObjects => "purge_objects",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [Self::Queued, Self::Running, Self::Done, Self::Dead];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A set of objects a `purge_objects` job deletes, named by typed ids so that
/// a purge can never reach outside the objects of one photo, selfie or user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PurgeTarget {
    /// Every object under `photos/{projectId}/{photoId}/`.
    Photo {
        project_id: ProjectId,
        photo_id: PhotoId,
    },
    /// One selfie object.
    Selfie { user_id: UserId, timestamp_ms: i64 },
    /// Every selfie object of a user (`selfies/{userId}/`).
    AllSelfiesOf { user_id: UserId },
}

/// What a job does, with its arguments. Serialised as the job's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobPayload {
    ProcessSelfie {
        selfie_id: SelfieId,
    },
    GenerateThumbnail {
        photo_id: PhotoId,
        /// Render the thumbnails again even when they exist (`reprocess --step thumbnails`).
        #[serde(default)]
        rerender: bool,
        /// Only detect faces (`reprocess --step faces`).
        #[serde(default)]
        faces_only: bool,
    },
    GenerateWatermark {
        photo_id: PhotoId,
    },
    /// Every member's approved selfie against the project's faces that it
    /// has not been compared with yet: after a photo's faces are stored, a
    /// selfie approved, or a member joined. One per project, not per member.
    ClusterFaces {
        project_id: ProjectId,
    },
    PurgeObjects {
        targets: Vec<PurgeTarget>,
    },
}

impl JobPayload {
    pub fn kind(&self) -> JobKind {
        match self {
            Self::ProcessSelfie { .. } => JobKind::ProcessSelfie,
            Self::GenerateThumbnail { .. } => JobKind::GenerateThumbnail,
            Self::GenerateWatermark { .. } => JobKind::GenerateWatermark,
            Self::ClusterFaces { .. } => JobKind::ClusterFaces,
            Self::PurgeObjects { .. } => JobKind::PurgeObjects,
        }
    }

    /// At most one *queued* job exists per dedup key: a burst of photos,
    /// approvals and joins in a project coalesces into one pending
    /// `cluster_faces`.
    pub fn dedup_key(&self) -> Option<String> {
        match self {
            Self::ClusterFaces { project_id } => Some(format!("cluster_faces:{project_id}")),
            _ => None,
        }
    }

    pub fn thumbnails(photo_id: PhotoId) -> Self {
        Self::GenerateThumbnail {
            photo_id,
            rerender: false,
            faces_only: false,
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising a plain enum of ids and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(s: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(s)
    }
}

/// A job as the queue stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub payload: JobPayload,
    pub status: JobStatus,
    /// Attempts started so far (a claim starts one).
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: Option<String>,
    pub run_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
}

impl Job {
    pub fn is_last_attempt(&self) -> bool {
        self.attempts >= self.max_attempts
    }
}

/// How many jobs of a kind are in a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct JobCount {
    pub kind: JobKind,
    pub status: JobStatus,
    pub count: u64,
}
