//! Starting and stopping the service: the HTTP API, the job workers, the
//! upkeep loop and the embedded store's upload reports, in one process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use tokio::sync::mpsc;

use media_adapters::assemble::{Assembled, assemble_server};
use media_adapters::config::{Config, StartupError};
use media_core::service::{Media, Worker};

use crate::api::{AppState, router};
use crate::metrics::Metrics;
use crate::serve::ServeLimits;

/// What this process runs (`--role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// The HTTP API only.
    Api,
    /// The job workers and the upkeep only.
    Worker,
    /// Both (the default).
    All,
}

impl Role {
    fn serves_http(self) -> bool {
        self != Self::Worker
    }
    fn runs_jobs(self) -> bool {
        self != Self::Api
    }
}

/// A job's lease (60 s); workers renew it every third of it (20 s).
const LEASE: Duration = Duration::from_secs(60);
/// How often the upkeep loop reaps dead leases and reconciles uploads, and
/// histogram samples are folded in when nobody scrapes (without it each
/// recorded value is kept until the next scrape).
const UPKEEP_EVERY: Duration = Duration::from_secs(10);
/// How long shutdown waits for in-flight work.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// A started service. Drop or `shutdown` to stop it.
pub struct Running {
    /// Where the API listens (when it does).
    pub addr: Option<SocketAddr>,
    /// Where `/metrics` listens when `MEDIA_METRICS_ADDR` is set.
    pub metrics_addr: Option<SocketAddr>,
    /// The service.
    pub media: Media,
    /// The adapters behind it, for tests and tools to inspect; it owns the
    /// embedded store for the life of the service.
    pub assembled: Arc<Assembled>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
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
    let mut assembled = assemble_server(config).await?;
    if assembled.devstore.is_some() {
        assembled.storage.ensure_bucket().await?;
    }
    let database = assembled.database.clone();
    let metrics = Metrics::install(Arc::new(move || database.record_pool()));
    let (shutdown, stop) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let limits = ServeLimits {
        header_read_timeout: config.serve.header_read_timeout,
        max_connections: config.serve.max_connections,
    };
    spawn_metrics_upkeep(&mut tasks, metrics.clone(), stop.clone());
    let metrics_addr = match config.serve.metrics_addr {
        Some(at) => spawn_metrics_server(&mut tasks, at, &metrics, limits, stop.clone()).await?,
        None => None,
    };
    let mut addr = None;
    if role.serves_http() {
        let state = AppState {
            media: assembled.media.clone(),
            auth: assembled.authenticator.clone(),
            metrics: metrics_addr.is_none().then(|| metrics.clone()),
            webhook_secret: config
                .webhook_secret
                .as_deref()
                .map(media_adapters::bearer::BearerSecret::new),
            cors: config.cors.clone(),
        };
        addr = spawn_api(&mut tasks, config.addr, state, limits, stop.clone()).await?;
    }
    if role.runs_jobs() {
        spawn_workers(
            &mut tasks,
            &assembled.media,
            config.worker_concurrency,
            &stop,
        );
        spawn_upkeep(&mut tasks, assembled.media.clone(), stop.clone());
    }
    if let Some(events) = assembled.put_events.take() {
        spawn_upload_reports(&mut tasks, events, assembled.media.clone(), stop);
    }
    Ok(Running {
        addr,
        metrics_addr,
        media: assembled.media.clone(),
        assembled: Arc::new(assembled),
        shutdown,
        tasks,
    })
}

/// Folds histogram samples in every [`UPKEEP_EVERY`].
fn spawn_metrics_upkeep(
    tasks: &mut JoinSet<()>,
    metrics: Metrics,
    mut stop: watch::Receiver<bool>,
) {
    tasks.spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(UPKEEP_EVERY) => metrics.upkeep(),
                _ = stopped(&mut stop) => break,
            }
        }
    });
}

/// `/metrics` and `/healthz` on `MEDIA_METRICS_ADDR`; the address bound.
async fn spawn_metrics_server(
    tasks: &mut JoinSet<()>,
    at: SocketAddr,
    metrics: &Metrics,
    limits: ServeLimits,
    mut stop: watch::Receiver<bool>,
) -> Result<Option<SocketAddr>, StartupError> {
    let listener = bind(at).await?;
    let bound = listener.local_addr().ok();
    let app = crate::api::metrics_router(metrics.clone());
    tasks.spawn(async move {
        crate::serve::serve(
            listener,
            app,
            limits,
            async move { stopped(&mut stop).await },
        )
        .await;
    });
    Ok(bound)
}

/// The API on `at`; the address bound.
async fn spawn_api(
    tasks: &mut JoinSet<()>,
    at: SocketAddr,
    state: AppState,
    limits: ServeLimits,
    mut stop: watch::Receiver<bool>,
) -> Result<Option<SocketAddr>, StartupError> {
    let listener = bind(at).await?;
    let bound = listener.local_addr().ok();
    crate::serve::raise_open_files_limit();
    tasks.spawn(async move {
        crate::serve::serve(listener, router(state), limits, async move {
            stopped(&mut stop).await
        })
        .await;
    });
    Ok(bound)
}

/// `count` workers, each leasing its jobs for [`LEASE`].
fn spawn_workers(
    tasks: &mut JoinSet<()>,
    media: &Media,
    count: usize,
    stop: &watch::Receiver<bool>,
) {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    for n in 0..count {
        let worker = Worker::new(
            media.clone(),
            format!("{host}:{}:{n}", std::process::id()),
            LEASE,
        );
        let stop = stop.clone();
        // Job metrics are the core's (`observe`); nothing to add per event.
        tasks.spawn(async move { worker.run(stop, |_| {}).await });
    }
}

/// [`Media::maintenance`] every [`UPKEEP_EVERY`].
fn spawn_upkeep(tasks: &mut JoinSet<()>, media: Media, mut stop: watch::Receiver<bool>) {
    tasks.spawn(async move {
        loop {
            if let Err(e) = media.maintenance().await {
                tracing::warn!(error = %e, "upkeep failed; will try again");
            }
            tokio::select! {
                _ = tokio::time::sleep(UPKEEP_EVERY) => {}
                _ = stopped(&mut stop) => break,
            }
        }
    });
}

/// Uploads reported by the embedded store complete at once.
fn spawn_upload_reports(
    tasks: &mut JoinSet<()>,
    mut events: mpsc::UnboundedReceiver<String>,
    media: Media,
    mut stop: watch::Receiver<bool>,
) {
    tasks.spawn(async move {
        loop {
            tokio::select! {
                key = events.recv() => match key {
                    Some(key) => {
                        if let Err(e) = media.storage_event(&[key]).await {
                            // The reconciler will find the upload later.
                            tracing::warn!(error = %e, "upload report failed");
                        }
                    }
                    None => break,
                },
                _ = stopped(&mut stop) => break,
            }
        }
    });
}
