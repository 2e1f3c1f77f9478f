//! The memory of `build_archive` (SPEC §3.13b): a member matched to N
//! photos, each watermarked copy `--kb` KiB, archived by the real job on
//! SQLite, with the S3-compatible store in a *child process* (this program
//! run with `--serve-store DIR`) so the store's buffers are not counted.
//!
//!     cargo bench --bench archive -- [--photos 1000] [--kb 600]
//!
//! A counting allocator gives the peak heap live during the build, above
//! what was live when it started, and `/proc/self/status` the resident set
//! before it and its peak during it (VmHWM, reset first); the bound to check is one 8 MiB part plus
//! about twice the largest copy (the copy read, and its bytes in the part),
//! plus ~100 bytes per photo (its listing row and central-directory record),
//! whatever N. The last line is JSON.

mod common;

use std::time::Instant;

use common::{arg_or, child_store};
use media_adapters::assemble::assemble;
use media_adapters::config::Config;
use media_adapters::testing::World;
use media_core::domain::{Archive, ArchiveStatus, JobPayload, Photo, PhotoMetadata, PhotoStatus};
use media_core::ids::{ArchiveId, PhotoId, UserId};
use media_core::keys::{self, PhotoObject};
use media_core::testing::CountingAllocator;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new();

fn mib(bytes: usize) -> f64 {
    (bytes as f64 / (1 << 20) as f64 * 10.0).round() / 10.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    if let Some(served) = child_store::serve_if_asked().await {
        return served;
    }
    let n: usize = arg_or("--photos", 1000);
    let kb: usize = arg_or("--kb", 600);
    let dir = tempfile::tempdir()?;
    let store = child_store::spawn(&dir.path().join("objects"))?;
    run(
        dir.path(),
        n,
        kb,
        &store.endpoint,
        &store.key_id,
        &store.secret,
    )
    .await
}

async fn run(
    dir: &std::path::Path,
    n: usize,
    kb: usize,
    endpoint: &str,
    key_id: &str,
    secret: &str,
) -> Result<(), BoxError> {
    let vars: std::collections::HashMap<&str, String> = [
        ("MEDIA_DATA_DIR", dir.display().to_string()),
        // Archives are measured, not faces.
        ("FACE_ENGINE", "off".to_owned()),
        (
            "DATABASE_URL",
            format!("sqlite://{}/media.db", dir.display()),
        ),
        (
            "JWT_SECRET",
            "archive-benchmark-secret-0123456789".to_owned(),
        ),
        ("R2_ENDPOINT", endpoint.to_owned()),
        ("R2_BUCKET", "media".to_owned()),
        ("R2_ACCESS_KEY_ID", key_id.to_owned()),
        ("R2_SECRET_ACCESS_KEY", secret.to_owned()),
        ("R2_REGION", "us-east-1".to_owned()),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(&|k| vars.get(k).cloned())?;
    let assembled = assemble(&config).await?;
    let media = assembled.media.clone();
    let ports = media.ports().clone();
    let world = World::create(ports.directory.as_ref()).await;
    let user = UserId::new();
    let now = time::OffsetDateTime::now_utc();

    // N ready photos with their watermarked copies, all matched to the user.
    let seeding = Instant::now();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..n {
        let photo = Photo {
            id: PhotoId::new(),
            project_id: world.project,
            photographer_id: world.photographer,
            status: PhotoStatus::AwaitingUpload,
            taken_at: Some(now - time::Duration::seconds(i as i64)),
            width: None,
            height: None,
            created_at: now,
            upload_expires_at: now + time::Duration::minutes(10),
            failure_reason: None,
            thumbnails_done: false,
            watermark_done: false,
            faces_done: false,
            original_etag: None,
            thumbhash: None,
            duplicate_of: None,
        };
        ports.photos.create_photo_if_assigned(&photo).await?;
        ports
            .photos
            .mark_photo_uploaded(photo.id, None, &[], now)
            .await?;
        let meta = PhotoMetadata {
            width: 2560,
            height: 1707,
            taken_at: photo.taken_at,
            thumbhash: None,
        };
        ports
            .photos
            .record_thumbnails(photo.id, &meta, &[], now)
            .await?;
        ports.photos.record_watermark(photo.id, &[], now).await?;
        // Incompressible bytes of a JPEG's size: the ZIP stores them as they are.
        let copy: Vec<u8> = (0..kb * 1024)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let key = keys::photo(world.project, photo.id, PhotoObject::Watermarked);
        ports.storage.put(&key, copy, "image/jpeg").await?;
        sqlx::query(
            "INSERT INTO matches (user_id, photo_id, project_id, distance) VALUES ($1, $2, $3, 0.2)",
        )
        .bind(user.to_string())
        .bind(photo.id.to_string())
        .bind(world.project.to_string())
        .execute(assembled.database.pool())
        .await?;
    }
    let seed_s = seeding.elapsed().as_secs_f64();

    let archive = Archive {
        id: ArchiveId::new(),
        user_id: user,
        project_id: world.project,
        status: ArchiveStatus::Building,
        photo_count: None,
        bytes: None,
        created_at: now,
        expires_at: None,
        matches: None,
    };
    ports
        .archives
        .start_archive(&archive, &[], &[], now)
        .await?;

    // Resets VmHWM to the current RSS (Linux ≥ 4.0): the peak below is the build's.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = child_store::status_mib(None, "VmRSS");
    let base = ALLOCATOR.restart_peak();
    let started = Instant::now();
    media
        .handle(&JobPayload::BuildArchive {
            archive_id: archive.id,
        })
        .await?;
    let build_s = started.elapsed().as_secs_f64();
    let peak = ALLOCATOR.peak().saturating_sub(base);
    let rss_peak = child_store::status_mib(None, "VmHWM");

    let built = ports
        .archives
        .archive(archive.id)
        .await?
        .ok_or("the archive row")?;
    if built.status != ArchiveStatus::Ready || built.photo_count != Some(n as u32) {
        return Err(format!("archive not built: {built:?}").into());
    }
    let bytes = built.bytes.unwrap_or(0) as f64;
    println!(
        "{{\"photos\": {n}, \"copy_kib\": {kb}, \"zip_mib\": {:.1}, \"build_s\": {:.2}, \"mib_per_s\": {:.0}, \"peak_heap_above_start_mib\": {}, \"rss_before_mib\": {}, \"rss_peak_mib\": {}, \"seed_s\": {:.1}}}",
        bytes / (1 << 20) as f64,
        build_s,
        bytes / (1 << 20) as f64 / build_s,
        mib(peak),
        rss_before,
        rss_peak,
        seed_s
    );
    Ok(())
}
