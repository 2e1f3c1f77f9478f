//! One import for a service that embeds the core:
//! `use media_core::prelude::*;` brings the service, its ports, the ids and
//! the domain types every use case takes or returns.

pub use crate::domain::{
    Audience, Consent, ConsentPurpose, DetectedFace, FaceBox, FailureReason, Job, JobKind,
    JobPayload, JobStatus, Operator, Photo, PhotoStatus, Photographer, Principal, Project,
    RejectionReason, Role, Selfie, SelfieStatus,
};
pub use crate::error::{ConflictKind, Error, InvalidKind, Result};
pub use crate::ids::{JobId, OperatorId, PhotoId, PhotographerId, ProjectId, SelfieId, UserId};
pub use crate::listing::{Page, PageRequest};
pub use crate::ports::{
    AuthError, Authenticator, Clock, ConsentRepo, DirectoryRepo, FaceEmbedder, FaceRepo, Fetched,
    JobAdmin, JobQueue, ObjectInfo, PhotoRepo, SelfieRepo, Storage,
};
pub use crate::service::{
    JobOutcome, Media, MyPhoto, OperatorFilter, PhotoView, Ports, SelfieView, UploadRequest,
    UploadTicket, Worker, WorkerEvent,
};
pub use crate::settings::Settings;
