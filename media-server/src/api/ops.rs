//! Operations routes (SPEC §3.14): no authentication.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use media_core::ports::{JobQueue, Storage};

use super::AppState;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "the process is up")))]
pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// The database and the store answer.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "database and store reachable"), (status = 503, description = "one of them is not")))]
pub async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    let (db, store) = tokio::join!(s.database.ping(), s.storage.ping());
    let ok = db.is_ok() && store.is_ok();
    let body = Json(json!({
        "status": if ok { "ready" } else { "unavailable" },
        "database": if db.is_ok() { "ok" } else { "unavailable" },
        "store": if store.is_ok() { "ok" } else { "unavailable" },
    }));
    if ok {
        (StatusCode::OK, body)
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, body)
    }
}

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let depth = s.database.stats().await.ok();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(depth.as_deref()),
    )
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses((status = 200, description = "OpenAPI 3.1")))]
pub async fn openapi() -> impl IntoResponse {
    Json(crate::openapi::document())
}
