//! Domain types: what the service talks about, free of any I/O.

/// Archives of a user's photos ("take my photos home").
pub mod archive;
/// The directory of operators, photographers, projects and consents.
pub mod directory;
/// An erasure's purges: one pending per user.
pub mod erasure;
/// The step of an erasure a purge job is.
pub mod erasure_step;
/// Events to the platform (webhooks).
pub mod event;
/// Faces, embeddings and matches.
pub mod face;
/// Background jobs: payloads, kinds, statuses.
pub mod job;
/// Lanes of the queue: which work is claimed first.
pub mod lane;
/// Photos: statuses, failure reasons, the transition table.
pub mod photo;
/// Who is calling: audiences, roles, principals.
pub mod principal;
/// Selfies: statuses, verdicts, rejection reasons.
pub mod selfie;
pub mod transition;
pub(crate) mod wire;

pub use archive::{
    ARCHIVE_BUILD_WAIT, ARCHIVE_BUILDS_PER_PROCESS, Archive, ArchiveContents, ArchiveStatus,
    archive_build_may_start, matches_digest,
};
pub use directory::{Consent, ConsentPurpose, Operator, Photographer, Project, ProjectStats};
pub use erasure_step::ErasureStep;
pub use event::{ErasureCause, ErasureNotice, Event, EventData};
pub use face::{
    DetectedFace, FaceBox, FaceMatch, LEGACY_RETINA_MODEL, MatchedPhoto, MemberMatches,
    MemberSelfie, PhotoFace, RETINA_EMBEDDING_DIM,
};
pub use job::{Job, JobCount, JobKind, JobPayload, JobStatus, PurgeTarget};
pub use lane::Lane;
pub use photo::{FailureReason, Photo, PhotoListing, PhotoMetadata, PhotoStatus};
/// The model the SQL's guarded updates are tested against.
#[cfg(any(test, feature = "testing"))]
pub use photo::{PhotoEvent, PhotoProgress};
pub use principal::{Audience, Principal, Role};
pub use selfie::{RejectionReason, Selfie, SelfieStatus, SelfieVerdict};
pub use transition::Transition;
