//! The end-to-end harness: the real server on an ephemeral port with real
//! adapters (SQLite, or Postgres when configured), the in-process S3 store,
//! and a fake Retina over HTTP speaking SPEC §7.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use media_adapters::config::Config;
use media_adapters::jwt::mint_hs256;
use media_core::domain::{Audience, ConsentPurpose, Operator, Photographer, Project, Role};
use media_server::server::{Role as ServerRole, Running, start};

pub const JWT_SECRET: &str = "end-to-end-test-secret-0123456789";
pub const WEBHOOK_SECRET: &str = "webhook-secret-for-tests";
pub const PUBLIC_URL: &str = "https://public.example.com/media";

/// How the fake Retina answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetinaMode {
    /// Faces decided by the image's colour (see [`identity_jpeg`]).
    Normal,
    /// Always this status.
    Status(u16),
    /// Answers normally after this many milliseconds (past the client's timeout).
    Slow(u64),
}

#[derive(Clone)]
pub struct FakeRetina {
    pub calls: Arc<Mutex<Vec<String>>>,
    pub mode: Arc<Mutex<RetinaMode>>,
    http: reqwest::Client,
}

/// A unit vector for identity `i` (1-based), 512-dim.
pub fn identity_embedding(i: usize) -> Vec<f32> {
    let mut v = vec![0.0f32; 512];
    v[i % 512] = 1.0;
    v
}

/// A JPEG whose red channel names the identity in it (0 = no face; 24 = one
/// face scored 0.5; 25 = two faces). The face's box is half the shorter side,
/// at most 200 px.
pub fn identity_jpeg(identity: u8, width: u16, height: u16) -> Vec<u8> {
    let pixels: Vec<u8> =
        [identity.saturating_mul(10), 90, 160].repeat(usize::from(width) * usize::from(height));
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    out
}

async fn retina_faces(
    State(r): State<FakeRetina>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let url = body["imageUrl"].as_str().unwrap_or_default().to_owned();
    r.calls.lock().unwrap().push(url.clone());
    let mode = *r.mode.lock().unwrap();
    match mode {
        RetinaMode::Status(s) => {
            return (
                StatusCode::from_u16(s).unwrap(),
                Json(json!({"error": "fake"})),
            );
        }
        RetinaMode::Slow(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
        RetinaMode::Normal => {}
    }
    // Fetch the image through the presigned URL, as Retina does.
    let Ok(resp) = r.http.get(&url).send().await else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unreachable image"})),
        );
    };
    if !resp.status().is_success() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": format!("image fetch {}", resp.status())})),
        );
    }
    let bytes = resp.bytes().await.unwrap_or_default();
    let mut decoder = jpeg_decoder::Decoder::new(&bytes[..]);
    let Ok(pixels) = decoder.decode() else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "not an image"})),
        );
    };
    let red = pixels.first().copied().unwrap_or(0);
    let identity = ((f32::from(red) / 10.0).round()) as usize;
    // The face fills half the shorter side, at most 200 px: small images
    // make small faces.
    let side = decoder
        .info()
        .map_or(200, |i| (i.width.min(i.height) / 2).min(200));
    let face = |i: usize, score: f32| json!({"box": {"x": 10, "y": 10, "width": side, "height": side}, "score": score, "embedding": identity_embedding(i)});
    let faces = match identity {
        0 => vec![],
        24 => vec![face(24, 0.5)],
        25 => vec![face(1, 0.99), face(2, 0.99)],
        i => vec![face(i, 0.99)],
    };
    (
        StatusCode::OK,
        Json(json!({"model": "fake", "faces": faces})),
    )
}

pub async fn fake_retina() -> (String, FakeRetina) {
    let state = FakeRetina {
        calls: Arc::default(),
        mode: Arc::new(Mutex::new(RetinaMode::Normal)),
        http: reqwest::Client::new(),
    };
    let app = axum::Router::new()
        .route("/v1/faces", axum::routing::post(retina_faces))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), state)
}

pub struct TestApp {
    pub running: Option<Running>,
    pub base: String,
    pub http: reqwest::Client,
    pub retina: FakeRetina,
    pub data: tempfile::TempDir,
    pub config: Config,
}

impl TestApp {
    /// Starts the whole service on SQLite (`postgres = false`) or a fresh Postgres schema.
    /// Returns `None` when Postgres is asked for but not configured (and not required).
    pub async fn start(postgres: bool) -> Option<Self> {
        Self::start_with(postgres, &[]).await
    }

    pub async fn start_with(postgres: bool, extra: &[(&str, &str)]) -> Option<Self> {
        Self::start_as(postgres, ServerRole::All, extra).await
    }

    /// The API without workers: jobs wait until [`TestApp::drain`] runs them.
    pub async fn start_api_only(postgres: bool) -> Option<Self> {
        Self::start_as(postgres, ServerRole::Api, &[]).await
    }

    pub async fn start_as(
        postgres: bool,
        role: ServerRole,
        extra: &[(&str, &str)],
    ) -> Option<Self> {
        let data = tempfile::tempdir().unwrap();
        let database_url = if postgres {
            media_adapters::testing::fresh_postgres_url().await?
        } else {
            format!("sqlite://{}/media.db", data.path().display())
        };
        let (retina_url, retina) = fake_retina().await;
        let mut vars: HashMap<String, String> = [
            ("MEDIA_ADDR", "127.0.0.1:0".to_owned()),
            ("MEDIA_STORAGE_ADDR", "127.0.0.1:0".to_owned()),
            ("MEDIA_DATA_DIR", data.path().display().to_string()),
            ("DATABASE_URL", database_url),
            ("JWT_SECRET", JWT_SECRET.to_owned()),
            ("RETINA_URL", retina_url),
            ("RETINA_TIMEOUT_MS", "2000".to_owned()),
            ("STORAGE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            ("WORKER_CONCURRENCY", "2".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for (k, v) in extra {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        let config = Config::from_lookup(&|k| vars.get(k).cloned()).expect("test configuration");
        let running = start(&config, role).await.expect("server starts");
        let base = format!("http://{}", running.addr.expect("listening"));
        Some(Self {
            running: Some(running),
            base,
            http: reqwest::Client::new(),
            retina,
            data,
            config,
        })
    }

    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("running")
    }

    pub fn media(&self) -> &media_core::service::Media {
        &self.running().media
    }

    pub fn storage_addr(&self) -> SocketAddr {
        self.running()
            .assembled
            .devstore_addr
            .expect("embedded store")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn token(&self, sub: Uuid, aud: Audience, role: Role) -> String {
        let config = media_adapters::jwt::JwtConfig {
            secret: Some(JWT_SECRET.into()),
            ..Default::default()
        };
        mint_hs256(&config, sub, aud, role, Duration::from_secs(3600)).unwrap()
    }

    /// An operator owning a project with one assigned photographer.
    pub async fn world(&self) -> World {
        let w = World {
            operator: Uuid::new_v4(),
            photographer: Uuid::new_v4(),
            project: Uuid::new_v4(),
        };
        let m = self.media();
        m.upsert_operator(&Operator {
            id: w.operator.into(),
            name: "Olga Operator".into(),
        })
        .await
        .unwrap();
        m.upsert_photographer(&Photographer {
            id: w.photographer.into(),
            name: "Pat Photographer".into(),
        })
        .await
        .unwrap();
        m.upsert_project(&Project {
            id: w.project.into(),
            name: "Gala".into(),
            operator_id: w.operator.into(),
            watermark_text: None,
        })
        .await
        .unwrap();
        m.assign(w.project.into(), w.photographer.into())
            .await
            .unwrap();
        w
    }

    /// A member of the project with the consent granted.
    pub async fn member(&self, project: Uuid) -> Uuid {
        let user = Uuid::new_v4();
        self.media()
            .join(project.into(), user.into())
            .await
            .unwrap();
        self.media()
            .grant_consent_for(user.into(), ConsentPurpose::BiometricProcessing)
            .await
            .unwrap();
        user
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Upload URL → PUT → complete; returns the photo id.
    pub async fn upload_photo(&self, w: &World, bytes: Vec<u8>) -> Uuid {
        let token = self.token(w.photographer, Audience::Backoffice, Role::Photographer);
        let r = self
            .post(
                "/v1/photographers/me/photos/upload-url",
                &token,
                json!({"projectId": w.project, "contentType": "image/jpeg", "contentLength": bytes.len()}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let ticket: Value = r.json().await.unwrap();
        let put = self
            .http
            .put(ticket["uploadUrl"].as_str().unwrap())
            .header("content-type", "image/jpeg")
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success(), "PUT {}", put.status());
        let id: Uuid = ticket["photoId"].as_str().unwrap().parse().unwrap();
        let r = self
            .post(&format!("/v1/photos/{id}/complete"), &token, json!({}))
            .await;
        assert_eq!(r.status(), 202);
        id
    }

    /// Asks for a selfie upload URL, PUTs `bytes` and completes the upload;
    /// returns the selfie's id.
    pub async fn upload_selfie(&self, token: &str, bytes: Vec<u8>) -> String {
        let r = self.post("/v1/selfie/upload-url", token, json!({})).await;
        assert_eq!(r.status(), 201);
        let t: Value = r.json().await.unwrap();
        let put = self
            .http
            .put(t["uploadUrl"].as_str().unwrap())
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success());
        let id = t["selfieId"].as_str().unwrap().to_owned();
        let r = self
            .post(&format!("/v1/selfie/{id}/complete"), token, json!({}))
            .await;
        assert_eq!(r.status(), 202);
        id
    }

    /// Waits until the photo leaves `processing` (and its faces are done); returns its status.
    pub async fn wait_photo(&self, id: Uuid) -> String {
        use media_core::ports::PhotoRepo;
        for _ in 0..300 {
            if let Some(p) = self
                .running()
                .assembled
                .database
                .photo(id.into())
                .await
                .unwrap()
            {
                let settled = match p.status {
                    media_core::domain::PhotoStatus::Ready => p.faces_done,
                    media_core::domain::PhotoStatus::Processing
                    | media_core::domain::PhotoStatus::AwaitingUpload => false,
                    _ => true,
                };
                if settled {
                    return p.status.as_str().to_owned();
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("photo {id} did not settle");
    }

    /// Waits until no job is queued or running.
    pub async fn wait_idle(&self) {
        use media_core::domain::JobStatus;
        use media_core::ports::JobQueue;
        let db = &self.running().assembled.database;
        for _ in 0..300 {
            let queued = db.list(Some(JobStatus::Queued), 1000).await.unwrap();
            let running = db.list(Some(JobStatus::Running), 1000).await.unwrap();
            let due = queued
                .iter()
                .any(|j| j.run_at <= time::OffsetDateTime::now_utc() + Duration::from_secs(1));
            if !due && running.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("jobs did not finish");
    }

    /// Runs due jobs in this task until none is left (for `start_api_only`).
    pub async fn drain(&self) {
        use media_core::service::{Worker, WorkerEvent};
        let worker = Worker::new(self.media().clone(), "drain", Duration::from_secs(30));
        for _ in 0..1000 {
            if worker.run_once().await.unwrap() == WorkerEvent::Idle {
                return;
            }
        }
        panic!("jobs did not run out");
    }

    pub async fn shutdown(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }
}

pub struct World {
    pub operator: Uuid,
    pub photographer: Uuid,
    pub project: Uuid,
}

/// The backends every end-to-end test runs on.
pub fn backends() -> [bool; 2] {
    [false, true]
}

/// A TCP proxy on 127.0.0.1 in front of a service (the database, the
/// store), which a test can cut — open connections dropped, new ones closed
/// at once — and restore: an outage without touching the service itself.
pub struct FaultyProxy {
    pub addr: SocketAddr,
    up: Arc<std::sync::atomic::AtomicBool>,
    cuts: tokio::sync::watch::Sender<u64>,
}

impl FaultyProxy {
    pub async fn start(target: SocketAddr) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (cuts, _) = tokio::sync::watch::channel(0u64);
        let (up2, cuts2) = (up.clone(), cuts.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let mut cut = cuts2.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { addr, up, cuts }
    }

    /// Drops every open connection and refuses new ones until [`restore`](Self::restore).
    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}
