//! Builds the core on the adapters a [`Config`] names: what the server, the
//! CLI and the examples share.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::mpsc;

use media_core::ports::FaceEmbedder;
use media_core::service::Media;

use crate::builtin::BuiltinEngine;
use crate::clock::SystemClock;
use crate::config::{Config, ConfigError, FaceEngine, StartupError, StorageConfig};
use crate::devstore::DevStore;
use crate::jwt::JwtAuthenticator;
use crate::retina::{NoRetina, RetinaClient};
use crate::s3::S3Storage;
use crate::sql::SqlStore;
use crate::webhooks::WebhookSender;

/// The service and the adapters behind it.
pub struct Assembled {
    /// The service, on the adapters below.
    pub media: Media,
    /// The SQL store behind every repository port and the queue.
    pub database: SqlStore,
    /// The object store (R2, another S3, or the embedded one).
    pub storage: Arc<S3Storage>,
    /// Bearer tokens → principals, for the server's extractors.
    pub authenticator: Arc<JwtAuthenticator>,
    /// The embedded store, when no remote one is configured; kept alive here.
    pub devstore: Option<DevStore>,
    /// Keys of completed PUTs reported by the embedded store.
    pub put_events: Option<mpsc::UnboundedReceiver<String>>,
}

impl Assembled {
    /// Where the embedded store listens, when there is one.
    pub fn devstore_addr(&self) -> Option<SocketAddr> {
        self.devstore.as_ref().map(DevStore::addr)
    }
}

impl std::fmt::Debug for Assembled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assembled")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

/// Connects everything, for a tool (the CLI, benchmarks): with an embedded
/// store, it uses the running server's when one answers on its address,
/// and otherwise a private one on a free port over the same folder (no
/// server is using it then).
/// The built-in face engine's weights are loaded on its first image (most
/// commands never run it): a tool that runs workers calls
/// [`load_face_engine`] first.
pub async fn assemble(config: &Config) -> Result<Assembled, StartupError> {
    connect(config, false).await
}

/// Connects everything, for the server: an embedded store is served on its
/// address, and its completed uploads are reported (`put_events`). The
/// built-in face engine's weights are loaded and checked first
/// ([`load_face_engine`]).
pub async fn assemble_server(config: &Config) -> Result<Assembled, StartupError> {
    load_face_engine(config)?;
    connect(config, true).await
}

/// Loads and checks the built-in engine's weights now, once per process,
/// when the configuration runs it: a broken build stops the process at
/// start, not at its first photo.
pub fn load_face_engine(config: &Config) -> Result<(), StartupError> {
    if config.face_engine == FaceEngine::Builtin {
        BuiltinEngine::load().map_err(|e| {
            ConfigError(format!(
                "FACE_ENGINE=builtin: the face engine did not load: {e}"
            ))
        })?;
    }
    Ok(())
}

async fn connect(config: &Config, serves_store: bool) -> Result<Assembled, StartupError> {
    let database =
        SqlStore::connect(&config.database_url, config.settings.job_max_attempts).await?;
    let (devstore, storage, put_events) = match &config.storage {
        StorageConfig::Embedded {
            root,
            addr,
            bucket,
            public_url,
        } => {
            let running = if serves_store {
                None
            } else {
                DevStore::running(root, *addr, bucket).await
            };
            if let Some(mut s3) = running {
                s3.public_url = public_url.clone();
                (None, S3Storage::new(&s3), None)
            } else {
                let (tx, rx) = if serves_store {
                    let (tx, rx) = mpsc::unbounded_channel();
                    (Some(tx), Some(rx))
                } else {
                    (None, None)
                };
                let at = if serves_store {
                    *addr
                } else {
                    SocketAddr::from(([127, 0, 0, 1], 0))
                };
                let dev = DevStore::start_for(root, at, bucket, tx, config.cors.clone()).await?;
                let mut s3 = dev.config().clone();
                s3.public_url = public_url.clone();
                let storage = S3Storage::new(&s3);
                (Some(dev), storage, rx)
            }
        }
        StorageConfig::Remote(s3) => (None, S3Storage::new(s3), None),
    };
    let storage = Arc::new(storage);
    let embedder: Arc<dyn FaceEmbedder> = match (config.face_engine, &config.retina) {
        (FaceEngine::Retina, Some(r)) => {
            Arc::new(RetinaClient::new(r.clone()).map_err(|e| ConfigError(e.to_string()))?)
        }
        // Loaded by `load_face_engine` for a process that runs it.
        (FaceEngine::Builtin, _) => Arc::new(BuiltinEngine::lazy()),
        (FaceEngine::Retina | FaceEngine::Off, _) => Arc::new(NoRetina),
    };
    let authenticator = Arc::new(
        JwtAuthenticator::new(config.jwt_with_files()?)
            .map_err(|e| ConfigError(format!("JWT configuration: {e}")))?,
    );
    let mut ports =
        Arc::new(database.clone()).ports(storage.clone(), Arc::new(SystemClock), embedder);
    if let Some(events) = &config.events {
        ports.events =
            Arc::new(WebhookSender::new(events.clone()).map_err(|e| ConfigError(e.to_string()))?);
    }
    let mut settings = config.settings.clone();
    // The built-in engine's measured threshold serves its embeddings
    // whichever engine runs now (stored ones wait for a reprocess).
    settings.model_match_distances.push((
        media_faces::MODEL.to_owned(),
        media_faces::DEFAULT_MATCH_MAX_DISTANCE,
    ));
    let media = Media::new(ports, settings);
    Ok(Assembled {
        media,
        database,
        storage,
        authenticator,
        devstore,
        put_events,
    })
}
