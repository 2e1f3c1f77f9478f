//! `media-cli jobs …` and `media-cli reprocess`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_and_reprocess() {
    for pg in backends() {
        let Some(env) = Env::new(pg).await else {
            continue;
        };
        let (ph, pr) = env.photographer_and_project();
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
        let queued = db.list(&[JobStatus::Queued], 10).await.unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(
            queued[0].payload,
            JobPayload::watermark(photo.project_id, photo.id)
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
        // Nothing is a week old: nothing is pruned, the dead job stays.
        assert!(
            env.ok(&["jobs", "prune", "--dead"])
                .contains("0 job(s) pruned")
        );
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

/// Without RETINA_URL, `reprocess --wait` ends once the derivatives are
/// done and says that faces wait for a face service (it used to wait for
/// the deferred faces step for ever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_wait_ends_without_a_face_service() {
    for pg in backends() {
        let Some(env) = Env::new(pg).await else {
            continue;
        };
        let (ph, pr) = env.photographer_and_project();
        let db = env.db().await;
        let (_dev, storage) = env.store().await;
        let photo = photo_with_objects(&db, &storage, pr.into(), ph.into()).await;
        let original = keys::photo(pr.into(), photo.id, PhotoObject::Original);
        let jpeg = images::jpeg(64, 48, images::Fill::Gradient { seed: 3 });
        storage.put(&original, jpeg, "image/jpeg").await.unwrap();

        // Workers of our own, as a running media-server has them.
        let assembled = env.assembled().await; // owns its embedded store: kept to the end
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = media_core::service::Worker::new(
            assembled.media.clone(),
            "test",
            Duration::from_secs(30),
        );
        let workers = tokio::spawn(async move { worker.run(stopped, |_| {}).await });

        let cli = env.spawn(&["reprocess", "--photo", &photo.id.to_string(), "--wait"]);
        let out = tokio::task::spawn_blocking(move || wait_at_most(cli, Duration::from_secs(60)))
            .await
            .unwrap();
        stop.send(true).unwrap();
        workers.await.unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("done: 1, failed: 0"), "{stdout}");
        assert!(stdout.contains("wait for a face service"), "{stdout}");
    }
}

/// The child's output, or a panic (after killing it) past `limit`.
fn wait_at_most(mut child: std::process::Child, limit: Duration) -> Output {
    let until = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > until {
            child.kill().unwrap();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}
