//! SIGTERM during processing (issue: prove it holds): the real binary is
//! stopped while its workers render photos; in-flight work is finished or
//! released (no job left `running`), and a restarted server completes the
//! rest, every photo `ready` and no job pending.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::{free_port, sigterm_and_wait, wait_for};

use media_adapters::assemble::assemble;
use media_adapters::config::Config;
use media_adapters::jwt::mint_hs256;
use media_adapters::sql::SqlStore;
use media_adapters::testing::{FakeRetina, RetinaMode, World, images};
use media_core::domain::{Audience, JobStatus, Role};
use media_core::ports::{JobAdmin, PhotoRepo};

const SECRET: &str = "sigterm-test-secret-0123456789abcdef";

fn big_jpeg(seed: u8) -> Vec<u8> {
    images::jpeg(2400, 1600, images::Fill::Gradient { seed })
}

fn spawn(vars: &HashMap<&str, String>) -> Child {
    Command::new(env!("CARGO_BIN_EXE_media-server"))
        .env_clear()
        .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_or_releases_work_and_a_restart_completes_it() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    // A Retina that finds no face: face steps finish instead of waiting.
    let retina = FakeRetina::start_with(RetinaMode::ByKey).await;
    let vars: HashMap<&str, String> = [
        ("MEDIA_ADDR", format!("127.0.0.1:{port}")),
        ("MEDIA_STORAGE_ADDR", format!("127.0.0.1:{}", free_port())),
        ("MEDIA_DATA_DIR", data.path().display().to_string()),
        (
            "DATABASE_URL",
            format!("sqlite://{}/media.db", data.path().display()),
        ),
        ("JWT_SECRET", SECRET.to_owned()),
        ("RETINA_URL", retina.url().to_owned()),
        ("WORKER_CONCURRENCY", "2".to_owned()),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(&|k| vars.get(k).cloned()).unwrap();

    // The directory, written before the server starts.
    let world = {
        let a = assemble(&config).await.unwrap();
        let world = World::create(a.media.ports().directory.as_ref()).await;
        a.database.close().await;
        world
    };
    let (ph, pr) = (world.photographer, world.project);

    let mut server = spawn(&vars);
    wait_for(&base, "/readyz").await;
    let jwt = media_adapters::jwt::JwtConfig {
        secret: Some(SECRET.into()),
        ..Default::default()
    };
    let token = mint_hs256(
        &jwt,
        ph.as_uuid(),
        Audience::Backoffice,
        Role::Photographer,
        Duration::from_secs(600),
    )
    .unwrap();
    let http = reqwest::Client::new();
    let mut photos = Vec::new();
    // Made before the first upload, so the uploads come faster than the
    // workers can render them (a debug build encodes one in about 2 s).
    let bodies: Vec<Vec<u8>> = (0..8u8).map(big_jpeg).collect();
    for body in bodies {
        let r = http
            .post(format!("{base}/v1/photographers/me/photos/upload-url"))
            .bearer_auth(&token)
            .json(
                &json!({"projectId": pr, "contentType": "image/jpeg", "contentLength": body.len()}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let t: Value = r.json().await.unwrap();
        let put = http
            .put(t["uploadUrl"].as_str().unwrap())
            .header("content-type", "image/jpeg")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success());
        let id = t["photoId"].as_str().unwrap().to_owned();
        let r = http
            .post(format!("{base}/v1/photos/{id}/complete"))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        photos.push(id);
    }

    // Stop it while the workers are busy.
    sigterm_and_wait(&mut server);
    let db = SqlStore::connect(&vars["DATABASE_URL"], 5).await.unwrap();
    let jobs = db.list(&[], 1000).await.unwrap();
    assert!(
        jobs.iter().all(|j| j.status != JobStatus::Running),
        "in-flight jobs were finished or released: {jobs:?}"
    );
    let pending = jobs
        .iter()
        .filter(|j| j.status == JobStatus::Queued)
        .count();
    assert!(
        pending > 0,
        "SIGTERM came after all work was done: {jobs:?}"
    );

    // A restarted server completes the rest.
    let mut server = spawn(&vars);
    wait_for(&base, "/readyz").await;
    let until = Instant::now() + Duration::from_secs(240);
    loop {
        let jobs = db.list(&[], 1000).await.unwrap();
        let mut ready = 0;
        for id in &photos {
            let p = db.photo(id.parse().unwrap()).await.unwrap().unwrap();
            ready += usize::from(p.status.as_str() == "ready");
        }
        let idle = jobs.iter().all(|j| matches!(j.status, JobStatus::Done));
        if ready == photos.len() && idle {
            break;
        }
        assert!(
            Instant::now() < until,
            "{ready}/{} ready after the restart ({pending} jobs were pending at SIGTERM): {jobs:?}",
            photos.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    db.close().await;
    sigterm_and_wait(&mut server);
}
