//! The HTTP API: each resource's module declares its routes once, with
//! their documentation (`utoipa-axum`); [`router`] gathers them, serves
//! the document they make, and wraps them in the layers of [`layers`].

pub mod archives;
pub mod consents;
pub mod cors;
pub mod docs;
pub mod dto;
pub mod extract;
pub mod layers;
pub mod me;
pub mod operators;
pub mod ops;
pub mod photos;
pub mod problem;
pub mod selfie;
pub mod stats;
pub mod webhook;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use media_core::ports::Authenticator;
use media_core::service::Media;

use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub media: Media,
    pub auth: Arc<dyn Authenticator>,
    /// `None` when `/metrics` is served on its own address (`MEDIA_METRICS_ADDR`).
    pub metrics: Option<Metrics>,
    /// `STORAGE_WEBHOOK_SECRET`'s digest; `None` disables the route.
    pub webhook_secret: Option<media_adapters::bearer::BearerSecret>,
    /// `CORS_ALLOWED_ORIGINS` (SPEC §1.6).
    pub cors: media_adapters::config::AllowedOrigins,
}

/// Every route of the API and the paths of the document they make. The
/// document holds them all whatever a deployment serves: the webhook is
/// routed only with a secret, `/metrics` only when it is not on its own
/// address.
struct Routes {
    api: Router<AppState>,
    webhook: Router<AppState>,
    metrics: Router<Metrics>,
    openapi: Router<Bytes>,
    paths: OpenApi,
}

fn routes() -> Routes {
    let (api, mut paths) = OpenApiRouter::new()
        .merge(selfie::router())
        .merge(photos::router())
        .merge(operators::router())
        .merge(stats::router())
        .merge(consents::router())
        .merge(me::router())
        .merge(archives::router())
        .merge(ops::router())
        .split_for_parts();
    let (webhook, doc) = webhook::router().split_for_parts();
    paths.merge(doc);
    let (metrics, doc) = ops::metrics_router().split_for_parts();
    paths.merge(doc);
    let (openapi, doc) = ops::openapi_router().split_for_parts();
    paths.merge(doc);
    Routes {
        api,
        webhook,
        metrics,
        openapi,
        paths,
    }
}

/// The OpenAPI document as a deployment with this `MAX_UPLOAD_BYTES` serves it.
pub fn document(max_upload_bytes: u64) -> serde_json::Value {
    crate::openapi::document(routes().paths, max_upload_bytes)
}

/// The API on `state`, in its layers.
pub fn router(state: AppState) -> Router {
    let Routes {
        api,
        webhook,
        metrics,
        openapi,
        paths,
    } = routes();
    // Serialized once: the document is the same for every request of a
    // deployment (its MAX_UPLOAD_BYTES included).
    let document = serde_json::to_vec(&crate::openapi::document(
        paths,
        state.media.settings().max_upload_bytes,
    ))
    .map(Bytes::from)
    .unwrap_or_default();
    // `/docs` renders the document; it is not part of it.
    let mut app = api
        .merge(openapi.with_state(document))
        .merge(docs::router());
    // With no secret configured the webhook route does not exist (SPEC §3.10).
    if state.webhook_secret.is_some() {
        app = app.merge(webhook);
    }
    if let Some(m) = &state.metrics {
        app = app.merge(metrics.with_state(m.clone()));
    }
    let cors = state.cors.clone();
    layers::around(app, cors).with_state(state)
}

/// `/metrics` and `/healthz`, for `MEDIA_METRICS_ADDR` (a worker's
/// liveness probe: the process answers, whatever the database does).
pub fn metrics_router(metrics: Metrics) -> Router {
    let (routes, _) = ops::metrics_router().merge(ops::health()).split_for_parts();
    routes.fallback(layers::fallback).with_state(metrics)
}

#[cfg(test)]
mod tests;
