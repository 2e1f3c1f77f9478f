//! What the whole-process benchmarks share: their arguments, medians, and
//! the configuration of a server on loopback.
#![allow(dead_code)] // each benchmark uses a part

pub mod child_store;
pub mod selfie_probe;

use std::collections::HashMap;
use std::path::Path;

use media_adapters::config::Config;

/// The value after `--name`, if given.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The value after `--name` parsed, or `default`.
pub fn arg_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The median, to two decimals.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2] * 100.0).round() / 100.0
}

/// A server's configuration on loopback (free ports), the data in `dir`,
/// signing tokens with `jwt_secret`; `extra` variables on top.
pub fn config(
    dir: &Path,
    database_url: &str,
    jwt_secret: &str,
    extra: &[(&str, String)],
) -> Result<Config, media_adapters::config::ConfigError> {
    let mut vars: HashMap<&str, String> = [
        ("MEDIA_ADDR", "127.0.0.1:0".to_owned()),
        ("MEDIA_STORAGE_ADDR", "127.0.0.1:0".to_owned()),
        ("MEDIA_DATA_DIR", dir.display().to_string()),
        // These benchmarks measure no face work: faces wait, as before
        // face engines (a bench may set FACE_ENGINE in `extra`).
        ("FACE_ENGINE", "off".to_owned()),
        ("DATABASE_URL", database_url.to_owned()),
        ("JWT_SECRET", jwt_secret.to_owned()),
    ]
    .into_iter()
    .collect();
    for (k, v) in extra {
        vars.insert(k, v.clone());
    }
    Config::from_lookup(&|k| vars.get(k).cloned())
}
