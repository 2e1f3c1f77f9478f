use thiserror::Error;

use crate::domain::{Audience, Principal};

/// Why a bearer token was refused. Every variant is a 401 to the client; the
/// reason is for logs only.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("token is not for the {0} audience")]
    WrongAudience(&'static str),
}

/// Turns a bearer token into the caller, for the audience of the route.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Authenticator: Send + Sync {
    fn authenticate(&self, token: &str, audience: Audience) -> Result<Principal, AuthError>;
}
