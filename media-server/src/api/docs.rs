//! `GET /docs` (SPEC §3.14): Swagger UI over `/openapi.json`, from files
//! compiled into the binary, so a browser renders it with nothing fetched
//! from elsewhere (decision 0030). Static bytes: no work per request
//! beyond sending them, and a year of browser cache for the versioned files.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{Html, IntoResponse};
use axum::routing::get;

/// The swagger-ui-dist release in `assets/swagger-ui` (its `update.sh`).
const SWAGGER_UI_VERSION: &str = "5.36.0";
const BUNDLE: &str = include_str!("../../assets/swagger-ui/swagger-ui-bundle.js");
const CSS: &str = include_str!("../../assets/swagger-ui/swagger-ui.css");
const PAGE: &str = include_str!("../../assets/docs.html");
/// The file URLs carry the version: a new release is a new URL, so an old
/// copy may be kept for good.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The page and its two files.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let page = PAGE.replace("VERSION", SWAGGER_UI_VERSION);
    Router::new()
        .route("/docs", get(move || async move { Html(page) }))
        .route(
            "/docs/swagger-ui-bundle.js",
            get(|| async {
                (
                    [
                        (CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        (CACHE_CONTROL, IMMUTABLE),
                    ],
                    BUNDLE,
                )
                    .into_response()
            }),
        )
        .route(
            "/docs/swagger-ui.css",
            get(|| async {
                (
                    [
                        (CONTENT_TYPE, "text/css; charset=utf-8"),
                        (CACHE_CONTROL, IMMUTABLE),
                    ],
                    CSS,
                )
                    .into_response()
            }),
        )
}
