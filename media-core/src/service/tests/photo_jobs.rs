//! Derivatives, faces, clustering and purges (`jobs/`).

use super::*;

#[tokio::test]
async fn one_decode_writes_thumbnails_and_watermark_and_faces_are_detected_once() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
    let (id, project) = (photo.id, photo.project_id);
    let mut m = Mocks::new();
    m.unique_bytes().default_watermark();
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.storage
        .expect_head()
        .returning(|_| Ok(Some(object(1000))));
    m.storage
        .expect_get()
        .times(1)
        .returning(|_, _, _| Ok(Fetched::Bytes(tiny_jpeg())));
    let written = Arc::new(Mutex::new(Vec::new()));
    let w = written.clone();
    m.storage.expect_put().returning(move |k, _, ct| {
        assert_eq!(ct, "image/jpeg");
        w.lock().unwrap().push(k.to_string());
        Ok(())
    });
    m.photos
        .expect_record_thumbnails()
        .withf(move |i, meta, on_ready, _| {
            *i == id && (meta.width, meta.height) == (64, 48) && on_ready.is_empty()
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    // The same job records the watermark, which makes the photo ready.
    m.photos
        .expect_record_watermark()
        .withf(move |i, _, _| *i == id)
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.embedder
        .expect_detect_faces()
        .withf(|url| url.contains("original.jpg"))
        .times(1)
        .returning(|_| {
            Ok(vec![
                face(39.0, 0.99, 0),
                face(40.0, 0.99, 1),
                face(300.0, 0.5, 2),
            ])
        });
    m.faces
        .expect_store_faces()
        .withf(move |i, model, embs, jobs, _| {
            *i == id
                && model == RETINA_TEST_MODEL
                && embs == [unit_vec(1), unit_vec(2)]
                && jobs
                    == [JobPayload::ClusterFaces {
                        project_id: project,
                    }]
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    let out = m
        .media()
        .handle(&JobPayload::thumbnails(ProjectId::new(), id))
        .await
        .unwrap();
    assert_eq!(out, JobOutcome::Done);
    let written = written.lock().unwrap();
    assert!(written.iter().any(|k| k.ends_with("thumb-400.jpg")));
    assert!(written.iter().any(|k| k.ends_with("thumb-800.jpg")));
    assert!(written.iter().any(|k| k.ends_with("watermarked.jpg")));
    assert_eq!(written.len(), 3, "{written:?}");
}

#[tokio::test]
async fn a_corrupt_original_fails_the_photo_without_retry() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
    let id = photo.id;
    for (bytes, reason) in [
        (b"not an image".to_vec(), FailureReason::UnsupportedFormat),
        (tiny_jpeg()[..200].to_vec(), FailureReason::UnreadableImage),
        (Vec::new(), FailureReason::EmptyFile),
    ] {
        let mut m = Mocks::new();
        m.unique_bytes().default_watermark();
        m.photos
            .expect_photo()
            .return_const(Ok(Some(photo.clone())));
        m.storage.expect_head().returning(|_| Ok(Some(object(10))));
        m.storage
            .expect_get()
            .return_once(move |_, _, _| Ok(Fetched::Bytes(bytes)));
        m.storage.expect_put().never();
        m.photos
            .expect_fail_photo()
            .withf(move |i, r, jobs, _| *i == id && *r == reason && jobs.is_empty())
            .times(1)
            .returning(|_, _, _, _| Ok(true));
        assert_eq!(
            m.media()
                .handle(&JobPayload::thumbnails(ProjectId::new(), id))
                .await
                .unwrap(),
            JobOutcome::Done
        );
    }
}

#[tokio::test]
async fn a_photo_deleted_during_processing_is_purged_again() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
    let (id, project) = (photo.id, photo.project_id);
    let mut m = Mocks::new();
    m.unique_bytes().default_watermark();
    let mut seq = mockall::Sequence::new();
    m.photos
        .expect_photo()
        .times(1)
        .in_sequence(&mut seq)
        .return_const(Ok(Some(photo)));
    m.photos
        .expect_photo()
        .times(1)
        .in_sequence(&mut seq)
        .return_const(Ok(None));
    m.storage.expect_head().returning(|_| Ok(Some(object(10))));
    m.storage
        .expect_get()
        .returning(|_, _, _| Ok(Fetched::Bytes(tiny_jpeg())));
    m.storage.expect_put().returning(|_, _, _| Ok(()));
    m.photos
        .expect_record_thumbnails()
        .returning(|_, _, _, _| Ok(false));
    m.queue
        .expect_enqueue()
        .withf(move |jobs, _| jobs == [purge_of(project, id)])
        .times(1)
        .returning(|_, _| Ok(()));
    m.embedder.expect_detect_faces().never();
    m.media()
        .handle(&JobPayload::thumbnails(ProjectId::new(), id))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_watermark_uses_the_projects_text() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
    let id = photo.id;
    let mut m = Mocks::new();
    m.photos
        .expect_photo()
        .return_const(Ok(Some(photo.clone())));
    m.directory.expect_project().return_const(Ok(Some(Project {
        id: photo.project_id,
        name: "p".into(),
        operator_id: OperatorId::new(),
        watermark_text: Some("© Studio".into()),
    })));
    m.storage.expect_head().returning(|_| Ok(Some(object(10))));
    m.storage
        .expect_get()
        .returning(|_, _, _| Ok(Fetched::Bytes(tiny_jpeg())));
    m.storage
        .expect_put()
        .withf(|k, body, _| {
            k.as_str().ends_with("watermarked.jpg") && body.starts_with(&[0xFF, 0xD8])
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.photos
        .expect_record_watermark()
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.media()
        .handle(&JobPayload::watermark(ProjectId::new(), id))
        .await
        .unwrap();
}

#[tokio::test]
async fn cluster_faces_compares_each_member_with_only_new_faces() {
    let project = ProjectId::new();
    let (behind, current) = (UserId::new(), UserId::new());
    let (behind_selfie, current_selfie) = (SelfieId::new(), SelfieId::new());
    let (early, near, far) = (PhotoId::new(), PhotoId::new(), PhotoId::new());
    let mut m = Mocks::new();
    m.faces.expect_matchable_members().return_const(Ok(vec![
        MemberSelfie {
            user_id: behind,
            selfie_id: behind_selfie,
            embedding: unit_vec(0),
            model: RETINA_TEST_MODEL.to_owned(),
            through_seq: 0,
        },
        MemberSelfie {
            user_id: current,
            selfie_id: current_selfie,
            embedding: unit_vec(0),
            model: RETINA_TEST_MODEL.to_owned(),
            through_seq: 7,
        },
    ]));
    // One read from the lowest progress serves both members.
    m.faces
        .expect_faces_after()
        .withf(move |p, after, _| *p == project && *after == 0)
        .times(1)
        .return_const(Ok(vec![
            PhotoFace {
                seq: 7,
                photo_id: early,
                embedding: unit_vec(0),
                model: RETINA_TEST_MODEL.to_owned(),
            },
            PhotoFace {
                seq: 8,
                photo_id: near,
                embedding: unit_vec(0),
                model: RETINA_TEST_MODEL.to_owned(),
            },
            PhotoFace {
                seq: 9,
                photo_id: far,
                embedding: unit_vec(1),
                model: RETINA_TEST_MODEL.to_owned(),
            },
        ]));
    m.faces
        .expect_record_matches()
        .withf(move |p, through, found, announce, notices, _| {
            let photos = |u: UserId| -> Vec<PhotoId> {
                let mut v: Vec<PhotoId> = found
                    .iter()
                    .filter(|f| f.user_id == u)
                    .flat_map(|f| f.matches.iter().map(|m| m.photo_id))
                    .collect();
                v.sort();
                v
            };
            let mut both = vec![early, near];
            both.sort();
            *p == project
                && *through == 9
                && found.len() == 2
                && found.iter().any(|f| f.selfie_id == behind_selfie)
                && photos(behind) == both
                // face 7 was compared with this selfie already
                && photos(current) == [near]
                // events off: no match is owed a notice
                && !*announce
                && notices.is_empty()
        })
        .times(1)
        .returning(|_, _, _, _, _, _| Ok(()));
    m.media()
        .handle(&JobPayload::ClusterFaces {
            project_id: project,
        })
        .await
        .unwrap();

    // no member with an approved selfie (and consent): nothing is read
    let mut m = Mocks::new();
    m.faces
        .expect_matchable_members()
        .return_const(Ok(Vec::new()));
    m.faces.expect_faces_after().never();
    m.faces.expect_record_matches().never();
    m.media()
        .handle(&JobPayload::ClusterFaces {
            project_id: project,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn purge_objects_deletes_prefixes_and_keys() {
    let (project, photo, user) = (ProjectId::new(), PhotoId::new(), UserId::new());
    let mut m = Mocks::new();
    m.storage
        .expect_delete_prefix()
        .withf(move |p| p.as_str() == format!("photos/{project}/{photo}/"))
        .times(1)
        .returning(|_| Ok(4));
    m.storage
        .expect_delete()
        .withf(move |k| k.as_str() == format!("selfies/{user}/5.jpg"))
        .times(1)
        .returning(|_| Ok(()));
    let targets = vec![
        PurgeTarget::Photo {
            project_id: project,
            photo_id: photo,
        },
        PurgeTarget::Selfie {
            user_id: user,
            timestamp_ms: 5,
        },
    ];
    m.media()
        .handle(&JobPayload::purge(targets.clone()))
        .await
        .unwrap();

    let mut m = Mocks::new();
    m.storage
        .expect_delete_prefix()
        .returning(|_| Err(Error::unavailable("store down")));
    let e = m
        .media()
        .handle(&JobPayload::purge(targets))
        .await
        .unwrap_err();
    assert!(e.is_retryable(), "a purge against a down store retries");
}

#[tokio::test]
async fn an_erasure_purge_takes_the_selfies_up_to_its_instant_and_no_retake() {
    let user = UserId::new();
    let mut m = Mocks::new();
    m.storage.expect_list_prefix().times(1).returning(move |p| {
        assert_eq!(p.as_str(), format!("selfies/{user}/"));
        Ok([5, 10, 11]
            .into_iter()
            .map(|ts| ObjectInfo {
                key: format!("selfies/{user}/{ts}.jpg"),
                ..object(1)
            })
            .collect())
    });
    let deleted = Arc::new(Mutex::new(Vec::new()));
    let seen = deleted.clone();
    m.storage.expect_delete().returning(move |k| {
        seen.lock().unwrap().push(k.to_string());
        Ok(())
    });
    m.media()
        .handle(&JobPayload::purge(vec![PurgeTarget::SelfiesOf {
            user_id: user,
            through_ms: 10,
        }]))
        .await
        .unwrap();
    assert_eq!(
        *deleted.lock().unwrap(),
        [
            format!("selfies/{user}/5.jpg"),
            format!("selfies/{user}/10.jpg")
        ]
    );
}

#[tokio::test]
async fn a_retry_that_finds_its_photo_gone_purges_what_an_earlier_attempt_wrote() {
    let (project, id) = (ProjectId::new(), PhotoId::new());
    for payload in [
        JobPayload::thumbnails(project, id),
        JobPayload::watermark(project, id),
    ] {
        let mut m = Mocks::new();
        m.photos.expect_photo().return_const(Ok(None));
        m.queue
            .expect_enqueue()
            .withf(move |jobs, _| jobs == [purge_of(project, id)])
            .times(1)
            .returning(|_, _| Ok(()));
        assert_eq!(m.media().handle(&payload).await.unwrap(), JobOutcome::Done);
    }
}

#[tokio::test]
async fn a_second_photo_with_the_same_bytes_fails_as_a_duplicate_before_rendering_or_retina() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
    let (id, project) = (photo.id, photo.project_id);
    let first = PhotoId::new();
    let mut m = Mocks::new();
    m.default_watermark();
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.storage
        .expect_get()
        .returning(|_, _, _| Ok(Fetched::Bytes(tiny_jpeg())));
    let sha = crate::service::jobs::sha256_hex(&tiny_jpeg());
    m.photos
        .expect_record_content()
        .withf(move |i, pr, h| *i == id && *pr == project && h == sha)
        .times(1)
        .returning(move |_, _, _| Ok(Some(first)));
    m.photos
        .expect_fail_as_duplicate()
        .withf(move |i, of, jobs, now| {
            *i == id
                && *of == first
                && *now == NOW
                && jobs
                    == [JobPayload::purge(vec![PurgeTarget::Photo {
                        project_id: project,
                        photo_id: id,
                    }])]
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.storage.expect_put().never();
    m.photos.expect_record_thumbnails().never();
    m.embedder.expect_detect_faces().never();
    let out = m
        .media()
        .handle(&JobPayload::thumbnails(project, id))
        .await
        .unwrap();
    assert_eq!(out, JobOutcome::Done);
}
