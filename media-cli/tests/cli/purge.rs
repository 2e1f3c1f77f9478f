//! `media-cli purge`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_dry_run_changes_nothing_then_deletes_rows_and_objects() {
    for pg in backends() {
        let Some(env) = Env::new(pg).await else {
            continue;
        };
        let (ph, pr) = env.photographer_and_project();
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
        let jobs = db.list(&[JobStatus::Queued], 10).await.unwrap();
        assert!(jobs.iter().any(|j| matches!(&j.payload, JobPayload::PurgeObjects { targets, .. } if targets == &[PurgeTarget::Photo { project_id: pr.into(), photo_id: photo.id }])));
        let media = env.assembled().await;
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
