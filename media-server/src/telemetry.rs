//! Logs and traces. Every request runs in a `request` span carrying its
//! `x-request-id`; use cases (`media_core::service`) open an info span
//! each, jobs a `job` span, and every repository, queue, store and
//! face-service call a debug span (`media_adapters`), so one slow request
//! shows where its time went. With the `otel` feature and
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans are exported over OTLP/HTTP
//! (protobuf) in batches (decision 0015).

mod every_time;

pub use every_time::{EveryTime, every_time};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// What logs by default: our crates at info, chatty dependencies at warn.
const LOG_FILTER: &str = "info,sqlx=warn,aws=warn,hyper=warn";

/// What is exported as spans by default: adapter calls too (debug), and
/// never the exporter's own HTTP client (it would trace itself).
#[cfg_attr(not(feature = "otel"), allow(dead_code))]
const TRACE_FILTER: &str = "info,media_core=debug,media_adapters=debug,sqlx=warn,aws=warn,hyper=off,h2=off,reqwest=off,opentelemetry=off,opentelemetry_sdk=off,opentelemetry_otlp=off";

/// How the process logs and traces, read from the environment.
#[derive(Debug, Clone, Default)]
pub struct TelemetryConfig {
    /// `LOG_FORMAT=json`: one JSON object per line.
    pub json: bool,
    /// Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces` (the OTLP convention).
    pub otlp_traces_endpoint: Option<String>,
}

impl TelemetryConfig {
    /// From `LOG_FORMAT` and the standard OpenTelemetry variables.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self {
            json: var("LOG_FORMAT").is_some_and(|f| f == "json"),
            otlp_traces_endpoint: var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or_else(|| {
                var("OTEL_EXPORTER_OTLP_ENDPOINT")
                    .map(|base| format!("{}/v1/traces", base.trim_end_matches('/')))
            }),
        }
    }
}

/// Keeps the exporter running; [`Telemetry::shutdown`] sends what is buffered.
#[must_use = "dropping it is fine; shutdown() flushes the last spans"]
pub struct Telemetry {
    #[cfg(feature = "otel")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Telemetry {
    /// Exports the spans still buffered (at most the batch timeout's worth).
    pub fn shutdown(self) {
        #[cfg(feature = "otel")]
        if let Some(p) = self.provider
            && let Err(e) = p.shutdown()
        {
            eprintln!("media-server: trace export did not finish: {e}");
        }
    }
}

/// Installs the global subscriber: logs to stderr (`RUST_LOG` filters
/// them) and, when configured, spans to the OTLP endpoint
/// (`OTEL_TRACES_FILTER` filters those). Call once, at startup.
pub fn init(config: &TelemetryConfig) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(LOG_FILTER));
    let logs = if config.json {
        tracing_subscriber::fmt::layer().json().boxed()
    } else {
        tracing_subscriber::fmt::layer().boxed()
    };
    let registry = tracing_subscriber::registry()
        .with(logs.with_filter(every_time(filter)))
        .with(pool_waits());

    #[cfg(feature = "otel")]
    if let Some(endpoint) = &config.otlp_traces_endpoint {
        match otel::layer(endpoint) {
            Ok((layer, provider)) => {
                registry.with(layer).init();
                // Without user information or query: either may be a key.
                let endpoint = media_adapters::redact::without_credentials(endpoint);
                tracing::info!(%endpoint, "exporting traces over OTLP");
                return Telemetry {
                    provider: Some(provider),
                };
            }
            Err(e) => {
                registry.init();
                tracing::warn!(error = %e, "OTLP exporter not built; no traces are exported");
                return Telemetry { provider: None };
            }
        }
    }
    registry.init();
    if config.otlp_traces_endpoint.is_some() && cfg!(not(feature = "otel")) {
        tracing::warn!(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set, but this binary was built without the `otel` feature: no traces are exported"
        );
    }
    Telemetry {
        #[cfg(feature = "otel")]
        provider: None,
    }
}

/// The pool-wait histogram from sqlx's per-acquire trace events
/// (`media_adapters::observe::POOL_ACQUIRE_WAIT`). `Targets` decides per
/// call site, once: every other trace call site stays disabled.
pub fn pool_waits<S>() -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    PoolWaits.with_filter(every_time(
        tracing_subscriber::filter::Targets::new().with_target(
            media_adapters::observe::POOL_ACQUIRE_TARGET,
            tracing::Level::TRACE,
        ),
    ))
}

struct PoolWaits;

impl<S: tracing::Subscriber> Layer<S> for PoolWaits {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Wait(Option<f64>);
        impl tracing::field::Visit for Wait {
            fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
                if field.name() == media_adapters::observe::POOL_ACQUIRE_FIELD {
                    self.0 = Some(value);
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        let mut wait = Wait(None);
        event.record(&mut wait);
        if let Some(secs) = wait.0 {
            media_adapters::observe::pool_acquired(secs);
        }
    }
}

#[cfg(feature = "otel")]
mod otel {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::WithExportConfig;
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing_subscriber::registry::LookupSpan;
    use tracing_subscriber::{EnvFilter, Layer};

    /// The OTLP layer (filtered by `OTEL_TRACES_FILTER`) and its provider.
    pub fn layer<S>(endpoint: &str) -> Result<(impl Layer<S>, SdkTracerProvider), String>
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint)
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .build()
            .map_err(|e| e.to_string())?;
        let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "media-server".into());
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().with_service_name(service).build())
            .build();
        let tracer = provider.tracer("media-server");
        let filter = EnvFilter::try_from_env("OTEL_TRACES_FILTER")
            .unwrap_or_else(|_| EnvFilter::new(super::TRACE_FILTER));
        let layer = tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_filter(super::every_time(filter));
        Ok((layer, provider))
    }
}
