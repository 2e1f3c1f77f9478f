//! The built `media-cli` binary against SQLite (and Postgres when configured)
//! and the embedded S3 store: each command's effect is checked in the
//! database and the store.

use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use media_adapters::devstore::DevStore;
use media_adapters::s3::S3Storage;
use media_adapters::sql::SqlStore;
use media_core::domain::*;
use media_core::ids::*;
use media_core::keys::{self, PhotoObject};
use media_core::ports::{
    Authenticator, ConsentRepo, DeadLetters, DirectoryRepo, JobQueue, PhotoCreation, PhotoRepo,
    SelfieRepo, Storage,
};

struct Env {
    dir: tempfile::TempDir,
    database_url: String,
}

impl Env {
    async fn new(postgres: bool) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let database_url = if postgres {
            media_adapters::testing::fresh_postgres_url().await?
        } else {
            format!("sqlite://{}/media.db", dir.path().display())
        };
        Some(Self { dir, database_url })
    }

    fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_media-cli"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MEDIA_DATA_DIR", self.dir.path().join("data"))
            .env("DATABASE_URL", &self.database_url)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Fails with a non-zero exit and one line on stderr (clap's usage hint may follow it).
    fn fails(&self, args: &[&str]) -> String {
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

    async fn db(&self) -> SqlStore {
        SqlStore::connect(&self.database_url, 5).await.unwrap()
    }

    async fn store(&self) -> (DevStore, S3Storage) {
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

fn backends() -> [bool; 2] {
    [false, true]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_forms_are_idempotent_and_token_prints_a_token() {
    for pg in backends() {
        let Some(env) = Env::new(pg).await else {
            continue;
        };
        let (op, ph, pr, user) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let (op_s, ph_s, pr_s, u_s) = (
            op.to_string(),
            ph.to_string(),
            pr.to_string(),
            user.to_string(),
        );
        for _ in 0..2 {
            env.ok(&[
                "directory",
                "operator",
                "add",
                "--id",
                &op_s,
                "--name",
                "Olga",
            ]);
            env.ok(&[
                "directory",
                "photographer",
                "add",
                "--id",
                &ph_s,
                "--name",
                "Pat",
            ]);
            env.ok(&[
                "directory",
                "project",
                "add",
                "--id",
                &pr_s,
                "--name",
                "Gala",
                "--operator",
                &op_s,
                "--watermark-text",
                "© Gala",
            ]);
            env.ok(&[
                "directory",
                "project",
                "assign",
                "--project",
                &pr_s,
                "--photographer",
                &ph_s,
            ]);
            env.ok(&[
                "directory",
                "project",
                "join",
                "--project",
                &pr_s,
                "--user",
                &u_s,
            ]);
            env.ok(&[
                "directory",
                "consent",
                "grant",
                "--user",
                &u_s,
                "--purpose",
                "biometric_processing",
            ]);
        }
        let db = env.db().await;
        let project = db.project(pr.into()).await.unwrap().unwrap();
        assert_eq!(
            (project.name.as_str(), project.watermark_text.as_deref()),
            ("Gala", Some("© Gala"))
        );
        assert!(db.is_assigned(pr.into(), ph.into()).await.unwrap());
        assert!(db.is_member(pr.into(), user.into()).await.unwrap());
        assert!(
            db.has_consent(user.into(), ConsentPurpose::BiometricProcessing)
                .await
                .unwrap()
        );

        // Bad input: one line, non-zero.
        env.fails(&[
            "directory",
            "project",
            "add",
            "--id",
            &Uuid::new_v4().to_string(),
            "--name",
            "X",
            "--operator",
            &Uuid::new_v4().to_string(),
        ]);
        env.fails(&[
            "directory",
            "project",
            "assign",
            "--project",
            &pr_s,
            "--photographer",
            &Uuid::new_v4().to_string(),
        ]);
        env.fails(&[
            "directory",
            "consent",
            "grant",
            "--user",
            &u_s,
            "--purpose",
            "marketing",
        ]);
        env.fails(&[
            "directory",
            "operator",
            "add",
            "--id",
            "not-a-uuid",
            "--name",
            "x",
        ]);

        let token = env.ok(&[
            "token",
            "--sub",
            &ph_s,
            "--aud",
            "backoffice",
            "--role",
            "photographer",
            "--ttl",
            "10m",
        ]);
        assert_eq!(token.lines().count(), 1);
        let secret = std::fs::read_to_string(env.dir.path().join("data/jwt-secret")).unwrap();
        let auth = media_adapters::jwt::JwtAuthenticator::new(media_adapters::jwt::JwtConfig {
            secret: Some(secret.trim().to_owned()),
            ..Default::default()
        })
        .unwrap();
        let p = auth
            .authenticate(token.trim(), Audience::Backoffice)
            .unwrap();
        assert_eq!((p.id, p.roles), (ph, vec![Role::Photographer]));
        env.fails(&["token", "--sub", &ph_s, "--aud", "web", "--role", "user"]);
        env.fails(&[
            "token", "--sub", &ph_s, "--aud", "media", "--role", "user", "--ttl", "soon",
        ]);
        env.ok(&["migrate"]);
    }
}

async fn photo_with_objects(
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
        created_at: media_core::listing::truncate_to_micros(now),
        upload_expires_at: media_core::listing::truncate_to_micros(now + Duration::from_secs(600)),
        failure_reason: None,
        thumbnails_done: false,
        watermark_done: false,
        faces_done: false,
    };
    // Only an assigned photographer's photo can exist.
    db.assign(project, photographer).await.unwrap();
    assert_eq!(
        db.create_photo_if_assigned(&p).await.unwrap(),
        PhotoCreation::Created
    );
    db.mark_photo_uploaded(p.id, &[], now).await.unwrap();
    for o in [PhotoObject::Original, PhotoObject::Thumb400] {
        storage
            .put(&keys::photo(project, p.id, o), b"x".to_vec(), "image/jpeg")
            .await
            .unwrap();
    }
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_dry_run_changes_nothing_then_deletes_rows_and_objects() {
    for pg in backends() {
        let Some(env) = Env::new(pg).await else {
            continue;
        };
        let (op, ph, pr) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        env.ok(&[
            "directory",
            "operator",
            "add",
            "--id",
            &op.to_string(),
            "--name",
            "O",
        ]);
        env.ok(&[
            "directory",
            "photographer",
            "add",
            "--id",
            &ph.to_string(),
            "--name",
            "P",
        ]);
        env.ok(&[
            "directory",
            "project",
            "add",
            "--id",
            &pr.to_string(),
            "--name",
            "G",
            "--operator",
            &op.to_string(),
        ]);
        let db = env.db().await;
        let (_dev, storage) = env.store().await;
        let photo = photo_with_objects(&db, &storage, pr.into(), ph.into()).await;
        let id = photo.id.to_string();
        let folder = keys::photo_folder(pr.into(), photo.id);

        let dry: Value =
            serde_json::from_str(&env.ok(&["purge", "--photo", &id, "--dry-run", "--json"]))
                .unwrap();
        assert_eq!(dry["dryRun"], true);
        assert_eq!(dry["photos"], serde_json::json!([id]));
        assert!(
            db.photo(photo.id).await.unwrap().is_some(),
            "dry run changes nothing"
        );
        assert_eq!(storage.list_prefix(&folder).await.unwrap().len(), 2);

        env.fails(&["purge", "--photo", &id]); // not a terminal, no --yes
        assert!(db.photo(photo.id).await.unwrap().is_some());
        env.fails(&["purge", "--photo", &Uuid::new_v4().to_string(), "--yes"]);

        env.ok(&["purge", "--photo", &id, "--yes"]);
        assert!(db.photo(photo.id).await.unwrap().is_none(), "row gone");
        // The objects go through the durable purge job, as with the API's DELETE.
        let jobs = db.list(Some(JobStatus::Queued), 10).await.unwrap();
        assert!(jobs.iter().any(|j| matches!(&j.payload, JobPayload::PurgeObjects { targets } if targets == &[PurgeTarget::Photo { project_id: pr.into(), photo_id: photo.id }])));
        let media = media_adapters::assemble::assemble(
            &media_adapters::config::Config::from_lookup(&|k| match k {
                "DATABASE_URL" => Some(env.database_url.clone()),
                "MEDIA_DATA_DIR" => Some(env.dir.path().join("data").display().to_string()),
                "MEDIA_STORAGE_ADDR" => Some("127.0.0.1:0".into()),
                _ => None,
            })
            .unwrap(),
            false,
        )
        .await
        .unwrap();
        let worker =
            media_core::service::Worker::new(media.media.clone(), "test", Duration::from_secs(30));
        while worker.run_once().await.unwrap() != media_core::service::WorkerEvent::Idle {}
        assert!(
            storage.list_prefix(&folder).await.unwrap().is_empty(),
            "objects gone"
        );

        // Orphans: an object with no row.
        let orphan = keys::photo(pr.into(), PhotoId::new(), PhotoObject::Original);
        storage
            .put(&orphan, b"o".to_vec(), "image/jpeg")
            .await
            .unwrap();
        let dry: Value =
            serde_json::from_str(&env.ok(&["purge", "--orphans", "--dry-run", "--json"])).unwrap();
        assert_eq!(dry["objects"], serde_json::json!([orphan.to_string()]));
        assert!(storage.head(&orphan).await.unwrap().is_some());
        env.ok(&["purge", "--orphans", "--yes"]);
        assert!(storage.head(&orphan).await.unwrap().is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_and_reprocess() {
    for pg in backends() {
        let Some(env) = Env::new(pg).await else {
            continue;
        };
        let (op, ph, pr) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        env.ok(&[
            "directory",
            "operator",
            "add",
            "--id",
            &op.to_string(),
            "--name",
            "O",
        ]);
        env.ok(&[
            "directory",
            "photographer",
            "add",
            "--id",
            &ph.to_string(),
            "--name",
            "P",
        ]);
        env.ok(&[
            "directory",
            "project",
            "add",
            "--id",
            &pr.to_string(),
            "--name",
            "G",
            "--operator",
            &op.to_string(),
        ]);
        let db = Arc::new(env.db().await);
        let (_dev, storage) = env.store().await;
        let photo = photo_with_objects(&db, &storage, pr.into(), ph.into()).await;

        let out = env.ok(&[
            "reprocess",
            "--photo",
            &photo.id.to_string(),
            "--step",
            "watermark",
            "--json",
        ]);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            (v["photos"].as_u64(), v["jobs"].as_u64()),
            (Some(1), Some(1))
        );
        let queued = db.list(Some(JobStatus::Queued), 10).await.unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(
            queued[0].payload,
            JobPayload::GenerateWatermark { photo_id: photo.id }
        );
        env.fails(&["reprocess", "--photo", &Uuid::new_v4().to_string()]);
        env.fails(&[
            "reprocess",
            "--photo",
            &photo.id.to_string(),
            "--step",
            "everything",
        ]);
        env.fails(&["reprocess"]); // a target is required

        let stats: Value = serde_json::from_str(&env.ok(&["jobs", "stats", "--json"])).unwrap();
        assert_eq!(stats[0]["kind"], "generate_watermark");
        assert_eq!(stats[0]["count"], 1);

        // Make it dead, then list and retry it.
        let now = OffsetDateTime::now_utc();
        let job = db
            .claim("w", now, Duration::from_secs(30))
            .await
            .unwrap()
            .unwrap();
        db.fail(job.id, "w", "boom", None, now).await.unwrap();
        let dead: Value =
            serde_json::from_str(&env.ok(&["jobs", "list", "--status", "dead", "--json"])).unwrap();
        let row = &dead[0];
        assert_eq!(row["id"], job.id.to_string());
        for field in [
            "kind",
            "status",
            "attempts",
            "lastError",
            "runAt",
            "createdAt",
        ] {
            assert!(!row[field].is_null(), "{field}");
        }
        assert_eq!(row["lastError"], "boom");
        env.fails(&["jobs", "retry", &Uuid::new_v4().to_string()]);
        env.fails(&["jobs", "list", "--status", "sleeping"]);
        env.ok(&["jobs", "retry", &job.id.to_string()]);
        assert_eq!(
            db.get(job.id).await.unwrap().unwrap().status,
            JobStatus::Queued
        );
        let later = OffsetDateTime::now_utc() + Duration::from_secs(1);
        let job = db
            .claim("w", later, Duration::from_secs(30))
            .await
            .unwrap()
            .unwrap();
        db.fail(job.id, "w", "again", None, later).await.unwrap();
        assert!(env.ok(&["jobs", "retry", "--dead"]).contains("1 job"));
        assert_eq!(
            db.get(job.id).await.unwrap().unwrap().status,
            JobStatus::Queued
        );
        let _ = db.selfie(SelfieId::new()).await.unwrap();
    }
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["reprocess", "--help"],
        vec!["purge", "--help"],
        vec!["jobs", "--help"],
        vec!["jobs", "list", "--help"],
        vec!["directory", "project", "add", "--help"],
        vec!["token", "--help"],
        vec!["pipeline", "run", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_media-cli"))
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}
