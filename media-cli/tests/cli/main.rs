//! The built `media-cli` binary against SQLite (and Postgres when configured)
//! and the embedded S3 store: each command's effect is checked in the
//! database and the store. One module per command group; the harness here.

use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use media_adapters::devstore::DevStore;
use media_adapters::s3::S3Storage;
use media_adapters::sql::SqlStore;
use media_adapters::testing::images;
use media_core::domain::*;
use media_core::ids::*;
use media_core::keys::{self, PhotoObject};
use media_core::ports::{
    Authenticator, ConsentRepo, DirectoryRepo, JobAdmin, JobQueue, PhotoCreation, PhotoRepo,
    SelfieRepo, Storage,
};

pub struct Env {
    dir: tempfile::TempDir,
    database_url: String,
    /// Where a media-server of this environment would serve its embedded store.
    storage_addr: std::net::SocketAddr,
}

impl Env {
    /// A photographer and a project (of a new operator), written with the
    /// CLI's own directory commands; the photographer is not yet assigned.
    pub fn photographer_and_project(&self) -> (Uuid, Uuid) {
        let (op, ph, pr) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (op_s, ph_s, pr_s) = (op.to_string(), ph.to_string(), pr.to_string());
        self.ok(&["directory", "operator", "add", "--id", &op_s, "--name", "O"]);
        self.ok(&[
            "directory",
            "photographer",
            "add",
            "--id",
            &ph_s,
            "--name",
            "P",
        ]);
        self.ok(&[
            "directory",
            "project",
            "add",
            "--id",
            &pr_s,
            "--name",
            "G",
            "--operator",
            &op_s,
        ]);
        (ph, pr)
    }

    pub async fn new(postgres: bool) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let database_url = if postgres {
            media_adapters::testing::fresh_postgres_url().await?
        } else {
            format!("sqlite://{}/media.db", dir.path().display())
        };
        let storage_addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap();
        Some(Self {
            dir,
            database_url,
            storage_addr,
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_media-cli"));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MEDIA_DATA_DIR", self.dir.path().join("data"))
            .env("DATABASE_URL", &self.database_url)
            .env("MEDIA_STORAGE_ADDR", self.storage_addr.to_string())
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        c
    }

    pub fn cli(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// The command started, its output piped.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Fails with a non-zero exit and one line on stderr (clap's usage hint may follow it).
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8(out.stderr).unwrap();
        let mut lines = err.lines().filter(|l| !l.trim().is_empty());
        assert!(
            lines
                .next()
                .is_some_and(|l| l.starts_with("media-cli: ") || l.starts_with("error: ")),
            "{args:?}: {err:?}"
        );
        assert!(
            lines.all(|l| l.starts_with("For more information")
                || l.starts_with("Usage:")
                || l.starts_with("  ")),
            "{args:?}: one line on stderr, got {err:?}"
        );
        err
    }

    pub async fn db(&self) -> SqlStore {
        SqlStore::connect(&self.database_url, 5).await.unwrap()
    }

    /// The core on this environment's database and store, as a running
    /// server's workers have it (no face service).
    pub async fn assembled(&self) -> media_adapters::assemble::Assembled {
        let data = self.dir.path().join("data").display().to_string();
        let config = media_adapters::config::Config::from_lookup(&|k| match k {
            "DATABASE_URL" => Some(self.database_url.clone()),
            "MEDIA_DATA_DIR" => Some(data.clone()),
            "MEDIA_STORAGE_ADDR" => Some("127.0.0.1:0".into()),
            _ => None,
        })
        .unwrap();
        media_adapters::assemble::assemble(&config).await.unwrap()
    }

    /// The embedded store as a running media-server serves it: on this
    /// environment's store address, over the same folder.
    pub async fn server_store(&self) -> DevStore {
        DevStore::start(
            &self.dir.path().join("data").join("objects"),
            self.storage_addr,
            "media",
            None,
        )
        .await
        .unwrap()
    }

    pub async fn store(&self) -> (DevStore, S3Storage) {
        let dev = DevStore::start(
            &self.dir.path().join("data").join("objects"),
            "127.0.0.1:0".parse().unwrap(),
            "media",
            None,
        )
        .await
        .unwrap();
        let s = dev.storage();
        (dev, s)
    }
}

pub fn backends() -> [bool; 2] {
    [false, true]
}

mod audit;
mod directory;
mod faces;
mod help;
mod jobs;
mod purge;

pub async fn photo_with_objects(
    db: &SqlStore,
    storage: &S3Storage,
    project: ProjectId,
    photographer: PhotographerId,
) -> Photo {
    let now = OffsetDateTime::now_utc();
    let p = Photo {
        id: PhotoId::new(),
        project_id: project,
        photographer_id: photographer,
        status: PhotoStatus::AwaitingUpload,
        taken_at: None,
        width: None,
        height: None,
        created_at: media_core::timestamps::truncate_to_micros(now),
        upload_expires_at: media_core::timestamps::truncate_to_micros(
            now + Duration::from_secs(600),
        ),
        failure_reason: None,
        thumbnails_done: false,
        watermark_done: false,
        faces_done: false,
        original_etag: None,
        thumbhash: None,
        duplicate_of: None,
    };
    // Only an assigned photographer's photo can exist.
    db.assign(project, photographer).await.unwrap();
    assert_eq!(
        db.create_photo_if_assigned(&p).await.unwrap(),
        PhotoCreation::Created
    );
    db.mark_photo_uploaded(p.id, None, &[], now).await.unwrap();
    for o in [PhotoObject::Original, PhotoObject::Thumb400] {
        storage
            .put(&keys::photo(project, p.id, o), b"x".to_vec(), "image/jpeg")
            .await
            .unwrap();
    }
    p
}
