//! CORS of the embedded store (SPEC §1.6): a page of an allowed origin PUTs
//! to a presigned URL, and GETs or HEADs one, from the browser — what R2
//! does with the bucket rules `media-cli storage cors` writes (the same
//! [`RULE`]).
//! Any other origin gets no CORS header, so its browser refuses the call.

use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};

use crate::config::AllowedOrigins;
use crate::s3::cors::RULE;

/// [`RULE`]'s methods, as a preflight's answer lists them.
const METHODS: &str = "PUT, GET, HEAD";

/// [`RULE`]'s exposed headers.
const EXPOSED: &str = "ETag";

/// A request header a page may send: the rule's, `content-length`, and any
/// `x-amz-*` (checksums, metadata signed into a URL).
fn header_allowed(name: &str) -> bool {
    let name = name.trim();
    RULE.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
        || name.eq_ignore_ascii_case("content-length")
        || name
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("x-amz-"))
}

/// The allowed `Origin` of a request, if it has one.
pub(super) fn allowed_origin(origins: &AllowedOrigins, headers: &HeaderMap) -> Option<HeaderValue> {
    headers
        .get(ORIGIN)
        .filter(|o| origins.allows(o.as_bytes()))
        .cloned()
}

/// Whether a request is a CORS preflight.
pub(super) fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

/// The answer to a preflight: 204 with the rule for an allowed origin asking
/// for a method and headers of the rule, else 403 without CORS headers (as
/// S3 answers a preflight no rule matches).
pub(super) fn preflight<B: Default>(
    origin: Option<HeaderValue>,
    headers: &HeaderMap,
) -> Response<B> {
    let method_ok = headers
        .get(ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|m| m.to_str().ok())
        .is_some_and(|m| RULE.methods.contains(&m.trim()));
    let asked = headers
        .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect::<Vec<_>>();
    let mut response = Response::new(B::default());
    response
        .headers_mut()
        .insert(VARY, HeaderValue::from_static("origin"));
    match origin {
        Some(origin) if method_ok && asked.iter().all(|h| header_allowed(h)) => {
            *response.status_mut() = StatusCode::NO_CONTENT;
            let h = response.headers_mut();
            h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(METHODS),
            );
            if let Ok(v) = HeaderValue::from_str(&asked.join(", "))
                && !asked.is_empty()
            {
                h.insert(ACCESS_CONTROL_ALLOW_HEADERS, v);
            }
            h.insert(
                ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from(RULE.max_age_seconds),
            );
        }
        _ => *response.status_mut() = StatusCode::FORBIDDEN,
    }
    response
}

/// The headers of an answer to an allowed origin.
pub(super) fn decorate<B>(response: &mut Response<B>, origin: Option<HeaderValue>) {
    let h = response.headers_mut();
    h.append(VARY, HeaderValue::from_static("origin"));
    if let Some(origin) = origin {
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(method: &str, headers: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCESS_CONTROL_REQUEST_METHOD, method.parse().unwrap());
        if !headers.is_empty() {
            h.insert(ACCESS_CONTROL_REQUEST_HEADERS, headers.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_store_answers_what_the_bucket_rule_says() {
        assert_eq!(METHODS.split(", ").collect::<Vec<_>>(), RULE.methods);
        assert_eq!(EXPOSED.split(", ").collect::<Vec<_>>(), RULE.expose);
    }

    #[test]
    fn a_preflight_is_answered_only_within_the_rule() {
        let origin = || Some(HeaderValue::from_static("http://127.0.0.1:8088"));
        let ok: Response<()> = preflight(
            origin(),
            &asking("PUT", "Content-Type, x-amz-checksum-crc32"),
        );
        assert_eq!(ok.status(), 204);
        assert_eq!(
            ok.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
            "http://127.0.0.1:8088"
        );
        assert_eq!(
            ok.headers()[ACCESS_CONTROL_ALLOW_HEADERS],
            "content-type, x-amz-checksum-crc32"
        );
        for (method, headers) in [
            ("DELETE", ""),
            ("POST", "content-type"),
            ("PUT", "authorization"),
        ] {
            let refused: Response<()> = preflight(origin(), &asking(method, headers));
            assert_eq!(refused.status(), 403, "{method} {headers}");
            assert!(!refused.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
        }
        let stranger: Response<()> = preflight(None, &asking("PUT", "content-type"));
        assert_eq!(stranger.status(), 403);
        assert!(!stranger.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
    }
}
