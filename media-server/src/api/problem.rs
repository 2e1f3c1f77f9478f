//! RFC 9457 problem bodies with a stable `code` (SPEC §2). Every error a
//! client can see goes through here.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use media_core::Error;
use media_core::ports::AuthError;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    /// Stable machine-readable code: unauthorized, forbidden, consent_required,
    /// not_found, invalid_request, upload_too_large, unsupported_type,
    /// upload_missing, conflict, duplicate, rate_limited, unavailable, internal.
    pub code: &'static str,
    pub detail: String,
    /// With `duplicate`: the project's photo that holds the same bytes.
    #[serde(rename = "photoId", skip_serializing_if = "Option::is_none")]
    pub photo_id: Option<uuid::Uuid>,
    /// With `rate_limited`: the `Retry-After` header, in seconds.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            code,
            detail: detail.into(),
            photo_id: None,
            retry_after: None,
        }
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(&self)).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        resp
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        match e {
            Error::Unauthorized(d) => Self::unauthorized(d),
            Error::Forbidden(d) => Self::new(StatusCode::FORBIDDEN, "forbidden", d),
            Error::ConsentRequired => Self::new(
                StatusCode::FORBIDDEN,
                "consent_required",
                "grant the biometric_processing consent first (PUT /v1/me/consents/biometric_processing)",
            ),
            Error::NotFound => Self::not_found(),
            Error::Invalid { kind, detail } => {
                Self::new(StatusCode::BAD_REQUEST, kind.code(), detail)
            }
            Error::Conflict { kind, detail } => {
                let mut p = Self::new(StatusCode::CONFLICT, kind.code(), detail);
                if let media_core::ConflictKind::Duplicate { photo_id } = kind {
                    p.photo_id = Some(photo_id.as_uuid());
                }
                p
            }
            Error::RateLimited { retry_after } => {
                let seconds = retry_after.as_secs().max(1);
                let mut p = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("too many requests; retry after {seconds} s"),
                );
                p.retry_after = Some(seconds);
                p
            }
            Error::Unavailable(detail) => {
                tracing::warn!(%detail, "dependency unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "a dependency is unavailable; retry shortly",
                )
            }
            // Permanent, and any kind a later media-core adds.
            other => {
                tracing::error!(detail = %other, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                )
            }
        }
    }
}

impl From<AuthError> for Problem {
    fn from(e: AuthError) -> Self {
        tracing::debug!(reason = %e, "token refused");
        let detail = match e {
            AuthError::Missing => "a bearer token is required",
            AuthError::WrongAudience(_) => "the token is not for this route's audience",
            // Invalid, and any reason a later media-core adds.
            _ => "the token is invalid or expired",
        };
        Self::unauthorized(detail)
    }
}

pub type ApiResult<T> = Result<T, Problem>;
