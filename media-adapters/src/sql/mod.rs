//! The repositories and the job queue on PostgreSQL or SQLite.
//!
//! One implementation serves both through sqlx's `Any` driver: the schema
//! keeps to types both share (UUID text, Unix-microsecond BIGINTs, blobs),
//! queries use `$n` placeholders (which SQLite accepts too), and the few
//! places that differ (row locks, notifications) branch on [`Backend`].

mod archives;
mod binds;
mod consents;
mod directory;
mod faces;
mod job_admin;
mod listing;
mod photo_changes;
mod photos;
mod queue;
mod rows;
mod selfies;
mod wake;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use media_core::Error;
use media_core::error::Result;
use media_core::ports::{Clock, FaceEmbedder, NoEvents, Storage};
use media_core::service::Ports;

use crate::config::{Backend, ConfigError, StartupError};

/// The database behind every repository port and the job queue.
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// Woken when a job may be due: by this process's enqueues, and on
    /// Postgres by `NOTIFY` from any process.
    wake: Arc<wake::Wake>,
    max_attempts: u32,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never print it.
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// The channel Postgres notifies on when jobs are enqueued.
const JOB_CHANNEL: &str = "media_jobs";

pub(crate) fn db_error(e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::RowNotFound => Error::NotFound,
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::TypeNotFound { .. } => {
            Error::permanent(format!("database row could not be read: {e}"))
        }
        sqlx::Error::PoolTimedOut => {
            crate::observe::pool_timed_out();
            Error::unavailable("database: no pooled connection came free in time")
        }
        other => Error::unavailable(format!("database: {other}")),
    }
}

impl SqlStore {
    /// Sets the pool gauges (`observe`) from the pool as it is now; the
    /// server samples it every few seconds.
    pub fn record_pool(&self) {
        crate::observe::pool(
            self.pool.size(),
            self.pool.num_idle(),
            self.pool.options().get_max_connections(),
        );
    }

    /// Connects, creating a SQLite file (and its folder) when needed, and
    /// applies migrations. A URL that cannot be used is a configuration
    /// error; a database that does not answer is `Unavailable`.
    pub async fn connect(url: &str, max_attempts: u32) -> Result<Self, StartupError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url).ok_or_else(|| {
            ConfigError("DATABASE_URL must start with postgres:// or sqlite:".into())
        })?;
        let mut url = url.to_owned();
        if backend == Backend::Sqlite {
            create_sqlite_folder(&url)?;
            if !url.contains("mode=") && !url.contains(":memory:") {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
        }
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| ConfigError(format!("DATABASE_URL: {e}")))?;
        let pool = match backend {
            // No ping before each acquire (sqlx's default): it doubled the
            // round trips of every statement. A connection broken by a
            // database restart fails its next statement, which answers 503
            // and is retried; sqlx then drops it (docs/decisions/0006).
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(false)
                // Every acquire's wait as a trace event: the only way sqlx 0.8
                // tells it (`observe::POOL_ACQUIRE_WAIT`, read by a tracing
                // layer in the server; disabled, and free, without one).
                .acquire_time_level(log::LevelFilter::Trace)
                // A statement prepared on a pooled connection while a
                // project was small kept its generic plan after 151,000
                // inserts into it: the listing fell from 393 to 16.6 req/s
                // until an ANALYZE (BENCHMARKS.md). Planning each execution
                // with its values costs well under a millisecond.
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("SET plan_cache_mode = force_custom_plan")
                            .await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .map_err(db_error)?,
            // One connection: SQLite has one writer anyway, and a single
            // connection never meets SQLITE_BUSY on a transaction upgrade.
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .acquire_time_level(log::LevelFilter::Trace)
                .idle_timeout(None)
                .max_lifetime(None)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .map_err(db_error)?,
        };
        let store = Self {
            pool,
            backend,
            wake: Arc::default(),
            max_attempts: max_attempts.max(1),
        };
        store.migrate().await?;
        if backend == Backend::Postgres {
            store.listen_for_jobs(&url);
        }
        Ok(store)
    }

    /// The core's [`Ports`] with this store behind every database port (the
    /// repositories and the queue must share one database: a state change
    /// and its jobs commit in one transaction) and the given rest.
    pub fn ports(
        self: &Arc<Self>,
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        embedder: Arc<dyn FaceEmbedder>,
    ) -> Ports {
        Ports {
            directory: self.clone(),
            photos: self.clone(),
            selfies: self.clone(),
            consents: self.clone(),
            faces: self.clone(),
            archives: self.clone(),
            queue: self.clone(),
            job_admin: self.clone(),
            storage,
            clock,
            embedder,
            events: Arc::new(NoEvents),
        }
    }

    /// Which database it is on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool (tests and benchmarks seed through it).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies the migrations of this backend (idempotent).
    pub async fn migrate(&self) -> Result<()> {
        let result = match self.backend {
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await
            }
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.pool).await,
        };
        result.map_err(|e| Error::unavailable(format!("migrations: {e}")))
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A background task turns Postgres notifications into wake-ups, so idle
    /// workers sleep instead of polling the table.
    fn listen_for_jobs(&self, url: &str) {
        let url = url.to_owned();
        let wake = self.wake.clone();
        tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut listener) => {
                        if listener.listen(JOB_CHANNEL).await.is_ok() {
                            while listener.recv().await.is_ok() {
                                wake.signal();
                            }
                        }
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "job listener could not connect; retrying")
                    }
                }
                // Connection lost: workers fall back to their poll interval meanwhile.
                wake.signal();
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        });
    }
}

fn create_sqlite_folder(url: &str) -> Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::unavailable(format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(())
}
