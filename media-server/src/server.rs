//! Starting and stopping the service: the HTTP API, the job workers, the
//! upkeep loop and the embedded store's upload reports, in one process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use media_adapters::assemble::{Assembled, assemble};
use media_adapters::config::{Config, StartupError};
use media_core::service::{Media, Worker};

use crate::api::{AppState, router};
use crate::metrics::Metrics;

/// What this process runs (`--role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Api,
    Worker,
    All,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "api" => Some(Self::Api),
            "worker" => Some(Self::Worker),
            "all" => Some(Self::All),
            _ => None,
        }
    }
    fn serves_http(self) -> bool {
        self != Self::Worker
    }
    fn runs_jobs(self) -> bool {
        self != Self::Api
    }
}

/// A job's lease; workers renew it every third of it.
const LEASE: Duration = Duration::from_secs(60);
/// How often the upkeep loop reaps dead leases and reconciles uploads.
const UPKEEP_EVERY: Duration = Duration::from_secs(10);
/// How long shutdown waits for in-flight work.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// A started service. Drop or `shutdown` to stop it.
pub struct Running {
    /// Where the API listens (when it does).
    pub addr: Option<SocketAddr>,
    /// Where `/metrics` listens when `MEDIA_METRICS_ADDR` is set.
    pub metrics_addr: Option<SocketAddr>,
    pub media: Media,
    pub assembled: Arc<AssembledParts>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

/// What tests and tools may inspect of a running service.
pub struct AssembledParts {
    pub database: media_adapters::sql::SqlStore,
    pub storage: Arc<media_adapters::s3::S3Storage>,
    pub devstore_addr: Option<SocketAddr>,
    /// Owned for the life of the service: dropping it stops the embedded store.
    _devstore: Option<media_adapters::devstore::DevStore>,
}

impl Running {
    /// Stops accepting, finishes in-flight requests and jobs (or leaves
    /// their leases to expire after `DRAIN_TIMEOUT`), then returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                "shutdown: in-flight work did not finish in time; its leases will expire"
            );
            self.tasks.abort_all();
        }
        self.assembled.database.close().await;
    }

    /// Runs until SIGINT or SIGTERM, then shuts down gracefully.
    pub async fn until_signal(self) {
        wait_for_signal().await;
        tracing::info!("signal received: shutting down");
        self.shutdown().await;
    }
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, StartupError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })
}

/// Resolves once shutdown was asked for (or the sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Starts the service as `role` on the configuration.
pub async fn start(config: &Config, role: Role) -> Result<Running, StartupError> {
    let Assembled {
        media,
        database,
        storage,
        authenticator,
        devstore,
        put_events,
    } = assemble(config, role.runs_jobs() || role.serves_http()).await?;
    if devstore.is_some() {
        storage.ensure_bucket().await?;
    }
    let metrics = Metrics::install(database.clone());
    let (shutdown, shutdown_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    {
        let metrics = metrics.clone();
        let mut rx = shutdown_rx.clone();
        tasks.spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(crate::metrics::UPKEEP_EVERY) => metrics.upkeep(),
                    _ = stopped(&mut rx) => break,
                }
            }
        });
    }
    let limits = crate::serve::ServeLimits {
        header_read_timeout: config.serve.header_read_timeout,
        max_connections: config.serve.max_connections,
    };
    let mut metrics_addr = None;
    if let Some(at) = config.serve.metrics_addr {
        let listener = bind(at).await?;
        metrics_addr = listener.local_addr().ok();
        let mut rx = shutdown_rx.clone();
        let app = crate::api::metrics_router(metrics.clone());
        tasks.spawn(async move {
            crate::serve::serve(listener, app, limits, async move { stopped(&mut rx).await }).await;
        });
    }

    let mut addr = None;
    if role.serves_http() {
        let state = AppState {
            media: media.clone(),
            auth: authenticator,
            metrics: metrics_addr.is_none().then(|| metrics.clone()),
            webhook_secret: config.webhook_secret.clone(),
        };
        let listener = bind(config.addr).await?;
        addr = listener.local_addr().ok();
        let mut rx = shutdown_rx.clone();
        crate::serve::raise_open_files_limit();
        tasks.spawn(async move {
            crate::serve::serve(listener, router(state), limits, async move {
                stopped(&mut rx).await
            })
            .await;
        });
    }

    if role.runs_jobs() {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
        for n in 0..config.worker_concurrency {
            let worker = Worker::new(
                media.clone(),
                format!("{host}:{}:{n}", std::process::id()),
                LEASE,
            );
            let rx = shutdown_rx.clone();
            // Job metrics are the core's (`observe`); nothing to add per event.
            tasks.spawn(async move { worker.run(rx, |_| {}).await });
        }
        let upkeep = media.clone();
        let mut rx = shutdown_rx.clone();
        tasks.spawn(async move {
            loop {
                if let Err(e) = upkeep.maintenance().await {
                    tracing::warn!(error = %e, "upkeep failed; will try again");
                }
                tokio::select! {
                    _ = tokio::time::sleep(UPKEEP_EVERY) => {}
                    _ = stopped(&mut rx) => break,
                }
            }
        });
    }

    // Uploads reported by the embedded store complete at once.
    if let Some(mut events) = put_events {
        let reporter = media.clone();
        let mut rx = shutdown_rx.clone();
        tasks.spawn(async move {
            loop {
                tokio::select! {
                    key = events.recv() => match key {
                        Some(key) => {
                            if let Err(e) = reporter.storage_event(&[key]).await {
                                // The reconciler will find the upload later.
                                tracing::warn!(error = %e, "upload report failed");
                            }
                        }
                        None => break,
                    },
                    _ = stopped(&mut rx) => break,
                }
            }
        });
    }

    Ok(Running {
        addr,
        metrics_addr,
        media,
        assembled: Arc::new(AssembledParts {
            database,
            storage,
            devstore_addr: devstore.as_ref().map(|d| d.addr()),
            _devstore: devstore,
        }),
        shutdown,
        tasks,
    })
}
