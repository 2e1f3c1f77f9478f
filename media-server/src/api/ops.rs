//! Operations routes (SPEC §3.14): no authentication.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::metrics::Metrics;

/// `/healthz` and `/readyz`.
pub fn router() -> OpenApiRouter<AppState> {
    health().routes(routes!(readyz))
}

/// `/healthz`, whatever the router's state: the API's, or the metrics
/// address's (a worker's liveness probe).
pub fn health<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::new().routes(routes!(healthz))
}

/// `/metrics`, on the state it renders.
pub fn metrics_router() -> OpenApiRouter<Metrics> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// `/openapi.json`, on the document it serves.
pub fn openapi_router() -> OpenApiRouter<Bytes> {
    OpenApiRouter::new().routes(routes!(openapi))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "the process is up")))]
pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// The database and the store answer.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "database and store reachable"), (status = 503, description = "one of them is not")))]
pub async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    let r = s.media.readiness().await;
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let body = Json(json!({
        "status": if r.is_ready() { "ready" } else { "unavailable" },
        "database": word(r.database),
        "store": word(r.store),
    }));
    if r.is_ready() {
        (StatusCode::OK, body)
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, body)
    }
}

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub async fn metrics(State(m): State<Metrics>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        m.render().await,
    )
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses((status = 200, description = "OpenAPI 3.1")))]
pub async fn openapi(State(document): State<Bytes>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document)
}
