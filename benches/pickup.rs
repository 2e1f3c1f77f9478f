//! Job pickup across processes, the production layout: `media-server --role
//! api` and `--role worker` as two processes on Postgres (workers woken by
//! `LISTEN/NOTIFY`, a 2 s poll as the fallback), with an S3 store of their
//! own (this program's in-process one, reached as a remote store). Each photo
//! is uploaded and completed while the workers are idle; its jobs' pickup
//! latency is `started_at − created_at` (stamped by the worker's and the
//! API's clocks: one machine). Then the database is restarted (`--restart-cmd`),
//! and the same runs again at once, while the listener reconnects.
//!
//!     cargo build --release -p media-server
//!     cargo bench --bench pickup -- --database-url postgres://…/empty_db \
//!         [--photos 200] [--gap-ms 50] [--server target/release/media-server] \
//!         [--restart-cmd "pg_ctlcluster 15 main restart"]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{arg, arg_or};
use media_adapters::devstore::DevStore;
use media_adapters::jwt::{JwtConfig, mint_hs256};
use media_adapters::sql::SqlStore;
use media_adapters::testing::{World, images};
use media_core::domain::{Audience, JobKind, Role};
use serde_json::{Value, json};

const SECRET: &str = "pickup-benchmark-secret-0123456789abcdef";

type Error = Box<dyn std::error::Error>;

fn free_port() -> Result<u16, Error> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[i] * 100.0).round() / 100.0
}

/// Uploads and completes `n` photos one at a time, `gap` apart, retrying
/// what a restarting database refuses; returns when every job is done.
async fn burst(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    w: &World,
    n: usize,
    gap: Duration,
) -> Result<(), Error> {
    for i in 0..n {
        let ticket: Value = loop {
            let r = http
                .post(format!("{base}/v1/photographers/me/photos/upload-url"))
                .bearer_auth(token)
                .json(&json!({"projectId": w.project}))
                .send()
                .await?;
            if r.status().is_success() {
                break r.json().await?;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let url = ticket["uploadUrl"].as_str().ok_or("no uploadUrl")?;
        let jpeg = images::jpeg(64, 48, images::Fill::Gradient { seed: i as u8 });
        http.put(url).body(jpeg).send().await?.error_for_status()?;
        let id = ticket["photoId"].as_str().ok_or("no photoId")?;
        loop {
            let r = http
                .post(format!("{base}/v1/photos/{id}/complete"))
                .bearer_auth(token)
                .send()
                .await?;
            if r.status().as_u16() == 202 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(gap).await;
    }
    Ok(())
}

/// Pickup latencies (ms) of the photo jobs (thumbnail and watermark)
/// created at or after `since_us`: `started_at − created_at`, once each of
/// the `2 n` jobs was claimed. Without a face service a thumbnail job is
/// given back for its faces after its first claim; that claim is the pickup.
async fn pickups(db: &SqlStore, since_us: i64, n: usize) -> Result<Vec<f64>, Error> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT created_at, started_at FROM jobs WHERE kind IN ($1, $2) AND created_at >= $3",
        )
        .bind(JobKind::GenerateThumbnail.as_str())
        .bind(JobKind::GenerateWatermark.as_str())
        .bind(since_us)
        .fetch_all(db.pool())
        .await?;
        let mut ms: Vec<f64> = rows
            .iter()
            .filter_map(|(created, started)| started.map(|s| (s - created) as f64 / 1000.0))
            .collect();
        if ms.len() >= 2 * n {
            ms.sort_by(f64::total_cmp);
            return Ok(ms);
        }
        if Instant::now() > deadline {
            return Err(format!("{} of {} jobs picked up after 120 s", ms.len(), 2 * n).into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn now_us() -> i64 {
    media_core::timestamps::micros(time::OffsetDateTime::now_utc())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let database_url = arg("--database-url").ok_or("--database-url postgres://… is required")?;
    let photos: usize = arg_or("--photos", 200);
    let gap = Duration::from_millis(arg_or("--gap-ms", 50));
    let server = arg("--server").unwrap_or_else(|| "target/release/media-server".into());
    let dir = tempfile::tempdir()?;
    let store = DevStore::start(
        &dir.path().join("objects"),
        "127.0.0.1:0".parse()?,
        "media",
        None,
    )
    .await?;
    let s3 = store.config().clone();
    let db = SqlStore::connect(&database_url, 5).await?;
    let api_port = free_port()?;
    let spawn = |role: &str| -> Result<Process, Error> {
        let data = dir.path().join(role);
        std::fs::create_dir_all(&data)?;
        Ok(Process(
            Command::new(&server)
                .args(["--role", role])
                .env("MEDIA_ADDR", format!("127.0.0.1:{api_port}"))
                .env("MEDIA_DATA_DIR", &data)
                .env("FACE_ENGINE", "off")
                .env("DATABASE_URL", &database_url)
                .env("JWT_SECRET", SECRET)
                .env("R2_ENDPOINT", &s3.endpoint)
                .env("R2_BUCKET", &s3.bucket)
                .env("R2_ACCESS_KEY_ID", &s3.access_key_id)
                .env("R2_SECRET_ACCESS_KEY", &s3.secret_access_key)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
                .map_err(|e| {
                    format!("{server}: {e} (build it: cargo build --release -p media-server)")
                })?,
        ))
    };
    let _api = spawn("api")?;
    let base = format!("http://127.0.0.1:{api_port}");
    let http = reqwest::Client::new();
    let up = Instant::now();
    while http.get(format!("{base}/readyz")).send().await.is_err() {
        if up.elapsed() > Duration::from_secs(30) {
            return Err("the API did not come up".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _worker = spawn("worker")?;
    tokio::time::sleep(Duration::from_secs(1)).await; // its listener connects
    let w = World::create(&db).await;
    let jwt = JwtConfig {
        secret: Some(SECRET.into()),
        ..JwtConfig::default()
    };
    let token = mint_hs256(
        &jwt,
        w.photographer.as_uuid(),
        Audience::Backoffice,
        Role::Photographer,
        Duration::from_secs(3600),
    )?;

    let since = now_us();
    burst(&http, &base, &token, &w, photos, gap).await?;
    let idle = pickups(&db, since, photos).await?;
    let mut result = json!({
        "photos": photos,
        "gap_ms": gap.as_millis() as u64,
        "pickup_p50_ms": percentile(&idle, 0.5),
        "pickup_p99_ms": percentile(&idle, 0.99),
        "pickup_max_ms": percentile(&idle, 1.0),
    });

    if let Some(cmd) = arg("--restart-cmd") {
        let status = Command::new("sh").args(["-c", &cmd]).status()?;
        if !status.success() {
            return Err(format!("{cmd}: {status}").into());
        }
        let back = Instant::now();
        while sqlx::query("SELECT 1").execute(db.pool()).await.is_err() {
            if back.elapsed() > Duration::from_secs(30) {
                return Err("the database did not come back".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let n = photos.min(50);
        let since = now_us();
        burst(&http, &base, &token, &w, n, gap).await?;
        let after = pickups(&db, since, n).await?;
        result["after_restart_photos"] = n.into();
        result["after_restart_p50_ms"] = percentile(&after, 0.5).into();
        result["after_restart_p99_ms"] = percentile(&after, 0.99).into();
        result["after_restart_max_ms"] = percentile(&after, 1.0).into();
    }
    println!("{result}");
    Ok(())
}
