//! The media service's REST API (axum) and job workers, on `media-core` and
//! `media-adapters`. `media-server` (the binary) runs [`server::start`].

pub mod api;
pub mod healthcheck;
pub mod metrics;
pub mod openapi;
mod process;
pub mod serve;
pub mod server;
pub mod telemetry;
