//! The jobs table after a season: scrapes of `/metrics` and a photo
//! listing against a table holding N finished jobs, then the pruning the
//! upkeep loop does, with the table's size before and after (Postgres).
//!
//!     cargo bench --bench jobs_table -- --database-url postgres://…/empty_db [--jobs 1000000] [--scrapers 64]
//!
//! Prints one JSON line: the old full-history count (`stats`) and the gauge
//! query (`queue_depth`) medians, `/metrics` p50 alone and under
//! `--scrapers` concurrent scrapers with a listing's latency meanwhile,
//! the prune's time and the table's size before and after.

mod common;

use std::time::{Duration, Instant};

use common::{arg, median};
use media_adapters::jwt::{JwtConfig, mint_hs256};
use media_adapters::testing::World;
use media_core::domain::{Audience, Role};
use media_core::ports::JobAdmin;
use media_server::server::{Role as ServerRole, start};

const SECRET: &str = "jobs-table-benchmark-secret-0123456789";

/// Milliseconds of the future `f` makes, timed from before it is made.
async fn ms<Fut: std::future::Future>(f: impl FnOnce() -> Fut) -> (f64, Fut::Output) {
    let t = Instant::now();
    let out = f().await;
    (t.elapsed().as_secs_f64() * 1000.0, out)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = arg("--jobs").map_or(Ok(1_000_000), |v| v.parse())?;
    let scrapers: usize = arg("--scrapers").map_or(Ok(64), |v| v.parse())?;
    let database_url = arg("--database-url").ok_or("--database-url postgres://… is required")?;
    if !database_url.starts_with("postgres") {
        return Err("this benchmark seeds with generate_series: Postgres only".into());
    }
    let dir = tempfile::tempdir()?;
    let config = common::config(
        dir.path(),
        &database_url,
        SECRET,
        &[("JOB_RETENTION_HOURS", "0".to_owned())],
    )?;
    let running = start(&config, ServerRole::Api).await?;
    let base = format!("http://{}", running.addr.ok_or("no address")?);
    let media = running.media.clone();
    let db = running.assembled.database.clone();
    let world = World::create(media.ports().directory.as_ref()).await;

    // A season's history: N finished purge jobs, a week old.
    let old = media_core::timestamps::micros(time::OffsetDateTime::now_utc()) - 7 * 86_400_000_000;
    let seeded = Instant::now();
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, run_at, created_at, updated_at) \
         SELECT gen_random_uuid()::text, 'purge_objects', '{\"kind\":\"purge_objects\",\"targets\":[]}', 'done', 1, 5, $1, $1, $1 \
         FROM generate_series(1, $2)",
    )
    .bind(old)
    .bind(n as i64)
    .execute(db.pool())
    .await?;
    sqlx::query("ANALYZE jobs").execute(db.pool()).await?;
    let seed_s = seeded.elapsed().as_secs_f64();
    let size = |db: media_adapters::sql::SqlStore| async move {
        let row: (i64,) = sqlx::query_as("SELECT pg_total_relation_size('jobs')")
            .fetch_one(db.pool())
            .await?;
        Ok::<i64, sqlx::Error>(row.0)
    };
    let size_before = size(db.clone()).await?;

    let mut full = Vec::new();
    let mut gauge = Vec::new();
    for _ in 0..21 {
        full.push(ms(|| db.stats()).await.0);
        gauge.push(ms(|| db.queue_depth()).await.0);
    }

    let http = reqwest::Client::new();
    let metrics_url = format!("{base}/metrics");
    let mut alone = Vec::new();
    for _ in 0..50 {
        let (t, r) = ms(|| async { http.get(&metrics_url).send().await?.bytes().await }).await;
        r?;
        alone.push(t);
    }

    // Many scrapers at once, and a listing meanwhile.
    let token = mint_hs256(
        &JwtConfig {
            secret: Some(SECRET.into()),
            ..JwtConfig::default()
        },
        world.photographer.as_uuid(),
        Audience::Backoffice,
        Role::Photographer,
        Duration::from_secs(600),
    )?;
    let listing_url = format!(
        "{base}/v1/photographers/me/projects/{}/photos",
        world.project
    );
    let until = Instant::now() + Duration::from_secs(5);
    let mut tasks = Vec::new();
    for _ in 0..scrapers {
        let (http, url) = (http.clone(), metrics_url.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < until {
                if let Ok(r) = http.get(&url).send().await {
                    let _ = r.bytes().await;
                    n += 1;
                }
            }
            n
        }));
    }
    let mut listing = Vec::new();
    while Instant::now() < until {
        let (t, r) = ms(|| async {
            http.get(&listing_url)
                .bearer_auth(&token)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await
        })
        .await;
        r?;
        listing.push(t);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut scrapes = 0;
    for t in tasks {
        scrapes += t.await?;
    }

    let (prune_ms, pruned) = ms(|| async {
        let mut total = 0;
        loop {
            let n = media.prune_jobs(false).await?;
            total += n;
            if n == 0 {
                return Ok::<u64, media_core::Error>(total);
            }
        }
    })
    .await;
    let pruned = pruned?;
    sqlx::query("VACUUM jobs").execute(db.pool()).await?;
    let size_after = size(db.clone()).await?;
    println!(
        "{}",
        serde_json::json!({
            "jobs": n,
            "seed_s": (seed_s * 10.0).round() / 10.0,
            "stats_full_count_ms_median": (median(full) * 100.0).round() / 100.0,
            "queue_depth_ms_median": (median(gauge) * 100.0).round() / 100.0,
            "metrics_http_ms_p50": (median(alone) * 100.0).round() / 100.0,
            "scrapers": scrapers,
            "scrapes_per_s_under_load": scrapes as f64 / 5.0,
            "listing_ms_p50_under_scrapes": (median(listing) * 100.0).round() / 100.0,
            "pruned": pruned,
            "prune_s": (prune_ms / 10.0).round() / 100.0,
            "table_bytes_before": size_before,
            "table_bytes_after_prune_and_vacuum": size_after,
        })
    );
    running.shutdown().await;
    Ok(())
}
