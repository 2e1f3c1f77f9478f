//! Listing speed: GET of a 500-photo page (four presigned URLs each) over
//! loopback against the real server, one request at a time.
//!
//!     cargo bench --bench listing_bench -- [--photos 500] [--requests 300] [--database-url postgres://…] [--accept-encoding gzip|br] [--serve-seconds N]
//!
//! With `--serve-seconds`, the seeded server then stays up that long and a
//! second JSON line tells a load generator where to aim (`benches/load.sh`).
//! Prints one JSON line: median and p99 client-observed latency (server time
//! plus loopback), and the response size.

mod common;

use std::time::{Duration, Instant};

use common::arg;
use media_adapters::jwt::{JwtConfig, mint_hs256};
use media_adapters::testing::World;
use media_core::domain::{Audience, Photo, PhotoMetadata, PhotoStatus, Role};
use media_core::ids::PhotoId;
use media_core::ports::PhotoRepo;
use media_server::server::{Role as ServerRole, start};

const SECRET: &str = "listing-benchmark-secret-0123456789";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let photos: usize = arg("--photos").map_or(Ok(500), |v| v.parse())?;
    let requests: usize = arg("--requests").map_or(Ok(300), |v| v.parse())?;
    // `--accept-encoding gzip|br`: the listing compressed (bytes as sent).
    let accept_encoding = arg("--accept-encoding");
    let dir = tempfile::tempdir()?;
    let database_url = arg("--database-url")
        .unwrap_or_else(|| format!("sqlite://{}/media.db", dir.path().display()));
    let config = common::config(
        dir.path(),
        &database_url,
        SECRET,
        &[("WORKER_CONCURRENCY", "1".to_owned())],
    )?;
    let running = start(&config, ServerRole::Api).await?;
    let base = format!("http://{}", running.addr.ok_or("no address")?);

    let media = &running.media;
    let world = World::create(media.ports().directory.as_ref()).await;
    let (ph, pr) = (world.photographer, world.project);
    let db = &running.assembled.database;
    let now = media_core::timestamps::truncate_to_micros(time::OffsetDateTime::now_utc());
    for i in 0..photos {
        let p = Photo {
            id: PhotoId::new(),
            project_id: pr,
            photographer_id: ph,
            status: PhotoStatus::AwaitingUpload,
            taken_at: None,
            width: None,
            height: None,
            created_at: now - Duration::from_secs(i as u64),
            upload_expires_at: now,
            failure_reason: None,
            thumbnails_done: false,
            watermark_done: false,
            faces_done: false,
            original_etag: None,
            thumbhash: None,
            duplicate_of: None,
        };
        db.create_photo_if_assigned(&p).await?;
        db.mark_photo_uploaded(p.id, None, &[], now).await?;
        let taken = (i % 10 != 0).then(|| now - Duration::from_secs(3600 + (i as u64 % 97) * 60));
        db.record_thumbnails(
            p.id,
            &PhotoMetadata {
                width: 6000,
                height: 4000,
                taken_at: taken,
                // A real hash's size: the listing carries it base64.
                thumbhash: Some(vec![0x5a; 25]),
            },
            &[],
            now,
        )
        .await?;
        db.record_watermark(p.id, &[], now).await?;
    }

    let jwt = JwtConfig {
        secret: Some(SECRET.into()),
        ..JwtConfig::default()
    };
    let token = mint_hs256(
        &jwt,
        ph.as_uuid(),
        Audience::Backoffice,
        Role::Photographer,
        Duration::from_secs(3600),
    )?;
    let http = reqwest::Client::new();
    let url = format!("{base}/v1/photographers/me/projects/{pr}/photos?limit={photos}");
    let mut times = Vec::with_capacity(requests);
    let mut bytes = 0;
    for i in 0..requests + 20 {
        let t = Instant::now();
        let mut request = http.get(&url).bearer_auth(&token);
        if let Some(encoding) = &accept_encoding {
            request = request.header("accept-encoding", encoding.as_str());
        }
        let body = request.send().await?.error_for_status()?.bytes().await?;
        let took = t.elapsed();
        if i >= 20 {
            // the first requests warm caches and connections
            times.push(took.as_secs_f64() * 1000.0);
            bytes = body.len();
        }
    }
    // The server's own work for the same page, without HTTP: the use case
    // (query, 2,000 presigned URLs) and the JSON body.
    let principal = media_core::domain::Principal::new(
        ph.as_uuid(),
        Audience::Backoffice,
        [Role::Photographer],
    );
    let page_req = media_core::listing::PageRequest::new(u32::try_from(photos)?, None)?;
    let mut server = Vec::with_capacity(requests);
    for _ in 0..requests {
        let t = Instant::now();
        let page = media.photographer_photos(&principal, pr, page_req).await?;
        let items: Vec<media_server::api::dto::Photo> = page
            .items
            .into_iter()
            .map(media_server::api::dto::Photo::from_view)
            .collect();
        let body = serde_json::to_vec(&items)?;
        std::hint::black_box(body);
        server.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // The database part alone.
    let query = media_core::listing::PhotoQuery {
        scope: media_core::listing::PhotoScope::Project(pr),
        after: None,
        limit: photos as u32 + 1,
    };
    let mut sql = Vec::with_capacity(requests);
    for _ in 0..requests {
        let t = Instant::now();
        std::hint::black_box(db.list_photos(&query).await?);
        sql.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    sql.sort_by(f64::total_cmp);
    let sql_median = sql[sql.len() / 2];
    server.sort_by(f64::total_cmp);
    let server_median = server[server.len() / 2];
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    let backend = if database_url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    println!(
        "{{\"backend\":\"{backend}\",\"photos\":{photos},\"requests\":{requests},\"http_ms_median\":{median:.2},\"http_ms_p99\":{p99:.2},\"server_ms_median\":{server_median:.2},\"query_ms_median\":{sql_median:.2},\"response_bytes\":{bytes},\"accept_encoding\":\"{}\"}}",
        accept_encoding.as_deref().unwrap_or("identity")
    );
    if let Some(secs) = arg("--serve-seconds") {
        let secs: u64 = secs.parse()?;
        println!(
            "{}",
            serde_json::json!({
                "base": base,
                "pid": std::process::id(),
                "project": pr.to_string(),
                "token": token,
                "listing_url": url,
            })
        );
        tokio::time::sleep(Duration::from_secs(secs)).await;
    }
    running.shutdown().await;
    Ok(())
}
