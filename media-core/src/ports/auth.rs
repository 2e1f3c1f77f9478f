use thiserror::Error;

use crate::domain::{Audience, Principal};

/// Why a bearer token was refused. Every variant is a 401 to the client; the
/// reason is for logs only.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("missing bearer token")]
    Missing,
    /// Bad signature, expired, malformed, or missing a claim; the reason
    /// must not contain the token.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// A valid token whose `aud` does not contain the route's audience.
    #[error("token is not for the {0} audience")]
    WrongAudience(&'static str),
}

/// Turns a bearer token into the caller, for the audience of the route.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Authenticator: Send + Sync {
    /// The caller of a route for `audience`, from the raw token (without
    /// `Bearer `). Synchronous and local: no network call per request.
    fn authenticate(&self, token: &str, audience: Audience) -> Result<Principal, AuthError>;
}
