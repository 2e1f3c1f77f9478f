//! Domain types: what the service talks about, free of any I/O.

pub mod directory;
pub mod face;
pub mod job;
pub mod photo;
pub mod principal;
pub mod selfie;
pub mod transition;
pub(crate) mod wire;

pub use directory::{Consent, ConsentPurpose, Operator, Photographer, Project};
pub use face::{
    DetectedFace, EMBEDDING_DIM, FaceBox, FaceMatch, MatchedPhoto, MemberMatches, MemberSelfie,
    PhotoFace,
};
pub use job::{Job, JobCount, JobKind, JobPayload, JobStatus, PurgeTarget};
pub use photo::{
    FailureReason, Photo, PhotoEvent, PhotoListing, PhotoMetadata, PhotoProgress, PhotoStatus,
};
pub use principal::{Audience, Principal, Role};
pub use selfie::{RejectionReason, Selfie, SelfieStatus, SelfieVerdict};
pub use transition::Transition;
