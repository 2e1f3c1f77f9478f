//! Configuration from the environment (and a `.env` file), SPEC §6. Shared
//! by the server and the CLI so both see the same database, store and keys
//! (docs/decisions/0009). Parsing reads variables only; the files they
//! name — the JWT public key, the development JWT secret (created when
//! missing) — are read at startup by [`Config::load`], not while parsing.
//! An invalid value is an error naming the variable, in one line.
//!
//! Over 400 lines on purpose: `Config` and the parsing of its sections sit
//! together so each variable is read in exactly one place; groups with
//! rules of their own live beside it (events, limits, secrets).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use media_core::Settings;

use crate::jwt::JwtConfig;
use crate::retina::RetinaConfig;
use crate::s3::S3Config;
use crate::webhooks::WebhookConfig;

/// One line naming the variable and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Why the process could not start: its configuration, its address, or a
/// dependency that did not answer. Never a client's error.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A variable that cannot be used, named in the message.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// `MEDIA_ADDR` (or the embedded store's `MEDIA_STORAGE_ADDR`).
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The database, the store or the embedded store did not come up.
    #[error("{0}")]
    Unavailable(#[from] media_core::Error),
}

/// Which object store, and how to reach it.
#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// The in-process S3-compatible store (development).
    Embedded {
        /// The folder it keeps objects in (`{MEDIA_DATA_DIR}/objects`).
        root: PathBuf,
        /// Where it listens (`MEDIA_STORAGE_ADDR`).
        addr: SocketAddr,
        /// The bucket name it serves.
        bucket: String,
        /// `R2_PUBLIC_URL`, when set, for `fileUrl` references.
        public_url: Option<String>,
    },
    /// R2 or another S3-compatible store.
    Remote(S3Config),
}

/// Everything a process reads from its environment (SPEC §6), validated.
/// `Debug` shows no secret.
#[derive(Clone)]
pub struct Config {
    /// Where the API listens (`MEDIA_ADDR`).
    pub addr: SocketAddr,
    /// Where embedded defaults keep their files (`MEDIA_DATA_DIR`, `data`).
    pub data_dir: PathBuf,
    /// `DATABASE_URL`: `postgres://…` or `sqlite://…` (the default, in `data_dir`).
    pub database_url: String,
    /// The object store.
    pub storage: StorageConfig,
    /// Which face engine finds faces (`FACE_ENGINE`).
    pub face_engine: FaceEngine,
    /// Retina, when `RETINA_URL` is set (used with `FACE_ENGINE=retina`).
    pub retina: Option<RetinaConfig>,
    /// The platform's webhook; `None` when `EVENTS_WEBHOOK_URL` is unset.
    pub events: Option<WebhookConfig>,
    /// Token verification: the secrets of the environment, and the public
    /// key once [`Config::read_jwt_files`] has read it.
    pub jwt: JwtConfig,
    /// `JWT_PUBLIC_KEY_FILE`: the PEM public key tokens may be signed for.
    pub jwt_public_key_file: Option<PathBuf>,
    /// True when no JWT key was configured: development mode, with the
    /// secret of `data/jwt-secret` (created by [`Config::load`] or
    /// [`Config::read_jwt_files`]).
    pub jwt_dev_secret: bool,
    /// Workers per process (`WORKER_CONCURRENCY`).
    pub worker_concurrency: usize,
    /// The bearer secret of the storage webhook (`STORAGE_WEBHOOK_SECRET`);
    /// `None` disables the route.
    pub webhook_secret: Option<String>,
    /// Connection limits and timeouts of the HTTP server.
    pub serve: ServeConfig,
    /// `CORS_ALLOWED_ORIGINS`: the browser origins the API and the embedded
    /// store answer (SPEC §1.6).
    pub cors: AllowedOrigins,
    /// The core's tunables.
    pub settings: Settings,
}

/// `FACE_ENGINE` (SPEC §6, §7a).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceEngine {
    /// Retina over HTTP (`RETINA_URL`); the default when it is set.
    Retina,
    /// The built-in engine, in process; the default without `RETINA_URL`.
    Builtin,
    /// None: selfies and photo faces wait until an engine is configured.
    Off,
}

/// How the HTTP server treats its connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServeConfig {
    /// `MEDIA_HEADER_READ_TIMEOUT_SECONDS` (10): a request's headers, and a
    /// keep-alive connection's next request, must arrive within this.
    pub header_read_timeout: Duration,
    /// `MEDIA_MAX_CONNECTIONS` (4096): open connections at most; past it,
    /// accepting waits.
    pub max_connections: usize,
    /// `MEDIA_METRICS_ADDR`: when set, `/metrics` is served there only (and
    /// by workers too), not on the API's address, so it need not be public.
    pub metrics_addr: Option<SocketAddr>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets never reach logs: the database password and the webhook
        // secret are redacted here, the JWT, R2 and Retina keys by their own types.
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_password(&self.database_url))
            .field("storage", &self.storage)
            .field("face_engine", &self.face_engine)
            .field("retina", &self.retina)
            .field("events", &self.events)
            .field("jwt", &self.jwt)
            .field("jwt_public_key_file", &self.jwt_public_key_file)
            .field("jwt_dev_secret", &self.jwt_dev_secret)
            .field("worker_concurrency", &self.worker_concurrency)
            .field("serve", &self.serve)
            .field("cors", &self.cors)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("settings", &self.settings)
            .finish()
    }
}

/// `scheme://user:password@host…` with the password replaced.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:<redacted>@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn parse<T: std::str::FromStr>(
    get: Lookup<'_>,
    var: &str,
    default: T,
    check: impl Fn(&T) -> bool,
    what: &str,
) -> Result<T, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<T>()
            .ok()
            .filter(|v| check(v))
            .ok_or_else(|| ConfigError(format!("{var}={raw:?} is not {what}"))),
    }
}

fn http_url(var: &str, url: &str) -> Result<(), ConfigError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(ConfigError(format!("{var}={url:?} must be an http(s) URL")))
    }
}

impl Config {
    /// What a process starts with: `.env` (when present) and the
    /// environment, then the files they name (the JWT public key, or the
    /// development JWT secret if no key is configured).
    pub fn load() -> Result<Self, ConfigError> {
        let mut config = Self::from_env()?;
        config.read_jwt_files()?;
        Ok(config)
    }

    /// Reads `.env` (when present) into the process environment, then the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            return Err(ConfigError(format!(".env: {e}")));
        }
        Self::from_lookup(&|k| std::env::var(k).ok())
    }

    /// Reads through `lookup`; an empty value counts as unset. Touches no file.
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        let non_empty = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let get: Lookup<'_> = &non_empty;
        let addr_raw = get("MEDIA_ADDR").or_else(|| get("PORT").map(|p| format!("0.0.0.0:{p}")));
        let addr = match addr_raw {
            None => SocketAddr::from(([0, 0, 0, 0], 3003)),
            Some(raw) => raw.parse().map_err(|_| {
                ConfigError(format!(
                    "MEDIA_ADDR/PORT {raw:?} is not an address like 0.0.0.0:3003"
                ))
            })?,
        };
        let data_dir = PathBuf::from(get("MEDIA_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("media.db").display()));
        if Backend::of_url(&database_url).is_none() {
            return Err(ConfigError(
                "DATABASE_URL must start with postgres:// or sqlite:".into(),
            ));
        }
        let jwt = jwt(get)?;
        let jwt_public_key_file = get("JWT_PUBLIC_KEY_FILE").map(PathBuf::from);
        let development = jwt.is_empty() && jwt_public_key_file.is_none();
        let cors = cors::allowed_origins(get("CORS_ALLOWED_ORIGINS"), development)?;
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let retina = retina(get)?;
        Ok(Self {
            addr,
            storage: storage(get, &data_dir)?,
            face_engine: face_engine(get, retina.is_some())?,
            retina,
            events: events::events(get)?,
            jwt_dev_secret: development,
            jwt,
            jwt_public_key_file,
            // One more worker than CPUs: a photo's job waits on the store
            // and the database part of the time, and a third worker on 2
            // CPUs fills those waits — 356–376 → 417–429 photos/min in the
            // burst benchmark, peak RSS 257–262 → 306–344 MB; a fourth
            // added nothing (416–426) for 396–418 MB (BENCHMARKS.md).
            worker_concurrency: parse(
                get,
                "WORKER_CONCURRENCY",
                cpus + 1,
                |v| (1..=256).contains(v),
                "a number from 1 to 256",
            )?,
            webhook_secret: secrets::shared_secret(
                "STORAGE_WEBHOOK_SECRET",
                get("STORAGE_WEBHOOK_SECRET"),
            )?,
            serve: ServeConfig {
                // Ten seconds: a phone on a bad network sends a few hundred
                // bytes of headers in well under that; a slowloris waits longer.
                header_read_timeout: Duration::from_secs(parse(
                    get,
                    "MEDIA_HEADER_READ_TIMEOUT_SECONDS",
                    10,
                    |v| (1..=300).contains(v),
                    "a number of seconds from 1 to 300",
                )?),
                max_connections: parse(
                    get,
                    "MEDIA_MAX_CONNECTIONS",
                    4096,
                    |v| (16..=1_000_000).contains(v),
                    "a number from 16 to 1000000",
                )?,
                metrics_addr: get("MEDIA_METRICS_ADDR")
                    .map(|raw| {
                        raw.parse().map_err(|_| {
                            ConfigError(format!(
                                "MEDIA_METRICS_ADDR {raw:?} is not an address like 0.0.0.0:9464"
                            ))
                        })
                    })
                    .transpose()?,
            },
            cors,
            settings: limits::limits(get)?,
            data_dir,
            database_url,
        })
    }

    /// Reads the files the JWT configuration names into [`Config::jwt`]:
    /// the public key of `JWT_PUBLIC_KEY_FILE`, or in development mode
    /// `data/jwt-secret` (created, mode 0600, when missing).
    pub fn read_jwt_files(&mut self) -> Result<(), ConfigError> {
        self.jwt = self.jwt_with_files()?;
        Ok(())
    }

    /// The JWT configuration with the files it names read (for a `Config`
    /// built without [`Config::load`]).
    pub fn jwt_with_files(&self) -> Result<JwtConfig, ConfigError> {
        let mut jwt = self.jwt.clone();
        if let Some(path) = &self.jwt_public_key_file
            && jwt.public_key_pem.is_none()
        {
            jwt.public_key_pem = Some(
                std::fs::read_to_string(path)
                    .map_err(|e| ConfigError(format!("JWT_PUBLIC_KEY_FILE={path:?}: {e}")))?,
            );
        }
        if self.jwt_dev_secret && jwt.secret.is_none() {
            jwt.secret = Some(dev_secret(&self.data_dir)?);
        }
        Ok(jwt)
    }
}

/// `R2_*`, or the embedded store under the data folder.
fn storage(get: Lookup<'_>, data_dir: &Path) -> Result<StorageConfig, ConfigError> {
    let Some(endpoint) = get("R2_ENDPOINT") else {
        let raw = get("MEDIA_STORAGE_ADDR").unwrap_or_else(|| "127.0.0.1:3004".into());
        let addr = raw.parse().map_err(|_| {
            ConfigError(format!(
                "MEDIA_STORAGE_ADDR={raw:?} is not an address like 127.0.0.1:3004"
            ))
        })?;
        return Ok(StorageConfig::Embedded {
            root: data_dir.join("objects"),
            addr,
            bucket: get("R2_BUCKET").unwrap_or_else(|| "media".into()),
            public_url: get("R2_PUBLIC_URL"),
        });
    };
    http_url("R2_ENDPOINT", &endpoint)?;
    let need = |var: &str| {
        get(var).ok_or_else(|| ConfigError(format!("{var} is required when R2_ENDPOINT is set")))
    };
    Ok(StorageConfig::Remote(S3Config {
        endpoint,
        bucket: need("R2_BUCKET")?,
        region: get("R2_REGION").unwrap_or_else(|| "auto".into()),
        access_key_id: need("R2_ACCESS_KEY_ID")?,
        secret_access_key: secrets::not_placeholder(
            "R2_SECRET_ACCESS_KEY",
            Some(need("R2_SECRET_ACCESS_KEY")?),
        )?
        .unwrap_or_default(),
        public_url: get("R2_PUBLIC_URL"),
    }))
}

/// `FACE_ENGINE`: `retina` when `RETINA_URL` is set, else `builtin`;
/// `retina` without `RETINA_URL` is refused.
fn face_engine(get: Lookup<'_>, has_retina: bool) -> Result<FaceEngine, ConfigError> {
    let Some(raw) = get("FACE_ENGINE") else {
        return Ok(if has_retina {
            FaceEngine::Retina
        } else {
            FaceEngine::Builtin
        });
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "retina" if has_retina => Ok(FaceEngine::Retina),
        "retina" => Err(ConfigError(
            "FACE_ENGINE=retina needs RETINA_URL (or FACE_ENGINE=builtin)".into(),
        )),
        "builtin" => Ok(FaceEngine::Builtin),
        "off" => Ok(FaceEngine::Off),
        _ => Err(ConfigError(format!(
            "FACE_ENGINE={raw:?} is not retina, builtin or off"
        ))),
    }
}

/// `RETINA_*`; none without `RETINA_URL`.
fn retina(get: Lookup<'_>) -> Result<Option<RetinaConfig>, ConfigError> {
    let Some(url) = get("RETINA_URL") else {
        return Ok(None);
    };
    http_url("RETINA_URL", &url)?;
    let ms = parse(
        get,
        "RETINA_TIMEOUT_MS",
        10_000u64,
        |v| (100..=600_000).contains(v),
        "a number of milliseconds from 100 to 600000",
    )?;
    Ok(Some(RetinaConfig {
        url,
        api_key: secrets::not_placeholder("RETINA_API_KEY", get("RETINA_API_KEY"))?,
        timeout: Duration::from_millis(ms),
    }))
}

/// `JWT_*`. HS secrets shorter than 16 bytes, or placeholders, are refused.
fn jwt(get: Lookup<'_>) -> Result<JwtConfig, ConfigError> {
    let secret = |var: &str| secrets::shared_secret(var, get(var));
    Ok(JwtConfig {
        secret: secret("JWT_SECRET")?,
        media_secret: secret("JWT_MEDIA_SECRET")?,
        backoffice_secret: secret("JWT_BACKOFFICE_SECRET")?,
        public_key_pem: None,
        issuer: get("JWT_ISSUER"),
    })
}

/// The development JWT secret: created once in `data/jwt-secret` (mode 0600).
fn dev_secret(data_dir: &Path) -> Result<String, ConfigError> {
    let path = data_dir.join("jwt-secret");
    crate::secret_file::read_or_create(&path).map_err(|e| {
        ConfigError(format!(
            "cannot write the development JWT secret {}: {e}",
            path.display()
        ))
    })
}

mod backend;
mod cors;
mod events;
mod limits;
mod secrets;

pub use backend::Backend;
pub use cors::AllowedOrigins;

#[cfg(test)]
mod tests;
