//! Upload URLs, completion, store events and the reconciler (`uploads.rs`).

use super::*;

#[tokio::test]
async fn selfie_upload_url_creates_an_awaited_selfie() {
    let u = user();
    let mut m = Mocks::new();
    m.consent(true);
    let created = Arc::new(Mutex::new(None));
    let c = created.clone();
    m.selfies.expect_create_selfie().returning(move |s| {
        *c.lock().unwrap() = Some(s.clone());
        Ok(())
    });
    let t = m
        .media()
        .selfie_upload_url(&u, &upload(Some("image/jpeg"), Some(1000)))
        .await
        .unwrap();
    let s = created.lock().unwrap().clone().unwrap();
    assert_eq!(s.status, SelfieStatus::AwaitingUpload);
    assert_eq!(s.user_id, u.as_user());
    assert_eq!(
        t.key,
        format!("selfies/{}/{}.jpg", u.id, NOW.unix_timestamp() * 1000)
    );
    assert_eq!(t.expires_in_seconds, 600);
    assert!(t.upload_url.contains("ttl=600"));
    assert_eq!(s.upload_expires_at, NOW + Duration::from_secs(600));
}

#[tokio::test]
async fn selfie_upload_url_denials_in_order() {
    // wrong audience → 401 before anything else
    let mut wrong_aud = user();
    wrong_aud.audience = Audience::Backoffice;
    let e = Mocks::new()
        .media()
        .selfie_upload_url(&wrong_aud, &upload(None, None))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unauthorized(_)));
    // wrong role → 403 before consent is looked up
    let e = Mocks::new()
        .media()
        .selfie_upload_url(&photographer(Audience::Media), &upload(None, None))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)));
    // no consent → consent_required
    let mut m = Mocks::new();
    m.consent(false);
    let e = m
        .media()
        .selfie_upload_url(&user(), &upload(None, None))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ConsentRequired));
}

#[tokio::test]
async fn upload_declarations_are_validated() {
    for (req, kind) in [
        (
            upload(Some("image/gif"), None),
            InvalidKind::UnsupportedType,
        ),
        (
            upload(None, Some(50 * 1024 * 1024 + 1)),
            InvalidKind::UploadTooLarge,
        ),
        (upload(None, Some(0)), InvalidKind::Request),
    ] {
        let mut m = Mocks::new();
        m.consent(true);
        let e = m
            .media()
            .selfie_upload_url(&user(), &req)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Invalid { kind: k, .. } if k == kind),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn photo_upload_url_in_assigned_projects_only() {
    let project = ProjectId::new();
    for aud in Audience::ALL {
        let p = photographer(aud);
        let mut m = Mocks::new();
        m.photos
            .expect_create_photo_if_assigned()
            .withf(move |ph| ph.project_id == project && ph.status == PhotoStatus::AwaitingUpload)
            .times(1)
            .returning(|_| Ok(PhotoCreation::Created));
        let t = m
            .media()
            .photo_upload_url(&p, project, &upload(None, None))
            .await
            .unwrap();
        assert_eq!(t.key, format!("photos/{project}/{}/original.jpg", t.id));
        assert_eq!(t.expires_in_seconds, 600);
    }
    let mut m = Mocks::new();
    m.photos
        .expect_create_photo_if_assigned()
        .returning(|_| Ok(PhotoCreation::NotAssigned));
    let e = m
        .media()
        .photo_upload_url(&photographer(Audience::Media), project, &upload(None, None))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound));
    let e = Mocks::new()
        .media()
        .photo_upload_url(&user(), project, &upload(None, None))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)));
}

#[tokio::test]
async fn profile_picture_upload_and_url() {
    let o = operator();
    let up = Mocks::new()
        .media()
        .profile_picture_upload_url(&o, &upload(None, None))
        .await
        .unwrap();
    assert_eq!(
        up.file_url,
        format!("https://public/operators/{}/profile.jpg", o.id)
    );
    assert!(up.upload_url.contains("put"));

    let mut m = Mocks::new();
    m.storage.expect_head().returning(|_| Ok(None));
    assert!(matches!(
        m.media().profile_picture_url(&o).await,
        Err(Error::NotFound)
    ));
    let mut m = Mocks::new();
    m.storage.expect_head().returning(|_| Ok(Some(object(10))));
    let url = m.media().profile_picture_url(&o).await.unwrap();
    assert!(url.contains("ttl=900") && url.contains("profile.jpg"));
    let e = Mocks::new()
        .media()
        .profile_picture_url(&photographer(Audience::Backoffice))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)));
}

#[tokio::test]
async fn completing_a_photo_enqueues_processing_once() {
    let p = photographer(Audience::Backoffice);
    let project = ProjectId::new();
    let photo = photo_of(&p, project, PhotoStatus::AwaitingUpload);
    let id = photo.id;
    let mut m = Mocks::new();
    m.assigned(true);
    let mut after = photo.clone();
    after.status = PhotoStatus::Processing;
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
        .return_const(Ok(Some(after)));
    m.storage
        .expect_head()
        .returning(|_| Ok(Some(object(1000))));
    m.photos
        .expect_mark_photo_uploaded()
        .withf(move |i, _, jobs, _| {
            // One job for every derivative: one read and decode (SPEC §5).
            *i == id && jobs == [JobPayload::thumbnails(project, id)]
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    assert_eq!(
        m.media().complete_photo(&p, id).await.unwrap(),
        PhotoStatus::Processing
    );
}

#[tokio::test]
async fn completing_a_photo_not_in_the_store_is_a_conflict() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::AwaitingUpload);
    let id = photo.id;
    let mut m = Mocks::new();
    m.assigned(true);
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.storage.expect_head().returning(|_| Ok(None));
    let e = m.media().complete_photo(&p, id).await.unwrap_err();
    assert!(matches!(
        e,
        Error::Conflict {
            kind: ConflictKind::UploadMissing,
            ..
        }
    ));
}

#[tokio::test]
async fn completing_again_is_harmless_and_others_uploads_are_refused() {
    let p = photographer(Audience::Media);
    let ready = photo_of(&p, ProjectId::new(), PhotoStatus::Ready);
    let id = ready.id;
    let mut m = Mocks::new();
    m.assigned(true);
    m.photos
        .expect_photo()
        .return_const(Ok(Some(ready.clone())));
    // no head, no transition
    assert_eq!(
        m.media().complete_photo(&p, id).await.unwrap(),
        PhotoStatus::Ready
    );

    let other = photographer(Audience::Media);
    let mut m = Mocks::new();
    m.assigned(true);
    m.photos
        .expect_photo()
        .return_const(Ok(Some(ready.clone())));
    assert!(matches!(
        m.media().complete_photo(&other, id).await,
        Err(Error::Forbidden(_))
    ));
    let mut m = Mocks::new();
    m.assigned(false);
    m.photos.expect_photo().return_const(Ok(Some(ready)));
    assert!(matches!(
        m.media().complete_photo(&other, id).await,
        Err(Error::NotFound)
    ));
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(None));
    assert!(matches!(
        m.media().complete_photo(&other, id).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn an_upload_found_too_large_fails_the_photo() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::AwaitingUpload);
    let id = photo.id;
    let mut m = Mocks::new();
    m.assigned(true);
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.storage
        .expect_head()
        .returning(|_| Ok(Some(object(60 * 1024 * 1024))));
    m.photos
        .expect_mark_photo_uploaded()
        .returning(|_, _, _, _| Ok(true));
    m.photos
        .expect_fail_photo()
        .withf(move |i, r, _, _| *i == id && *r == FailureReason::TooLarge)
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.media().complete_photo(&p, id).await.unwrap();
}

#[tokio::test]
async fn completing_a_selfie() {
    let u = user();
    let s = selfie_of(&u, SelfieStatus::AwaitingUpload);
    let id = s.id;
    let mut m = Mocks::new();
    m.consent(true);
    m.selfies.expect_selfie().return_const(Ok(Some(s)));
    m.storage.expect_head().returning(|_| {
        Ok(Some(ObjectInfo {
            etag: Some("v1".into()),
            ..object(1000)
        }))
    });
    m.selfies
        .expect_mark_selfie_uploaded()
        .withf(move |i, etag, jobs, _| {
            *i == id
                && etag.as_deref() == Some("v1")
                && jobs == [JobPayload::ProcessSelfie { selfie_id: id }]
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.media().complete_selfie(&u, id).await.unwrap();

    // Another user's selfie does not exist for this one.
    let mut m = Mocks::new();
    m.consent(true);
    m.selfies
        .expect_selfie()
        .return_const(Ok(Some(selfie_of(&user(), SelfieStatus::AwaitingUpload))));
    assert!(matches!(
        m.media().complete_selfie(&u, id).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn storage_events_move_matching_uploads_and_ignore_the_rest() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::AwaitingUpload);
    let u = user();
    let s = selfie_of(&u, SelfieStatus::AwaitingUpload);
    let keys = vec![
        crate::keys::photo(
            photo.project_id,
            photo.id,
            crate::keys::PhotoObject::Original,
        )
        .to_string(),
        crate::keys::selfie(u.as_user(), s.key_timestamp_ms).to_string(),
        "something/else.jpg".to_owned(),
        format!("photos/{}/{}/original.jpg", ProjectId::new(), photo.id), // wrong project
        crate::keys::photo(
            photo.project_id,
            photo.id,
            crate::keys::PhotoObject::Thumb400,
        )
        .to_string(),
    ];
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.selfies.expect_selfie_by_key().return_const(Ok(Some(s)));
    m.storage.expect_head().returning(|_| Ok(Some(object(10))));
    m.photos
        .expect_mark_photo_uploaded()
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.selfies
        .expect_mark_selfie_uploaded()
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    assert_eq!(m.media().storage_event(&keys).await.unwrap(), 2);
}
