//! Operator tasks: reprocess, join, orphans, upkeep (`admin.rs`).

use super::*;

#[tokio::test]
async fn reprocess_resets_the_chosen_steps() {
    let p = photographer(Audience::Media);
    let project = ProjectId::new();
    let ready = photo_of(&p, project, PhotoStatus::Ready);
    let id = ready.id;
    let mut m = Mocks::new();
    m.photos
        .expect_photo()
        .return_const(Ok(Some(ready.clone())));
    // No member's selfie to describe again (models.rs has them).
    m.faces.expect_matchable_members().return_const(Ok(vec![]));
    m.photos
        .expect_reset_photo()
        .withf(move |i, reset, jobs, _| {
            *i == id
                && (reset.thumbnails, reset.watermark, reset.faces) == (false, false, true)
                && jobs
                    == [JobPayload::GenerateThumbnail {
                        photo_id: id,
                        project_id: Some(project),
                        rerender: false,
                        faces_only: true,
                    }]
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    let jobs = m
        .media()
        .reprocess(&[id], ReprocessStep::Faces)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);

    // A failed photo is retried whole, whatever the step asked: one
    // thumbnail job renders both derivatives from one decode.
    let mut failed = ready.clone();
    failed.status = PhotoStatus::Failed;
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(Some(failed)));
    m.photos
        .expect_reset_photo()
        .withf(move |_, reset, jobs, _| {
            reset.thumbnails
                && reset.watermark
                && matches!(
                    jobs,
                    [JobPayload::GenerateThumbnail {
                        rerender: true,
                        faces_only: false,
                        ..
                    }]
                )
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.media()
        .reprocess(&[id], ReprocessStep::Watermark)
        .await
        .unwrap();

    // Unknown photos are an error naming the photo (nothing is enqueued:
    // no reset is expected); awaited uploads are skipped.
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(None));
    assert!(matches!(
        m.media().reprocess(&[id], ReprocessStep::All).await,
        Err(Error::Invalid { detail, .. }) if detail == format!("photo {id} does not exist")
    ));
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(Some(photo_of(
        &p,
        ProjectId::new(),
        PhotoStatus::AwaitingUpload,
    ))));
    m.photos.expect_reset_photo().never();
    assert!(
        m.media()
            .reprocess(&[id], ReprocessStep::All)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn joining_matches_a_member_with_an_approved_selfie() {
    let (project, user) = (ProjectId::new(), UserId::new());
    let mut m = Mocks::new();
    m.directory.expect_project().return_const(Ok(Some(Project {
        id: project,
        name: "p".into(),
        operator_id: OperatorId::new(),
        watermark_text: None,
    })));
    m.selfies
        .expect_approved_embedding()
        .return_const(Ok(Some((SelfieId::new(), unit_vec(0)))));
    m.directory
        .expect_join()
        .withf(move |p, u, jobs, _| {
            *p == project
                && *u == user
                && jobs
                    == [JobPayload::ClusterFaces {
                        project_id: project,
                    }]
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    assert!(m.media().join(project, user).await.unwrap());

    let mut m = Mocks::new();
    m.directory.expect_project().return_const(Ok(None));
    assert!(matches!(
        m.media().join(project, user).await,
        Err(Error::Invalid { .. })
    ));

    // A project needs an existing operator; an assignment an existing photographer.
    let mut m = Mocks::new();
    m.directory.expect_operator_exists().return_const(Ok(false));
    let project_row = Project {
        id: project,
        name: "p".into(),
        operator_id: OperatorId::new(),
        watermark_text: None,
    };
    assert!(matches!(
        m.media().add_project(&project_row).await,
        Err(Error::Invalid { .. })
    ));
    let mut m = Mocks::new();
    m.directory
        .expect_project()
        .return_const(Ok(Some(project_row)));
    m.directory
        .expect_photographer_exists()
        .return_const(Ok(false));
    assert!(matches!(
        m.media().assign(project, PhotographerId::new()).await,
        Err(Error::Invalid { .. })
    ));
}

#[tokio::test]
async fn orphans_are_objects_without_rows_and_a_dry_run_deletes_nothing() {
    let p = photographer(Audience::Media);
    let kept = photo_of(&p, ProjectId::new(), PhotoStatus::Ready);
    let kept_key = crate::keys::photo(kept.project_id, kept.id, crate::keys::PhotoObject::Original)
        .to_string();
    let orphan_key = crate::keys::photo(
        ProjectId::new(),
        PhotoId::new(),
        crate::keys::PhotoObject::Thumb400,
    )
    .to_string();
    let foreign_key = "photos/not-ours/file.txt".to_owned();
    let listing = vec![
        ObjectInfo {
            key: kept_key,
            size: 1,
            last_modified: None,
            etag: None,
        },
        ObjectInfo {
            key: orphan_key.clone(),
            size: 1,
            last_modified: None,
            etag: None,
        },
        ObjectInfo {
            key: foreign_key,
            size: 1,
            last_modified: None,
            etag: None,
        },
    ];
    let kept_id = kept.id;
    let mut m = Mocks::new();
    m.storage.expect_list_prefix().returning(move |prefix| {
        Ok(if prefix.as_str() == "photos/" {
            listing.clone()
        } else {
            vec![]
        })
    });
    m.photos
        .expect_photo()
        .returning(move |id| Ok((id == kept_id).then(|| kept.clone())));
    m.photos.expect_expired_photos().return_const(Ok(vec![]));
    m.storage.expect_delete().never();
    let report = m.media().purge_orphans(true).await.unwrap();
    assert_eq!(
        report.objects,
        vec![orphan_key],
        "only our shape without a row; foreign keys are left alone"
    );
}

#[tokio::test]
async fn upkeep_buries_jobs_whose_last_lease_expired() {
    let u = user();
    let s = selfie_of(&u, SelfieStatus::Processing);
    let sid = s.id;
    let dead = claimed(JobPayload::ProcessSelfie { selfie_id: sid }, 5);
    let mut m = Mocks::new();
    m.queue
        .expect_reap_expired()
        .return_once(move |_| Ok(vec![dead]));
    m.selfies.expect_selfie().return_const(Ok(Some(s)));
    m.selfies
        .expect_fail_selfie()
        .withf(move |id, r, jobs, _| {
            *id == sid && *r == FailureReason::RetinaUnavailable && jobs.is_empty()
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.photos
        .expect_pending_photo_uploads()
        .return_const(Ok(vec![]));
    m.selfies
        .expect_pending_selfie_uploads()
        .return_const(Ok(vec![]));
    // Finished jobs past the retention (a week by default) go, dead ones stay.
    m.archives
        .expect_expired_archives()
        .times(1)
        .returning(|_, _| Ok(vec![]));
    m.job_admin
        .expect_prune()
        .withf(|statuses, before, _| {
            statuses == [JobStatus::Done] && *before == NOW - Duration::from_secs(168 * 3600)
        })
        .times(1)
        .returning(|_, _, _| Ok(3));
    // And counts the queue for its gauges, as of its own time.
    m.job_admin
        .expect_queue_depth()
        .times(1)
        .returning(|| Ok(vec![]));
    m.job_admin
        .expect_oldest_due()
        .withf(|now| *now == NOW)
        .times(1)
        .returning(|_| Ok(None));
    assert_eq!(m.media().maintenance().await.unwrap(), 1);
}

#[tokio::test]
async fn a_large_backlog_of_finished_jobs_is_pruned_in_batches() {
    let mut m = Mocks::new();
    let mut left = 25_000u64;
    m.job_admin
        .expect_prune()
        .withf(|statuses, _, limit| {
            statuses == [JobStatus::Done, JobStatus::Dead] && *limit == 10_000
        })
        .times(3)
        .returning(move |_, _, limit| {
            let n = left.min(u64::from(limit));
            left -= n;
            Ok(n)
        });
    assert_eq!(m.media().prune_jobs(true).await.unwrap(), 25_000);
}

#[tokio::test]
async fn adding_a_row_again_is_fine_alike_and_a_conflict_otherwise() {
    let operator = Operator {
        id: OperatorId::new(),
        name: "Olga".into(),
    };
    for (stored, ok) in [("Olga", true), ("Otto", false)] {
        let mut m = Mocks::new();
        m.directory.expect_insert_operator().return_const(Ok(false));
        let existing = Operator {
            name: stored.into(),
            ..operator.clone()
        };
        m.directory
            .expect_operator()
            .return_const(Ok(Some(existing)));
        let r = m.media().add_operator(&operator).await;
        assert_eq!(r.is_ok(), ok, "{stored}: {r:?}");
        if !ok {
            assert!(matches!(
                r,
                Err(Error::Conflict {
                    kind: ConflictKind::AlreadyExists,
                    ..
                })
            ));
        }
    }
}
