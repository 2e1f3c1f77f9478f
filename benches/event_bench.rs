//! Faces at event scale: the whole face pipeline (uploads, thumbnails,
//! Retina, selfie approval, `cluster_faces`, matches) on the real adapters —
//! SQLite or Postgres, the in-process S3 store — with the deterministic fake
//! Retina of `media_adapters::testing` over HTTP, its answers decided in
//! advance per photo and user.
//!
//!     cargo bench --bench event_bench -- [--photos 2000] [--members 500] [--workers 2] [--gap-ms 0] [--database-url postgres://…]
//!
//! `--gap-ms` spaces each uploader's photos (a trickle instead of a burst:
//! the workers keep up, the worst case for coalescing).
//! Identities are random unit vectors; every face is a noisy copy of one
//! (members and strangers), three per photo, a tenth of them under 40 px (to
//! be ignored). Photos arrive in a burst from four uploaders while the
//! members' selfies keep arriving. The last line is JSON: Retina calls (must
//! be photos + members), jobs run by kind, wall time, and match precision and
//! recall against the ground truth.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::arg;
use media_adapters::assemble::assemble;
use media_adapters::config::Config;
use media_adapters::testing::{FakeRetina, RetinaMode, World, images};
use media_core::domain::{
    Audience, DetectedFace, FaceBox, JobKind, Principal, RETINA_EMBEDDING_DIM, Role,
};
use media_core::ids::{PhotoId, UserId};
use media_core::matching::normalize;
use media_core::service::{UploadRequest, Worker, WorkerEvent};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// xorshift: deterministic, dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Roughly normal (sum of four uniforms, unit variance).
    fn gauss(&mut self) -> f32 {
        let u = |r: &mut Self| (r.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        (u(self) + u(self) + u(self) + u(self)) * 3f32.sqrt()
    }
    fn unit(&mut self) -> Vec<f32> {
        let mut v: Vec<f32> = (0..RETINA_EMBEDDING_DIM).map(|_| self.gauss()).collect();
        normalize(&mut v);
        v
    }
    /// A noisy copy: cosine distance to `of` about 0.09, to another copy about 0.17.
    fn copy(&mut self, of: &[f32]) -> Vec<f32> {
        let mut v: Vec<f32> = of.iter().map(|x| x + 0.014 * self.gauss()).collect();
        normalize(&mut v);
        v
    }
}

fn face(side: f32, embedding: Vec<f32>) -> DetectedFace {
    DetectedFace {
        bbox: FaceBox {
            x: 10.0,
            y: 10.0,
            width: side,
            height: side,
        },
        score: 0.99,
        embedding,
        model: "fake".to_owned(),
    }
}

async fn put(http: &reqwest::Client, url: &str, body: &[u8]) -> Result<(), BoxError> {
    let resp = http
        .put(url)
        .header("content-type", "image/jpeg")
        .body(body.to_vec())
        .send()
        .await?;
    if !resp.status().is_success() {
        return Err(format!("PUT answered {}", resp.status()).into());
    }
    Ok(())
}

fn request(len: usize) -> UploadRequest {
    UploadRequest {
        content_type: Some("image/jpeg".into()),
        content_length: Some(len as u64),
        content_sha256: None,
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let parse = |name: &str, default: usize| -> Result<usize, BoxError> {
        Ok(arg(name).map_or(Ok(default), |v| v.parse())?)
    };
    let n_photos = parse("--photos", 2000)?;
    let n_members = parse("--members", 500)?;
    let n_workers = parse("--workers", 2)?.max(1);
    let gap = Duration::from_millis(parse("--gap-ms", 0)? as u64);
    let n_strangers = n_members * 2;

    let dir = tempfile::tempdir()?;
    let database_url = arg("--database-url")
        .unwrap_or_else(|| format!("sqlite://{}/media.db", dir.path().display()));
    let vars: HashMap<&str, String> = [
        ("MEDIA_STORAGE_ADDR", "127.0.0.1:0".to_owned()),
        ("MEDIA_DATA_DIR", dir.path().display().to_string()),
        ("DATABASE_URL", database_url.clone()),
        ("JWT_SECRET", "event-benchmark-secret-0123456789".to_owned()),
    ]
    .into_iter()
    .collect();
    let retina = FakeRetina::start_with(RetinaMode::ByKey).await;
    let mut vars = vars;
    vars.insert("RETINA_URL", retina.url().to_owned());
    let config = Config::from_lookup(&|k| vars.get(k).cloned())?;
    let assembled = assemble(&config).await?;
    let media = assembled.media.clone();

    // The event: one project, one photographer, every member joined with consent.
    let ports = media.ports();
    let world = World::create(ports.directory.as_ref()).await;
    let (ph, project) = (world.photographer, world.project);
    let mut members: Vec<UserId> = Vec::with_capacity(n_members);
    for _ in 0..n_members {
        let now = time::OffsetDateTime::now_utc();
        members.push(
            world
                .member(ports.directory.as_ref(), ports.consents.as_ref(), now)
                .await,
        );
    }

    // Ground truth: identities 0..members are the members, the rest strangers.
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let identities: Vec<Vec<f32>> = (0..n_members + n_strangers).map(|_| rng.unit()).collect();
    let mut truth: HashMap<UserId, HashSet<PhotoId>> = HashMap::new();
    let mut photo_faces: Vec<Vec<(usize, f32)>> = Vec::with_capacity(n_photos);
    for _ in 0..n_photos {
        let mut who: Vec<(usize, f32)> = Vec::new();
        while who.len() < 3 {
            let i = rng.below(identities.len());
            if who.iter().all(|(j, _)| *j != i) {
                let side = if rng.below(10) == 0 { 30.0 } else { 120.0 };
                who.push((i, side));
            }
        }
        photo_faces.push(who);
    }

    let photographer = Principal::new(ph.as_uuid(), Audience::Media, [Role::Photographer]);
    let jpeg = images::jpeg(64, 48, images::Fill::Gradient { seed: 0 });
    let http = reqwest::Client::new();

    // Workers, counting what they run.
    let ran: Arc<Mutex<HashMap<(JobKind, &'static str), u64>>> = Arc::default();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    for w in 0..n_workers {
        let worker = Worker::new(media.clone(), format!("bench-{w}"), Duration::from_secs(60));
        let (ran, stopped) = (ran.clone(), stopped.clone());
        workers.push(tokio::spawn(async move {
            worker
                .run(stopped, |e| {
                    if let WorkerEvent::Ran { kind, outcome, .. } = e
                        && let Ok(mut ran) = ran.lock()
                    {
                        *ran.entry((*kind, *outcome)).or_default() += 1;
                    }
                })
                .await;
        }));
    }

    let started = Instant::now();
    // The photo burst: four uploaders.
    let mut tasks = Vec::new();
    let per = n_photos.div_ceil(4);
    let faces = Arc::new(photo_faces.clone());
    let identities = Arc::new(identities);
    for (t, chunk) in (0..n_photos)
        .collect::<Vec<_>>()
        .chunks(per.max(1))
        .enumerate()
    {
        let (media, http, jpeg, retina) =
            (media.clone(), http.clone(), jpeg.clone(), retina.clone());
        let (faces, identities, chunk) = (faces.clone(), identities.clone(), chunk.to_vec());
        let principal = photographer.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1));
            let mut ids = Vec::with_capacity(chunk.len());
            for i in chunk {
                // Each photo its own bytes (same pixels): not a duplicate.
                let body = images::distinct(&jpeg);
                let ticket = media
                    .photo_upload_url(&principal, project, &request(body.len()))
                    .await?;
                let detected: Vec<DetectedFace> = faces[i]
                    .iter()
                    .map(|&(who, side)| face(side, rng.copy(&identities[who])))
                    .collect();
                retina.answer(ticket.id, detected);
                put(&http, &ticket.upload_url, &body).await?;
                let id = PhotoId::from_uuid(ticket.id);
                media.complete_photo(&principal, id).await?;
                ids.push((i, id));
                tokio::time::sleep(gap).await;
            }
            Ok::<_, BoxError>(ids)
        }));
    }
    // Meanwhile the selfies keep arriving.
    let selfies = {
        let (media, http, jpeg, retina) =
            (media.clone(), http.clone(), jpeg.clone(), retina.clone());
        let (members, identities) = (members.clone(), identities.clone());
        tokio::spawn(async move {
            let mut rng = Rng(0xD1B5_4A32_D192_ED03);
            for (i, &u) in members.iter().enumerate() {
                let user = Principal::new(u.as_uuid(), Audience::Media, [Role::User]);
                let ticket = media.selfie_upload_url(&user, &request(jpeg.len())).await?;
                retina.answer(u.as_uuid(), vec![face(200.0, rng.copy(&identities[i]))]);
                put(&http, &ticket.upload_url, &jpeg).await?;
                media
                    .complete_selfie(&user, media_core::ids::SelfieId::from_uuid(ticket.id))
                    .await?;
            }
            Ok::<_, BoxError>(())
        })
    };
    let mut photo_ids: Vec<(usize, PhotoId)> = Vec::with_capacity(n_photos);
    for t in tasks {
        photo_ids.extend(t.await??);
    }
    selfies.await??;
    let uploaded = started.elapsed();

    // Until every job is done (or dead).
    loop {
        let busy: u64 = media
            .job_stats()
            .await?
            .iter()
            .filter(|c| {
                matches!(
                    c.status,
                    media_core::domain::JobStatus::Queued | media_core::domain::JobStatus::Running
                )
            })
            .map(|c| c.count)
            .sum();
        if busy == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let wall = started.elapsed();
    stop.send(true)?;
    for w in workers {
        w.await?;
    }

    for &(i, id) in &photo_ids {
        for &(who, side) in &photo_faces[i] {
            if who < n_members && side >= 40.0 {
                truth.entry(members[who]).or_default().insert(id);
            }
        }
    }
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for &u in &members {
        let got: HashSet<PhotoId> = media
            .ports()
            .faces
            .matches_of_user(u)
            .await?
            .into_iter()
            .map(|m| m.photo_id)
            .collect();
        let want = truth.remove(&u).unwrap_or_default();
        tp += got.intersection(&want).count();
        fp += got.difference(&want).count();
        fn_ += want.difference(&got).count();
    }
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let ran = ran.lock().map_err(|_| "poisoned")?.clone();
    let count = |kind: JobKind| -> u64 {
        ran.iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|(_, n)| n)
            .sum()
    };
    let dead: u64 = ran
        .iter()
        .filter(|((_, o), _)| *o == "dead")
        .map(|(_, n)| n)
        .sum();
    let backend = if database_url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    println!(
        "{}",
        serde_json::json!({
            "backend": backend,
            "photos": n_photos,
            "members": n_members,
            "workers": n_workers,
            "gap_ms": gap.as_millis() as u64,
            "retina_calls": retina.call_count(),
            "retina_calls_expected": n_photos + n_members,
            "jobs": {
                "generate_thumbnail": count(JobKind::GenerateThumbnail),
                "generate_watermark": count(JobKind::GenerateWatermark),
                "process_selfie": count(JobKind::ProcessSelfie),
                "cluster_faces": count(JobKind::ClusterFaces),
                "purge_objects": count(JobKind::PurgeObjects),
                "dead": dead,
            },
            "cluster_faces_bound": n_photos + n_members,
            "naive_cluster_jobs": n_photos * n_members,
            "uploads_s": (uploaded.as_secs_f64() * 100.0).round() / 100.0,
            "wall_s": (wall.as_secs_f64() * 100.0).round() / 100.0,
            "true_matches": tp + fn_,
            "precision": ratio(tp, tp + fp),
            "recall": ratio(tp, tp + fn_),
        })
    );
    // The run doubles as a check (CI runs a small one).
    let calls = retina.call_count();
    if calls != n_photos + n_members || fp > 0 || fn_ > 0 || dead > 0 {
        return Err(format!(
            "expected {} Retina calls, no dead job and exact matches; got {calls} calls, {dead} dead, {fp} false and {fn_} missed matches",
            n_photos + n_members
        )
        .into());
    }
    Ok(())
}
