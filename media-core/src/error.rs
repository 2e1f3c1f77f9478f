//! The one error type of the core. Its variants say what the caller should do:
//! the server maps them to SPEC §2 statuses, the worker decides retry vs give up.

use thiserror::Error;

/// Why a request was refused as invalid; each is a stable problem `code`.
/// New kinds may be added: match with a `_` arm (map it to 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidKind {
    /// Malformed body, id or query (`invalid_request`).
    Request,
    /// Declared `contentLength` above `MAX_UPLOAD_BYTES` (`upload_too_large`).
    UploadTooLarge,
    /// A `contentType` that is not accepted (`unsupported_type`).
    UnsupportedType,
}

impl InvalidKind {
    /// The problem `code` clients see (stable).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Request => "invalid_request",
            Self::UploadTooLarge => "upload_too_large",
            Self::UnsupportedType => "unsupported_type",
        }
    }
}

/// Why a request conflicts with the current state; each is a stable problem `code`.
/// New kinds may be added: match with a `_` arm (map it to 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConflictKind {
    /// Completion was confirmed but the object is not in the store (`upload_missing`).
    UploadMissing,
    /// A unique row already exists with other values (`conflict`).
    AlreadyExists,
    /// The project already holds a photo with these bytes (`duplicate`).
    Duplicate {
        /// That photo.
        photo_id: crate::ids::PhotoId,
    },
}

impl ConflictKind {
    /// The problem `code` clients see (stable).
    pub const fn code(self) -> &'static str {
        match self {
            Self::UploadMissing => "upload_missing",
            Self::AlreadyExists => "conflict",
            Self::Duplicate { .. } => "duplicate",
        }
    }
}

/// What went wrong, said so that a transport can answer and a worker can
/// decide. Ports return it too: an adapter maps its own failures to
/// [`Error::Unavailable`] (retry later: a timeout, a refused connection, a
/// 5xx) or [`Error::Permanent`] (retrying cannot help), and to
/// [`Error::NotFound`] only where the port's documentation says so.
///
/// | variant | HTTP (SPEC §2) | a job that returns it |
/// |---|---|---|
/// | `Unauthorized` | 401 | — |
/// | `Forbidden` | 403 | — |
/// | `ConsentRequired` | 403 `consent_required` | — |
/// | `NotFound` | 404 | dead |
/// | `Invalid` | 400, `code` from its kind | dead |
/// | `Conflict` | 409 | dead |
/// | `RateLimited` | 429 `rate_limited`, `Retry-After` | — |
/// | `Unavailable` | 503 | retried with backoff |
/// | `Permanent` | 500 | dead |
///
/// New variants may be added: match with a `_` arm (a 500).
#[derive(Debug, Clone, Error)]
#[non_exhaustive]
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
    Invalid {
        /// Which problem `code`.
        kind: InvalidKind,
        /// What was wrong, for the client (no secret, no internal detail).
        detail: String,
    },
    /// The request conflicts with the current state.
    #[error("{detail}")]
    Conflict {
        /// Which problem `code`.
        kind: ConflictKind,
        /// What conflicts, for the client.
        detail: String,
    },
    /// The caller asked for more than its share (SPEC §5 "Fairness"):
    /// allowed again after `retry_after`.
    #[error("rate limited; retry after {retry_after:?}")]
    RateLimited {
        /// How long until the next request is allowed.
        retry_after: std::time::Duration,
    },
    /// A dependency (database, store, Retina) is unavailable: retry later.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A failure that will not go away by retrying (corrupt data, a rejected image, a bug).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

impl Error {
    /// A malformed request (`invalid_request`).
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::Invalid {
            kind: InvalidKind::Request,
            detail: detail.into(),
        }
    }

    /// A dependency failed in a way that may pass: the job is retried.
    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        Self::Unavailable(detail.to_string())
    }

    /// A failure retrying cannot fix: the job ends dead.
    pub fn permanent(detail: impl std::fmt::Display) -> Self {
        Self::Permanent(detail.to_string())
    }

    /// Whether a job that failed with this error should be tried again later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// The core's result: [`enum@Error`] unless said otherwise.
pub type Result<T, E = Error> = std::result::Result<T, E>;
