//! A season, compressed: the real adapters (SQLite or Postgres, the
//! embedded S3 store, the fake Retina over HTTP) on a clock the program
//! advances — many projects, bursts of uploads, corrupt files, deletions,
//! selfie retakes, erasures and revocations, replayed upload URLs, a
//! Retina outage — then the auditor. Exits non-zero unless the audit is
//! clean, the jobs table is within the retention bound, and no photo or
//! selfie is left in a non-final status.
//!
//!     cargo bench --bench season -- [--projects 20] [--photos 40] [--members 15] [--days 10] [--database-url postgres://…]

mod common;

use common::arg_or;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use media_adapters::assemble::assemble_server;
use media_adapters::config::Config;
use media_adapters::testing::{
    FakeRetina, RetinaMode, World, identity_embedding, images, member_of,
};
use media_core::domain::{
    Audience, DetectedFace, FaceBox, JobStatus, PhotoStatus, Principal, Project, Role, SelfieStatus,
};
use media_core::ids::{PhotoId, ProjectId, SelfieId, UserId};
use media_core::keys::{self, PhotoObject};
use media_core::ports::{Clock, Storage};
use media_core::service::{Media, Ports, UploadRequest, Worker, WorkerEvent};
use time::OffsetDateTime;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The season's clock: the program moves it.
struct SeasonClock(Mutex<OffsetDateTime>);
impl Clock for SeasonClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
impl SeasonClock {
    fn advance(&self, d: Duration) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) += d;
    }
}

fn face(identity: usize) -> DetectedFace {
    DetectedFace {
        bbox: FaceBox {
            x: 10.0,
            y: 10.0,
            width: 200.0,
            height: 200.0,
        },
        score: 0.99,
        embedding: identity_embedding(identity),
        model: "fake".to_owned(),
    }
}

/// Runs jobs until none is due, moving the clock over backoffs (up to a day).
async fn settle(media: &Media, clock: &SeasonClock, worker: &Worker) -> Result<u64, BoxError> {
    let mut ran = 0;
    for _ in 0..10_000 {
        match worker.run_once().await? {
            WorkerEvent::Idle => {
                let queued = media.list_jobs(Some(JobStatus::Queued), 10_000).await?;
                let next = queued.iter().map(|j| j.run_at).min();
                match next {
                    // Sweeps wait for URLs to expire: not now.
                    Some(at) if at <= clock.now() + Duration::from_secs(3600) => {
                        clock.advance((at - clock.now()).unsigned_abs() + Duration::from_millis(1));
                    }
                    _ => return Ok(ran),
                }
            }
            _ => ran += 1,
        }
    }
    Err("jobs did not settle".into())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let (n_projects, n_photos, n_members, days) = (
        arg_or("--projects", 20),
        arg_or("--photos", 40),
        arg_or("--members", 15),
        arg_or("--days", 10),
    );
    let dir = tempfile::tempdir()?;
    let args: Vec<String> = std::env::args().collect();
    let database_url = args
        .iter()
        .position(|a| a == "--database-url")
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| format!("sqlite://{}/media.db", dir.path().display()));
    let retina = FakeRetina::start_with(RetinaMode::ByKey).await;
    let vars: HashMap<&str, String> = [
        ("MEDIA_STORAGE_ADDR", "127.0.0.1:0".to_owned()),
        ("MEDIA_DATA_DIR", dir.path().display().to_string()),
        ("DATABASE_URL", database_url.clone()),
        (
            "JWT_SECRET",
            "season-benchmark-secret-0123456789".to_owned(),
        ),
        ("RETINA_URL", retina.url().to_owned()),
        ("RETINA_TIMEOUT_MS", "2000".to_owned()),
        ("JOB_RETENTION_HOURS", "48".to_owned()),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(&|k| vars.get(k).cloned())?;
    let assembled = assemble_server(&config).await?;
    let clock = Arc::new(SeasonClock(Mutex::new(OffsetDateTime::now_utc())));
    let media = Media::new(
        Ports {
            clock: clock.clone(),
            ..assembled.media.ports().clone()
        },
        assembled.media.settings().clone(),
    );
    let ports = media.ports().clone();
    let storage = assembled.storage.clone();
    let worker = Worker::new(media.clone(), "season", Duration::from_secs(60));
    let started = Instant::now();

    // The directory: one operator, projects with a photographer and members.
    let world = World::create(ports.directory.as_ref()).await;
    let mut projects = vec![world.project];
    for i in 1..n_projects {
        let id = ProjectId::new();
        ports
            .directory
            .insert_project(&Project {
                id,
                name: format!("Event {i}"),
                operator_id: world.operator,
                watermark_text: None,
            })
            .await?;
        ports.directory.assign(id, world.photographer).await?;
        projects.push(id);
    }
    let mut members: Vec<(ProjectId, UserId, usize)> = Vec::new();
    for (p, &project) in projects.iter().enumerate() {
        for m in 0..n_members {
            let user = member_of(
                project,
                ports.directory.as_ref(),
                ports.consents.as_ref(),
                clock.now(),
            )
            .await;
            members.push((project, user, 1 + (p * n_members + m) % 500));
        }
    }
    let photographer = Principal::new(
        world.photographer.as_uuid(),
        Audience::Backoffice,
        [Role::Photographer],
    );
    let operator = Principal::new(
        world.operator.as_uuid(),
        Audience::Backoffice,
        [Role::Operator],
    );
    let jpeg = images::jpeg(64, 48, images::Fill::Gradient { seed: 1 });
    let upload = UploadRequest::default();
    let (mut photos_made, mut deleted, mut replays, mut erasures) = (0, 0, 0, 0);
    let mut all_photos: Vec<(ProjectId, PhotoId)> = Vec::new();

    for day in 0..days {
        // Retina is down for the third day's first hours.
        retina.set_mode(if day == 2 {
            RetinaMode::Status(503)
        } else {
            RetinaMode::ByKey
        });
        for &project in &projects {
            for i in 0..n_photos / days.max(1) + 1 {
                let t = media
                    .photo_upload_url(&photographer, project, &upload)
                    .await?;
                let id = PhotoId::from_uuid(t.id);
                let key = keys::photo(project, id, PhotoObject::Original);
                // One file in 25 is not an image; the rest show two members.
                let body = if i % 25 == 24 {
                    b"not a jpeg".to_vec()
                } else {
                    // Each photo its own bytes (same pixels): not a duplicate.
                    images::distinct(&jpeg)
                };
                let who: Vec<_> = members.iter().filter(|m| m.0 == project).take(2).collect();
                retina.answer(t.id, who.iter().map(|m| face(m.2)).collect());
                storage.put(&key, body, "image/jpeg").await?;
                media.complete_photo(&photographer, id).await?;
                all_photos.push((project, id));
                photos_made += 1;
            }
        }
        // Selfies arrive; some users retake, erase or revoke.
        for (n, &(_, user, identity)) in members.iter().enumerate() {
            let u = Principal::new(user.as_uuid(), Audience::Media, [Role::User]);
            if (n + day) % 7 == 0 {
                if day % 2 == 0 {
                    media.delete_selfie(&u).await?;
                } else {
                    media
                        .revoke_consent(&u, media_core::domain::ConsentPurpose::BiometricProcessing)
                        .await?;
                    media
                        .grant_consent(&u, media_core::domain::ConsentPurpose::BiometricProcessing)
                        .await?;
                }
                erasures += 1;
            }
            if (n + day) % 3 == 0 {
                let t = media.selfie_upload_url(&u, &upload).await?;
                retina.answer(user.as_uuid(), vec![face(identity)]);
                let s = ports
                    .selfies
                    .selfie(SelfieId::from_uuid(t.id))
                    .await?
                    .ok_or("selfie row")?;
                storage
                    .put(
                        &keys::selfie(user, s.key_timestamp_ms),
                        jpeg.clone(),
                        "image/jpeg",
                    )
                    .await?;
                media.complete_selfie(&u, s.id).await?;
            }
            clock.advance(Duration::from_millis(3));
        }
        clock.advance(Duration::from_secs(3 * 3600));
        if day == 2 {
            // Retina is down for a while: the face work is retried (some of
            // it until dead), the rest goes on.
            retina.set_mode(RetinaMode::Status(503));
            for _ in 0..200 {
                worker.run_once().await?;
                clock.advance(Duration::from_secs(120));
            }
            retina.set_mode(RetinaMode::ByKey);
        }
        settle(&media, &clock, &worker).await?;
        // The operator deletes a few photos; an old URL is replayed on one.
        for (k, &(project, id)) in all_photos.iter().enumerate().skip(day).step_by(17) {
            if media
                .operator_delete_photo(&operator, project, id)
                .await
                .is_ok()
            {
                deleted += 1;
                if k % 2 == 0 {
                    let key = keys::photo(project, id, PhotoObject::Original);
                    storage.put(&key, jpeg.clone(), "image/jpeg").await?;
                    media.storage_event(&[key.to_string()]).await?;
                    replays += 1;
                }
            }
        }
        settle(&media, &clock, &worker).await?;
        media.maintenance().await?;
        clock.advance(Duration::from_secs(21 * 3600));
    }

    // The season is over: what died in the outage is retried, as an operator
    // would (`media-cli jobs retry --dead`), then past every URL, grace and
    // retention.
    let retried = media.retry_dead_jobs().await?;
    settle(&media, &clock, &worker).await?;
    clock.advance(Duration::from_secs(49 * 3600));
    for _ in 0..3 {
        settle(&media, &clock, &worker).await?;
        media.maintenance().await?;
    }
    let audit = media.audit(false, &|_| {}).await?;
    let jobs: u64 = media.job_stats().await?.iter().map(|c| c.count).sum();
    let dead = media.list_jobs(Some(JobStatus::Dead), 10_000).await?.len();
    let mut unsettled = Vec::new();
    for status in [PhotoStatus::AwaitingUpload, PhotoStatus::Processing] {
        unsettled.extend(
            ports
                .photos
                .photos_with_status(status, None, 100)
                .await?
                .into_iter()
                .map(|p| p.id.to_string()),
        );
    }
    let mut selfies_unsettled = 0;
    for &(_, user, _) in &members {
        selfies_unsettled += ports
            .selfies
            .selfies_of(user)
            .await?
            .iter()
            .filter(|s| {
                matches!(
                    s.status,
                    SelfieStatus::AwaitingUpload | SelfieStatus::Processing
                )
            })
            .count();
    }
    // Within the retention, only the last 48 hours' jobs may remain: none
    // once the clock has moved past it, but dead ones kept for an operator.
    let bound = dead as u64;
    println!(
        "{}",
        serde_json::json!({
            "backend": if database_url.starts_with("postgres") { "postgres" } else { "sqlite" },
            "projects": n_projects, "members": members.len(), "days": days,
            "photos": photos_made, "deleted": deleted, "replayed_urls": replays, "erasures": erasures,
            "jobs_left": jobs, "dead_jobs": dead, "retried_after_outage": retried,
            "audit_clean": audit.is_clean(),
            "photos_unsettled": unsettled.len(), "selfies_unsettled": selfies_unsettled,
            "wall_s": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        })
    );
    if !audit.is_clean() || jobs > bound || !unsettled.is_empty() || selfies_unsettled > 0 {
        return Err(format!(
            "the season left work behind: audit {audit:?}, {jobs} jobs (bound {bound}), photos {unsettled:?}, {selfies_unsettled} selfies"
        )
        .into());
    }
    Ok(())
}
