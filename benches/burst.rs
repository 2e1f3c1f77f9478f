//! A burst with real pixels (issue 13): the release `media-server` on
//! Postgres with an S3-compatible store in *another process* (this program
//! run with `--serve-store DIR`), N corpus photos uploaded through presigned
//! PUTs by several clients, until every photo is `ready` (and its faces
//! done, with `--retina` or `--face-engine builtin`; `--face-engine off`
//! is the image work alone, and with neither flag the server runs its
//! default engine, whose faces are not waited for). Then `media-cli pipeline run` on the same files:
//! the CPU the image work itself needs, the limit the server approaches.
//!
//!     cargo build --release -p media-server -p media-cli
//!     cargo bench --bench burst -- --corpus /tmp/anchor/bench/corpus --database-url postgres://…/empty \
//!         [--photos 112] [--clients 4] [--workers N] [--retina | --face-engine builtin|off] \
//!         [--selfie-at K] [--selfie FILE]
//!
//! With a face service (`--retina`: the fake one; `--face-engine builtin`:
//! the server's own, `--selfie` then a photo of one face), an attendee's
//! selfie is uploaded once K photos were (default a third of them) and
//! timed to `approved` (`selfie_s`, issue 26), then another on the idle
//! server once the burst is done (`selfie_idle_s`): its own processing time.
//!
//! `GLIBC_TUNABLES` in its environment is handed to the server and the
//! pipeline (the rest of the environment is not): `glibc.malloc.perturb=0`
//! measures them with glibc's allocator defaults (decision 0022).
//!
//! The corpus is `../shared/bench`'s (`make_corpus.py`); its JPEGs are
//! cycled, each upload made distinct (a JPEG comment) so none is a
//! duplicate. The last line is JSON: wall time first PUT → all ready,
//! photos per minute, the server's CPU ms per photo (`/proc/PID/stat`), the
//! pipeline's, their ratio, and the server's peak RSS (VmHWM).

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::child_store::{self, Killed};
use common::{arg, arg_or};
use media_adapters::jwt::{JwtConfig, mint_hs256};
use media_adapters::sql::SqlStore;
use media_adapters::testing::{FakeRetina, RetinaMode, World};
use media_core::domain::{Audience, DetectedFace, FaceBox, RETINA_EMBEDDING_DIM, Role};
use serde_json::{Value, json};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const SECRET: &str = "burst-benchmark-secret-0123456789";

/// Clock ticks per second of `/proc/PID/stat` (USER_HZ: 100 on Linux).
const TICKS: f64 = 100.0;

fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    (ticks(11) + ticks(12)) * 1000.0 / TICKS
}

/// The one face the fake face service finds in an attendee's selfie.
fn one_face() -> DetectedFace {
    let mut embedding = vec![0.0; RETINA_EMBEDDING_DIM];
    embedding[0] = 1.0;
    DetectedFace {
        bbox: FaceBox {
            x: 10.0,
            y: 10.0,
            width: 200.0,
            height: 200.0,
        },
        score: 0.99,
        embedding,
        model: "fake".to_owned(),
    }
}

fn free_port() -> Result<u16, BoxError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    if let Some(served) = child_store::serve_if_asked().await {
        return served;
    }
    let corpus = PathBuf::from(arg("--corpus").ok_or("--corpus DIR (../shared/bench's corpus)")?);
    let database_url = arg("--database-url").ok_or("--database-url postgres://…/empty")?;
    let n: usize = arg_or("--photos", 112);
    let clients: usize = arg_or("--clients", 4);
    let workers = arg("--workers");
    let retina = std::env::args().any(|a| a == "--retina");
    // Without a face service the server's default is its own engine
    // (SPEC §7a): `--face-engine off` measures the image work alone.
    let engine = arg("--face-engine");
    let builtin = engine.as_deref() == Some("builtin");
    if retina && engine.is_some() {
        return Err("--retina or --face-engine, not both".into());
    }
    let selfie_at: usize = arg_or("--selfie-at", n / 3);
    let release = PathBuf::from(arg("--bin-dir").unwrap_or_else(|| "target/release".into()));

    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no JPEG in {}", corpus.display()).into());
    }
    let originals: Vec<Vec<u8>> = files.iter().map(std::fs::read).collect::<Result<_, _>>()?;

    let dir = tempfile::tempdir()?;
    let store = child_store::spawn(&dir.path().join("objects"))?;
    let store_pid = store.process.0.id();
    let (endpoint, key_id, key) = (&store.endpoint, &store.key_id, &store.secret);

    let fake = if retina {
        Some(FakeRetina::start_with(RetinaMode::ByKey).await)
    } else {
        None
    };
    let port = free_port()?;
    let mut server = Command::new(release.join("media-server"));
    server
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MEDIA_ADDR", format!("127.0.0.1:{port}"))
        .env("MEDIA_DATA_DIR", dir.path())
        .env("DATABASE_URL", &database_url)
        .env("JWT_SECRET", SECRET)
        .env("R2_ENDPOINT", endpoint)
        .env("R2_BUCKET", "media")
        .env("R2_ACCESS_KEY_ID", key_id)
        .env("R2_SECRET_ACCESS_KEY", key)
        .env("R2_REGION", "us-east-1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null());
    if let Some(w) = &workers {
        server.env("WORKER_CONCURRENCY", w);
    }
    // glibc's allocator settings, when given, reach both measured processes
    // (`GLIBC_TUNABLES=glibc.malloc.perturb=0`: glibc's defaults, decision 0022).
    let tunables = std::env::var_os("GLIBC_TUNABLES");
    if let Some(t) = &tunables {
        server.env("GLIBC_TUNABLES", t);
    }
    if let Some(f) = &fake {
        server.env("RETINA_URL", f.url());
    }
    if let Some(e) = &engine {
        server.env("FACE_ENGINE", e);
    }
    let server = Killed(server.spawn()?);
    let pid = server.0.id();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let ready = Instant::now();
    while !http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        if ready.elapsed() > Duration::from_secs(30) {
            return Err("the server did not become ready".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let db = SqlStore::connect(&database_url, 5).await?;
    let world = World::create(&db).await;
    let jwt = JwtConfig {
        secret: Some(SECRET.into()),
        ..Default::default()
    };
    let token = mint_hs256(
        &jwt,
        world.photographer.into(),
        Audience::Backoffice,
        Role::Photographer,
        Duration::from_secs(3600),
    )?;

    // Two attendees: one uploads during the burst, one after it.
    let selfie_bytes = match arg("--selfie") {
        Some(path) => std::fs::read(path)?,
        None => originals[0].clone(),
    };
    let mut attendees = Vec::new();
    for _ in 0..2 {
        let user = world
            .member(&db, &db, time::OffsetDateTime::now_utc())
            .await;
        if let Some(f) = &fake {
            f.answer(user.as_uuid(), vec![one_face()]);
        }
        let token = mint_hs256(
            &jwt,
            user.as_uuid(),
            Audience::Media,
            Role::User,
            Duration::from_secs(3600),
        )?;
        attendees.push(token);
    }
    let with_faces = retina || builtin;

    let cpu_before = cpu_ms(pid);
    let store_before = cpu_ms(store_pid);
    let queue: Arc<Mutex<Vec<Vec<u8>>>> = Arc::new(Mutex::new(
        (0..n)
            .map(|i| media_core::testing::distinct(&originals[i % originals.len()]))
            .rev()
            .collect(),
    ));
    let started = Instant::now();
    let uploaded = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let selfie = with_faces.then(|| {
        let (http, base, uploaded) = (http.clone(), base.clone(), uploaded.clone());
        let (token, bytes) = (attendees[0].clone(), selfie_bytes.clone());
        tokio::spawn(async move {
            while uploaded.load(std::sync::atomic::Ordering::Acquire) < selfie_at {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            common::selfie_probe::time_to_approved(&http, &base, &token, bytes).await
        })
    });
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (queue, http, base, token) = (queue.clone(), http.clone(), base.clone(), token.clone());
        let uploaded = uploaded.clone();
        let project = world.project;
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(bytes) = queue.lock().map_err(|_| "queue")?.pop() else {
                    return Ok::<_, BoxError>(());
                };
                let ticket: Value = http
                    .post(format!("{base}/v1/photographers/me/photos/upload-url"))
                    .bearer_auth(&token)
                    .json(&json!({"projectId": project, "contentType": "image/jpeg", "contentLength": bytes.len()}))
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                http.put(ticket["uploadUrl"].as_str().ok_or("uploadUrl")?)
                    .header("content-type", "image/jpeg")
                    .body(bytes)
                    .send()
                    .await?
                    .error_for_status()?;
                let id = ticket["photoId"].as_str().ok_or("photoId")?;
                http.post(format!("{base}/v1/photos/{id}/complete"))
                    .bearer_auth(&token)
                    .json(&json!({}))
                    .send()
                    .await?
                    .error_for_status()?;
                uploaded.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let uploaded_s = started.elapsed().as_secs_f64();
    // A photo is `ready` once its derivatives are stored; its faces are
    // found after, in the same job: with either face engine, wait for them.
    let done_sql = if with_faces {
        "SELECT COUNT(*) AS n FROM photos WHERE project_id = $1 AND ((status = 'ready' AND faces_done = 1) OR status = 'failed')"
    } else {
        "SELECT COUNT(*) AS n FROM photos WHERE project_id = $1 AND status IN ('ready', 'failed')"
    };
    loop {
        let row = sqlx::query(done_sql)
            .bind(world.project.to_string())
            .fetch_one(db.pool())
            .await?;
        let done: i64 = sqlx::Row::try_get(&row, "n")?;
        if done as usize >= n {
            break;
        }
        if started.elapsed() > Duration::from_secs(1800) {
            return Err(format!("{done} of {n} photos after 30 min").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let wall_s = started.elapsed().as_secs_f64();
    let server_cpu = cpu_ms(pid) - cpu_before;
    let store_cpu = cpu_ms(store_pid) - store_before;
    let rss = child_store::status_mib(Some(pid), "VmHWM").round();
    // The burst's selfie, then one on the idle server: its own time.
    let selfie_s = match selfie {
        Some(task) => Some(task.await??),
        None => None,
    };
    let selfie_idle_s = if with_faces {
        Some(
            common::selfie_probe::time_to_approved(&http, &base, &attendees[1], selfie_bytes)
                .await?,
        )
    } else {
        None
    };
    let failed: i64 = sqlx::Row::try_get(
        &sqlx::query(
            "SELECT COUNT(*) AS n FROM photos WHERE project_id = $1 AND status = 'failed'",
        )
        .bind(world.project.to_string())
        .fetch_one(db.pool())
        .await?,
        "n",
    )?;
    drop(server);

    // The limit: the same image work, one process, no I/O but the files.
    let out = dir.path().join("pipeline");
    std::fs::create_dir_all(&out)?;
    let mut cli = Command::new(release.join("media-cli"));
    cli.args(["pipeline", "run", "--threads", "1", "--out"])
        .arg(&out)
        .args(&files)
        .stdout(Stdio::null())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    if let Some(t) = &tunables {
        cli.env("GLIBC_TUNABLES", t);
    }
    let mut cli = cli.spawn()?;
    let cli_pid = cli.id();
    // Its CPU, sampled until it is reaped.
    let mut pipeline_cpu = 0.0;
    loop {
        // An exited, unreaped process still shows its final times.
        pipeline_cpu = cpu_ms(cli_pid).max(pipeline_cpu);
        if let Some(status) = cli.try_wait()? {
            if !status.success() {
                return Err("media-cli pipeline run failed".into());
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let per_photo_server = server_cpu / n as f64;
    let per_photo_pipeline = pipeline_cpu / files.len() as f64;
    let mut result: HashMap<&str, Value> = HashMap::new();
    result.insert("photos", json!(n));
    result.insert("failed", json!(failed));
    result.insert("clients", json!(clients));
    result.insert(
        "workers",
        json!(workers.unwrap_or_else(|| "default".into())),
    );
    result.insert("retina", json!(retina));
    result.insert(
        "face_engine",
        json!(match (&engine, retina) {
            (Some(e), _) => e.as_str(),
            (None, true) => "fake",
            // The server's default: its own engine, whose faces this run
            // does not wait for.
            (None, false) => "default",
        }),
    );
    let tenths = |s: Option<f64>| s.map(|s| (s * 100.0).round() / 100.0);
    result.insert("selfie_at", json!(selfie_at));
    result.insert("selfie_s", json!(tenths(selfie_s)));
    result.insert("selfie_idle_s", json!(tenths(selfie_idle_s)));
    result.insert("uploaded_s", json!((uploaded_s * 10.0).round() / 10.0));
    result.insert("wall_s", json!((wall_s * 10.0).round() / 10.0));
    result.insert("photos_per_min", json!((n as f64 / wall_s * 60.0).round()));
    result.insert("server_cpu_ms_per_photo", json!(per_photo_server.round()));
    result.insert(
        "pipeline_cpu_ms_per_photo",
        json!(per_photo_pipeline.round()),
    );
    result.insert(
        "ratio",
        json!((per_photo_server / per_photo_pipeline * 100.0).round() / 100.0),
    );
    result.insert("server_peak_rss_mib", json!(rss));
    // The store shares the box: where some of the rest of the CPU went.
    result.insert(
        "store_cpu_ms_per_photo",
        json!((store_cpu / n as f64).round()),
    );
    println!("{}", serde_json::to_string(&result)?);
    if failed > 0 {
        return Err(format!("{failed} photos failed").into());
    }
    Ok(())
}
