//! What every API request passes through, in one place: the fallbacks,
//! request metrics, `no-store` on `/v1`, compression, the body limit, the
//! trace span, request ids, the timeout and CORS. A new layer goes into
//! [`around`].

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use media_adapters::config::AllowedOrigins;

use super::AppState;
use super::problem::Problem;
use crate::metrics::Metrics;

/// The routes in the API's layers (the first added is the innermost);
/// `origins` may call them from a browser.
pub fn around(routes: Router<AppState>, origins: AllowedOrigins) -> Router<AppState> {
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    routes
        .fallback(fallback)
        .method_not_allowed_fallback(|| async {
            Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed on this route")
                .into_response()
        })
        .layer(middleware::from_fn(record_metrics))
        .layer(middleware::from_fn(no_store))
        .layer(compression())
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        // Outermost: a preflight is answered before anything else runs, and
        // every answer, a timeout's 503 too, carries the headers.
        .layer(super::cors::layer(origins))
}

/// Every `/v1` answer is `Cache-Control: no-store`: each is one caller's
/// data, and the listings, upload-url answers, my-photos, archives and the
/// profile picture carry presigned URLs that open objects to whoever holds
/// them for up to 900 s (SPEC §1.6). One rule for the prefix, so a new route
/// cannot forget it.
async fn no_store(req: Request, next: Next) -> Response {
    let private = req.uri().path().starts_with("/v1/");
    let mut resp = next.run(req).await;
    if private {
        resp.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    resp
}

/// A path no route serves: 404 `not_found`.
pub async fn fallback() -> Problem {
    Problem::not_found()
}

async fn record_metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = crate::metrics::method_label(req.method());
    let started = Instant::now();
    let resp = next.run(req).await;
    Metrics::request(method, route, resp.status().as_u16(), started.elapsed());
    resp
}

/// Responses gzip-compressed when the client accepts it, at the fastest
/// level: a 500-photo listing goes from 978 KB to 122 KB (8×) for 2–3 ms
/// of server time (median 14.7–16.1 ms against 12.3–14.0 ms on loopback,
/// where bytes are free; on a phone's link 856 KB less). Brotli at its fastest
/// was larger (129 KB) and slower (16.5 ms), zstd needs a C library
/// (BENCHMARKS.md). Bodies under 32 bytes and images are sent as they are.
fn compression() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new()
        .gzip(true)
        .quality(tower_http::CompressionLevel::Fastest)
}
