//! The end-to-end harness: the real server on an ephemeral port with real
//! adapters (SQLite, or Postgres when configured), the in-process S3 store,
//! and the fake Retina of `media_adapters::testing` over HTTP (SPEC §7).
#![allow(dead_code, unused_imports, unused_macros)] // each test crate uses a part of the harness

mod backends;
pub mod browser;
pub mod metrics;
mod proxy;

pub(crate) use backends::backend_tests;
pub use media_adapters::testing::{
    FakeRetina, RetinaMode, World, identity_embedding, identity_jpeg, member_of,
};
pub use proxy::FaultyProxy;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use media_adapters::config::Config;
use media_adapters::jwt::mint_hs256;
use media_core::domain::{Audience, Role};
use media_core::ids::{ProjectId, UserId};
use media_server::server::{Role as ServerRole, Running, start};

pub const JWT_SECRET: &str = "end-to-end-test-secret-0123456789";
pub const WEBHOOK_SECRET: &str = "webhook-secret-for-tests";
pub const PUBLIC_URL: &str = "https://public.example.com/media";

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
        let retina = FakeRetina::start().await;
        let retina_url = retina.url().to_owned();
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
        // A worker has no API address (its /metrics may listen on its own).
        let base = running
            .addr
            .map(|a| format!("http://{a}"))
            .unwrap_or_default();
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
            .devstore_addr()
            .expect("embedded store")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A token for `sub` (a `Uuid` or any typed id).
    pub fn token(&self, sub: impl Into<Uuid>, aud: Audience, role: Role) -> String {
        let config = media_adapters::jwt::JwtConfig {
            secret: Some(JWT_SECRET.into()),
            ..Default::default()
        };
        mint_hs256(&config, sub.into(), aud, role, Duration::from_secs(3600)).unwrap()
    }

    /// An operator owning a project with one assigned photographer.
    pub async fn world(&self) -> World {
        World::create(self.media().ports().directory.as_ref()).await
    }

    /// A member of the project with the consent granted.
    pub async fn member(&self, project: impl Into<ProjectId>) -> UserId {
        let ports = self.media().ports();
        member_of(
            project.into(),
            ports.directory.as_ref(),
            ports.consents.as_ref(),
            time::OffsetDateTime::now_utc(),
        )
        .await
    }

    /// A member of the project (consent granted) with a `media` token, who
    /// uploaded and completed a 400 × 400 selfie of `identity` (its job is
    /// not awaited).
    pub async fn member_with_selfie(&self, project: impl Into<ProjectId>, identity: u8) -> Member {
        let user = self.member(project).await;
        let token = self.token(user, Audience::Media, Role::User);
        let selfie = self
            .upload_selfie(&token, identity_jpeg(identity, 400, 400))
            .await;
        Member {
            user,
            token,
            selfie,
        }
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

    pub async fn put(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .put(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// The project's photos as its photographer lists them (SPEC §3.4).
    pub async fn listed_photos(&self, w: &World) -> Vec<Value> {
        let token = self.token(w.photographer, Audience::Backoffice, Role::Photographer);
        let path = format!("/v1/photographers/me/projects/{}/photos", w.project);
        self.get(&path, &token).await.json().await.unwrap()
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
        use media_core::ports::JobAdmin;
        let db = &self.running().assembled.database;
        for _ in 0..300 {
            // One read of both: a job retried between two reads is in neither.
            let open = db
                .list(&[JobStatus::Queued, JobStatus::Running], 1000)
                .await
                .unwrap();
            let soon = time::OffsetDateTime::now_utc() + Duration::from_secs(1);
            let busy = open
                .iter()
                .any(|j| j.status == JobStatus::Running || j.run_at <= soon);
            if !busy {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let left = |status| async move {
            let jobs = db.list(&[status], 1000).await.unwrap_or_default();
            jobs.iter()
                .map(|j| {
                    format!(
                        "{} attempt {} due {}",
                        j.payload.kind().as_str(),
                        j.attempts,
                        j.run_at
                    )
                })
                .collect::<Vec<_>>()
        };
        panic!(
            "jobs did not finish: running {:?}, queued {:?}",
            left(JobStatus::Running).await,
            left(JobStatus::Queued).await
        );
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

    /// The Prometheus text of `/metrics` (on `MEDIA_METRICS_ADDR` when set).
    pub async fn scrape(&self) -> String {
        let url = match self.running().metrics_addr {
            Some(a) => format!("http://{a}/metrics"),
            None => self.url("/metrics"),
        };
        let r = self.http.get(url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.text().await.unwrap()
    }

    pub async fn shutdown(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }
}

/// A member of a project with a selfie: see [`TestApp::member_with_selfie`].
pub struct Member {
    /// The member.
    pub user: UserId,
    /// A `media` token of theirs.
    pub token: String,
    /// Their selfie's id.
    pub selfie: String,
}

/// Upload URL → PUT → complete, keeping the URL; returns (photo id, URL, key).
pub async fn photo_with_url(app: &TestApp, w: &World, bytes: &[u8]) -> (String, String, String) {
    let token = app.token(w.photographer, Audience::Backoffice, Role::Photographer);
    let r = app
        .post(
            "/v1/photographers/me/photos/upload-url",
            &token,
            json!({"projectId": w.project}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let t: Value = r.json().await.unwrap();
    let url = t["uploadUrl"].as_str().unwrap().to_owned();
    put(app, &url, bytes).await;
    let id = t["photoId"].as_str().unwrap().to_owned();
    let r = app
        .post(&format!("/v1/photos/{id}/complete"), &token, json!({}))
        .await;
    assert_eq!(r.status(), 202);
    (id, url, t["key"].as_str().unwrap().to_owned())
}

pub async fn put(app: &TestApp, url: &str, bytes: &[u8]) {
    let r = app.http.put(url).body(bytes.to_vec()).send().await.unwrap();
    assert!(r.status().is_success(), "PUT {}", r.status());
}
