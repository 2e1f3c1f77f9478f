//! CORS of the API (SPEC §1.6): browsers of `CORS_ALLOWED_ORIGINS` call it
//! from their own origin. Every answer to them carries the headers, problem
//! responses (401, 403, 404, 409, 429, 5xx) included, so a page reads
//! `code`; any other origin gets none, and its browser refuses the answer.

use std::time::Duration;

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, LINK, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use media_adapters::config::AllowedOrigins;

/// How long a browser keeps a preflight's answer: an hour, so a dashboard
/// uploading a burst asks once per route, not once per photo.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// The layer for `origins`: the routes' methods, the two request headers
/// clients send, and the response headers a page needs to read.
pub fn layer(origins: AllowedOrigins) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origins.allows(origin.as_bytes())
        }))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            LINK,
            RETRY_AFTER,
            WWW_AUTHENTICATE,
        ])
        .max_age(PREFLIGHT_MAX_AGE)
}
