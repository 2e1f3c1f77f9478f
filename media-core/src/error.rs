//! The one error type of the core. Its variants say what the caller should do:
//! the server maps them to SPEC §2 statuses, the worker decides retry vs give up.

use thiserror::Error;

/// Why a request was refused as invalid; each is a stable problem `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidKind {
    /// Malformed body, id or query (`invalid_request`).
    Request,
    /// Declared `contentLength` above `MAX_UPLOAD_BYTES` (`upload_too_large`).
    UploadTooLarge,
    /// A `contentType` that is not accepted (`unsupported_type`).
    UnsupportedType,
}

impl InvalidKind {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Request => "invalid_request",
            Self::UploadTooLarge => "upload_too_large",
            Self::UnsupportedType => "unsupported_type",
        }
    }
}

/// Why a request conflicts with the current state; each is a stable problem `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// Completion was confirmed but the object is not in the store (`upload_missing`).
    UploadMissing,
    /// A unique row already exists with other values (`conflict`).
    AlreadyExists,
}

impl ConflictKind {
    pub const fn code(self) -> &'static str {
        match self {
            Self::UploadMissing => "upload_missing",
            Self::AlreadyExists => "conflict",
        }
    }
}

#[derive(Debug, Clone, Error)]
pub enum Error {
    /// The token does not admit the caller to this route (its audience). The
    /// authenticator reports bad tokens itself; this is the core's own check.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// The caller's role is not allowed here, or it sees the resource but may not change it.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// A user without an active `biometric_processing` consent on a guarded route.
    #[error("an active biometric_processing consent is required")]
    ConsentRequired,
    /// Absent, or outside the caller's scope (the two are indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// Bad input; retrying the same request cannot succeed.
    #[error("{detail}")]
    Invalid { kind: InvalidKind, detail: String },
    /// The request conflicts with the current state.
    #[error("{detail}")]
    Conflict { kind: ConflictKind, detail: String },
    /// A dependency (database, store, Retina) is unavailable: retry later.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A failure that will not go away by retrying (corrupt data, a rejected image, a bug).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

impl Error {
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::Invalid {
            kind: InvalidKind::Request,
            detail: detail.into(),
        }
    }

    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        Self::Unavailable(detail.to_string())
    }

    pub fn permanent(detail: impl std::fmt::Display) -> Self {
        Self::Permanent(detail.to_string())
    }

    /// Whether a job that failed with this error should be tried again later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
