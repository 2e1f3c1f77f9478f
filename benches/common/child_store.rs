//! The S3-compatible store in a child process (the benchmark binary run
//! again with `--serve-store DIR`), so a measurement of this process or of
//! a server leaves the store's CPU and buffers out.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use media_adapters::devstore::DevStore;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A child process killed (and reaped) when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The running child store and how to sign for it.
pub struct ChildStore {
    pub process: Killed,
    pub endpoint: String,
    pub key_id: String,
    pub secret: String,
}

/// When this process was started with `--serve-store DIR`: serves the store
/// there, printing its endpoint and keys, until killed. `None` otherwise.
pub async fn serve_if_asked() -> Option<Result<(), BoxError>> {
    let dir = super::arg("--serve-store")?;
    Some(
        async {
            let dev =
                DevStore::start(Path::new(&dir), "127.0.0.1:0".parse()?, "media", None).await?;
            let c = dev.config();
            println!("{} {} {}", c.endpoint, c.access_key_id, c.secret_access_key);
            std::future::pending::<()>().await;
            Ok(())
        }
        .await,
    )
}

/// Starts this program again as the store of `dir`.
pub fn spawn(dir: &Path) -> Result<ChildStore, BoxError> {
    std::fs::create_dir_all(dir)?;
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--serve-store", &dir.display().to_string()])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("store stdout")?;
    let process = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let mut next = |what: &str| {
        parts
            .next()
            .map(str::to_owned)
            .ok_or(format!("store {what}"))
    };
    Ok(ChildStore {
        endpoint: next("endpoint")?,
        key_id: next("key id")?,
        secret: next("secret")?,
        process,
    })
}

/// A `/proc/{pid}/status` figure given in kB (`VmRSS`, `VmHWM`), in MiB to
/// one decimal; `pid` `None` is this process.
pub fn status_mib(pid: Option<u32>, field: &str) -> f64 {
    let path = pid.map_or_else(
        || "/proc/self/status".to_owned(),
        |p| format!("/proc/{p}/status"),
    );
    let status = std::fs::read_to_string(path).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    (kb / 1024.0 * 10.0).round() / 10.0
}
