//! Operations routes (SPEC §3.14): no authentication.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use media_core::ports::{JobQueue, Storage};

use super::AppState;

/// The process is up.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// The database and the store answer.
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
pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let depth = s.database.stats().await.ok();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(depth.as_deref()),
    )
}

pub async fn openapi() -> impl IntoResponse {
    Json(crate::openapi::document())
}
