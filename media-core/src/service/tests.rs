//! Use-case and job-handler tests on mockall fakes of every port.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use super::*;
use crate::domain::*;
use crate::error::{ConflictKind, Error, InvalidKind};
use crate::ids::*;
use crate::listing::{PageRequest, PhotoScope};
use crate::ports::*;

const NOW: OffsetDateTime = datetime!(2026-05-01 12:00:00 UTC);

struct Mocks {
    directory: MockDirectoryRepo,
    photos: MockPhotoRepo,
    selfies: MockSelfieRepo,
    faces: MockFaceRepo,
    queue: MockJobQueue,
    storage: MockStorage,
    embedder: MockFaceEmbedder,
}

impl Mocks {
    fn new() -> Self {
        let mut storage = MockStorage::new();
        storage.expect_presign_get().returning(|key, now, ttl| {
            Ok(format!(
                "https://store/{key}?get&at={}&ttl={}",
                now.unix_timestamp(),
                ttl.as_secs()
            ))
        });
        storage.expect_presign_put().returning(|key, _, _, ttl| {
            Ok(format!("https://store/{key}?put&ttl={}", ttl.as_secs()))
        });
        storage
            .expect_public_reference()
            .returning(|key| format!("https://public/{key}"));
        let mut embedder = MockFaceEmbedder::new();
        embedder.expect_is_configured().return_const(true);
        Self {
            directory: MockDirectoryRepo::new(),
            photos: MockPhotoRepo::new(),
            selfies: MockSelfieRepo::new(),
            faces: MockFaceRepo::new(),
            queue: MockJobQueue::new(),
            storage,
            embedder,
        }
    }

    fn media(self) -> Media {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(NOW);
        Media::new(
            Ports {
                directory: Arc::new(self.directory),
                photos: Arc::new(self.photos),
                selfies: Arc::new(self.selfies),
                faces: Arc::new(self.faces),
                queue: Arc::new(self.queue),
                storage: Arc::new(self.storage),
                clock: Arc::new(clock),
                embedder: Arc::new(self.embedder),
            },
            Settings::default(),
        )
    }

    fn consent(&mut self, granted: bool) -> &mut Self {
        self.selfies.expect_has_consent().return_const(Ok(granted));
        self
    }

    fn assigned(&mut self, assigned: bool) -> &mut Self {
        self.directory
            .expect_is_assigned()
            .return_const(Ok(assigned));
        self
    }
}

fn user() -> Principal {
    Principal::new(Uuid::new_v4(), Audience::Media, [Role::User])
}
fn photographer(aud: Audience) -> Principal {
    Principal::new(Uuid::new_v4(), aud, [Role::Photographer])
}
fn operator() -> Principal {
    Principal::new(Uuid::new_v4(), Audience::Backoffice, [Role::Operator])
}

fn photo_of(p: &Principal, project: ProjectId, status: PhotoStatus) -> Photo {
    Photo {
        id: PhotoId::new(),
        project_id: project,
        photographer_id: p.as_photographer(),
        status,
        taken_at: None,
        width: None,
        height: None,
        created_at: NOW,
        upload_expires_at: NOW + Duration::from_secs(600),
        failure_reason: None,
        thumbnails_done: status == PhotoStatus::Ready,
        watermark_done: status == PhotoStatus::Ready,
        faces_done: status == PhotoStatus::Ready,
    }
}

fn selfie_of(u: &Principal, status: SelfieStatus) -> Selfie {
    Selfie {
        id: SelfieId::new(),
        user_id: u.as_user(),
        key_timestamp_ms: 1_700_000_000_000,
        status,
        rejection_reason: None,
        failure_reason: None,
        created_at: NOW,
        processed_at: None,
        upload_expires_at: NOW + Duration::from_secs(600),
    }
}

fn object(size: u64) -> ObjectInfo {
    ObjectInfo {
        key: String::new(),
        size,
        last_modified: None,
    }
}

fn unit_vec(i: usize) -> Vec<f32> {
    let mut v = vec![0.0; EMBEDDING_DIM];
    v[i] = 1.0;
    v
}

fn face(side: f32, score: f32, i: usize) -> DetectedFace {
    DetectedFace {
        bbox: FaceBox {
            x: 0.0,
            y: 0.0,
            width: side,
            height: side,
        },
        score,
        embedding: unit_vec(i),
    }
}

fn tiny_jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&[120u8; 64 * 48 * 3], 64, 48, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

fn upload(ct: Option<&str>, len: Option<u64>) -> UploadRequest {
    UploadRequest {
        content_type: ct.map(str::to_owned),
        content_length: len,
    }
}

// ---------------------------------------------------------------- uploads

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
            .expect_create_photo()
            .withf(move |ph| ph.project_id == project && ph.status == PhotoStatus::AwaitingUpload)
            .times(1)
            .returning(|_| Ok(true));
        let t = m
            .media()
            .photo_upload_url(&p, project, &upload(None, None))
            .await
            .unwrap();
        assert_eq!(t.key, format!("photos/{project}/{}/original.jpg", t.id));
        assert_eq!(t.expires_in_seconds, 600);
    }
    let mut m = Mocks::new();
    m.photos.expect_create_photo().returning(|_| Ok(false));
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
        .withf(move |i, jobs, _| {
            *i == id
                && jobs
                    == [
                        JobPayload::thumbnails(id),
                        JobPayload::GenerateWatermark { photo_id: id },
                    ]
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
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
        .returning(|_, _, _| Ok(true));
    m.photos
        .expect_fail_photo()
        .withf(move |i, r| *i == id && *r == FailureReason::TooLarge)
        .times(1)
        .returning(|_, _| Ok(()));
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
    m.storage
        .expect_head()
        .returning(|_| Ok(Some(object(1000))));
    m.selfies
        .expect_mark_selfie_uploaded()
        .withf(move |i, jobs, _| *i == id && jobs == [JobPayload::ProcessSelfie { selfie_id: id }])
        .times(1)
        .returning(|_, _, _| Ok(true));
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
        .returning(|_, _, _| Ok(true));
    m.selfies
        .expect_mark_selfie_uploaded()
        .times(1)
        .returning(|_, _, _| Ok(true));
    assert_eq!(m.media().storage_event(&keys).await.unwrap(), 2);
}

#[tokio::test]
async fn the_reconciler_completes_arrivals_and_expires_the_absent() {
    let p = photographer(Audience::Media);
    let arrived = photo_of(&p, ProjectId::new(), PhotoStatus::AwaitingUpload);
    let mut absent_old = photo_of(&p, ProjectId::new(), PhotoStatus::AwaitingUpload);
    absent_old.upload_expires_at = NOW - Duration::from_secs(301);
    let mut absent_recent = photo_of(&p, ProjectId::new(), PhotoStatus::AwaitingUpload);
    absent_recent.upload_expires_at = NOW - Duration::from_secs(299);
    let (arrived_id, old_id) = (arrived.id, absent_old.id);
    let mut m = Mocks::new();
    m.photos
        .expect_pending_photo_uploads()
        .return_const(Ok(vec![arrived, absent_old, absent_recent]));
    m.selfies
        .expect_pending_selfie_uploads()
        .return_const(Ok(vec![]));
    m.storage.expect_head().returning(move |k| {
        Ok(k.as_str()
            .contains(&arrived_id.to_string())
            .then(|| object(5)))
    });
    m.photos
        .expect_mark_photo_uploaded()
        .withf(move |i, _, _| *i == arrived_id)
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.photos
        .expect_expire_photo()
        .withf(move |i| *i == old_id)
        .times(1)
        .returning(|_| Ok(()));
    assert_eq!(m.media().reconcile_uploads().await.unwrap(), (1, 1));
}

// ---------------------------------------------------------------- listings and deletions

fn listing(photo: Photo) -> PhotoListing {
    PhotoListing {
        photo,
        project_name: "Gala".into(),
        photographer_name: "Ann".into(),
    }
}

#[tokio::test]
async fn photographer_listing_pages_and_signs_existing_objects_only() {
    let p = photographer(Audience::Backoffice);
    let project = ProjectId::new();
    let rows: Vec<PhotoListing> = (0..3)
        .map(|i| {
            let status = if i == 0 {
                PhotoStatus::Ready
            } else {
                PhotoStatus::AwaitingUpload
            };
            listing(photo_of(&p, project, status))
        })
        .collect();
    let mut m = Mocks::new();
    m.assigned(true);
    m.photos
        .expect_list_photos()
        .withf(move |q| q.scope == PhotoScope::Project(project) && q.limit == 3)
        .return_const(Ok(rows.clone()));
    let page = m
        .media()
        .photographer_photos(
            &p,
            project,
            PageRequest {
                limit: 2,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next, Some(crate::listing::Cursor::of(&rows[1].photo)));
    let ready = &page.items[0];
    for url in [
        &ready.thumbnail_url,
        &ready.preview_url,
        &ready.full_url,
        &ready.watermarked_url,
    ] {
        assert!(url.as_deref().unwrap().contains("ttl=900"));
    }
    let awaiting = &page.items[1];
    assert!(
        awaiting.thumbnail_url.is_none()
            && awaiting.full_url.is_none()
            && awaiting.watermarked_url.is_none()
    );
    assert_eq!(ready.project_name, None);
    assert_eq!(ready.photographer_name.as_deref(), Some("Ann"));

    let mut m = Mocks::new();
    m.assigned(false);
    let e = m
        .media()
        .photographer_photos(&p, project, PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound));
}

#[tokio::test]
async fn operator_listings_are_scoped_to_the_operator() {
    let o = operator();
    let filter = OperatorFilter {
        project_ids: Some(vec![ProjectId::new()]),
        photographer_ids: None,
    };
    let expected = filter.clone();
    let op = o.as_operator();
    let mut m = Mocks::new();
    m.photos
        .expect_list_photos()
        .withf(move |q| {
            q.scope
                == PhotoScope::Operator {
                    operator: op,
                    project_ids: expected.project_ids.clone(),
                    photographer_ids: None,
                }
        })
        .return_const(Ok(vec![listing(photo_of(
            &photographer(Audience::Media),
            ProjectId::new(),
            PhotoStatus::Ready,
        ))]));
    let page = m
        .media()
        .operator_photos(&o, filter, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items[0].project_name.as_deref(), Some("Gala"));
    assert_eq!(page.next, None);

    let e = Mocks::new()
        .media()
        .operator_photos(
            &photographer(Audience::Backoffice),
            OperatorFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)));

    // another operator's project is not found
    let mut m = Mocks::new();
    m.directory.expect_project().return_const(Ok(Some(Project {
        id: ProjectId::new(),
        name: "x".into(),
        operator_id: OperatorId::new(),
        watermark_text: None,
    })));
    let e = m
        .media()
        .operator_project_photos(&o, ProjectId::new(), PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound));
}

fn purge_of(project: ProjectId, photo: PhotoId) -> JobPayload {
    JobPayload::PurgeObjects {
        targets: vec![PurgeTarget::Photo {
            project_id: project,
            photo_id: photo,
        }],
    }
}

#[tokio::test]
async fn photographers_delete_their_own_photos_durably() {
    let p = photographer(Audience::Backoffice);
    let project = ProjectId::new();
    let own = photo_of(&p, project, PhotoStatus::Ready);
    let id = own.id;
    let mut m = Mocks::new();
    m.assigned(true);
    m.photos.expect_photo().return_const(Ok(Some(own.clone())));
    m.photos
        .expect_delete_photo()
        .withf(move |i, jobs, _| *i == id && jobs == [purge_of(project, id)])
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.media()
        .photographer_delete_photo(&p, project, id)
        .await
        .unwrap();

    let mut m = Mocks::new();
    m.assigned(true);
    m.photos.expect_photo().return_const(Ok(Some(own.clone())));
    let e = m
        .media()
        .photographer_delete_photo(&photographer(Audience::Backoffice), project, id)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)));

    let mut m = Mocks::new();
    m.assigned(true);
    m.photos.expect_photo().return_const(Ok(Some(own)));
    let e = m
        .media()
        .photographer_delete_photo(&p, ProjectId::new(), id)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound));
}

#[tokio::test]
async fn operators_delete_any_photo_of_their_projects() {
    let o = operator();
    let project = Project {
        id: ProjectId::new(),
        name: "p".into(),
        operator_id: o.as_operator(),
        watermark_text: None,
    };
    let photo = photo_of(
        &photographer(Audience::Media),
        project.id,
        PhotoStatus::Ready,
    );
    let (pid, id) = (project.id, photo.id);
    let mut m = Mocks::new();
    m.directory
        .expect_project()
        .return_const(Ok(Some(project.clone())));
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.photos
        .expect_delete_photo()
        .withf(move |i, jobs, _| *i == id && jobs == [purge_of(pid, id)])
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.media().operator_delete_photo(&o, pid, id).await.unwrap();

    let mut m = Mocks::new();
    m.directory.expect_project().return_const(Ok(Some(project)));
    let e = m
        .media()
        .operator_delete_photo(&operator(), pid, id)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound));
}

// ---------------------------------------------------------------- selfies, consents, my photos

#[tokio::test]
async fn selfie_status_and_erasure() {
    let u = user();
    let mut m = Mocks::new();
    m.selfies.expect_latest_selfie().return_const(Ok(None));
    assert!(matches!(
        m.media().selfie_status(&u).await,
        Err(Error::NotFound)
    ));

    let mut s = selfie_of(&u, SelfieStatus::Rejected);
    s.rejection_reason = Some(RejectionReason::NoFace);
    let mut m = Mocks::new();
    m.selfies
        .expect_latest_selfie()
        .return_const(Ok(Some(s.clone())));
    let v = m.media().selfie_status(&u).await.unwrap();
    assert_eq!(
        (v.selfie_id, v.status, v.rejection_reason),
        (s.id, SelfieStatus::Rejected, Some(RejectionReason::NoFace))
    );

    let uid = u.as_user();
    let mut m = Mocks::new();
    m.selfies
        .expect_erase_biometrics()
        .withf(move |user, revoke, jobs, _| {
            *user == uid
                && revoke.is_none()
                && jobs
                    == [JobPayload::PurgeObjects {
                        targets: vec![PurgeTarget::AllSelfiesOf { user_id: uid }],
                    }]
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    m.media().delete_selfie(&u).await.unwrap();
}

#[tokio::test]
async fn consents_grant_list_and_revoke_with_erasure() {
    let u = user();
    let uid = u.as_user();
    let mut m = Mocks::new();
    m.selfies
        .expect_grant_consent()
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.selfies.expect_consents().return_const(Ok(vec![Consent {
        purpose: ConsentPurpose::BiometricProcessing,
        granted_at: NOW,
    }]));
    m.selfies
        .expect_erase_biometrics()
        .withf(move |user, revoke, jobs, _| {
            *user == uid && *revoke == Some(ConsentPurpose::BiometricProcessing) && jobs.len() == 1
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let media = m.media();
    media
        .grant_consent(&u, ConsentPurpose::BiometricProcessing)
        .await
        .unwrap();
    assert_eq!(media.consents(&u).await.unwrap().len(), 1);
    media
        .revoke_consent(&u, ConsentPurpose::BiometricProcessing)
        .await
        .unwrap();
    let e = media.consents(&operator()).await.unwrap_err();
    assert!(matches!(e, Error::Unauthorized(_)));
}

#[tokio::test]
async fn my_photos_give_watermarked_copies_to_consenting_members() {
    let u = user();
    let project = ProjectId::new();
    let photo = PhotoId::new();
    let mut m = Mocks::new();
    m.consent(true);
    m.directory.expect_is_member().return_const(Ok(true));
    m.faces
        .expect_matched_photos()
        .return_const(Ok(vec![MatchedPhoto {
            photo_id: photo,
            project_id: project,
            taken_at: None,
            distance: 0.2,
            thumbnails_done: true,
            watermark_done: true,
        }]));
    let photos = m.media().my_photos(&u, project).await.unwrap();
    assert_eq!(photos.len(), 1);
    let full = photos[0].full_url.as_deref().unwrap();
    assert!(
        full.contains("watermarked.jpg") && full.contains("ttl=900"),
        "{full}"
    );
    assert!(!full.contains("original"));

    let mut m = Mocks::new();
    m.consent(false);
    assert!(matches!(
        m.media().my_photos(&u, project).await,
        Err(Error::ConsentRequired)
    ));
    let mut m = Mocks::new();
    m.consent(true);
    m.directory.expect_is_member().return_const(Ok(false));
    assert!(matches!(
        m.media().my_photos(&u, project).await,
        Err(Error::NotFound)
    ));
}

// ---------------------------------------------------------------- jobs

#[test]
fn selfie_judgement_covers_every_reason() {
    use super::jobs::judge_selfie;
    assert_eq!(
        judge_selfie(vec![], 0.8),
        SelfieVerdict::Rejected(RejectionReason::NoFace)
    );
    assert_eq!(
        judge_selfie(vec![face(200.0, 0.5, 0)], 0.8),
        SelfieVerdict::Rejected(RejectionReason::NoFace)
    );
    assert_eq!(
        judge_selfie(vec![face(200.0, 0.9, 0), face(200.0, 0.95, 1)], 0.8),
        SelfieVerdict::Rejected(RejectionReason::MultipleFaces)
    );
    assert_eq!(
        judge_selfie(vec![face(200.0, 0.9, 0), face(200.0, 0.3, 1)], 0.8),
        SelfieVerdict::Approved {
            embedding: unit_vec(0)
        }
    );
    assert_eq!(
        judge_selfie(vec![face(79.0, 0.9, 0)], 0.8),
        SelfieVerdict::Rejected(RejectionReason::LowQuality)
    );
    assert_eq!(
        judge_selfie(vec![face(80.0, 0.9, 0)], 0.8),
        SelfieVerdict::Approved {
            embedding: unit_vec(0)
        }
    );
}

fn processing_selfie(m: &mut Mocks, s: &Selfie) {
    m.selfies.expect_selfie().return_const(Ok(Some(s.clone())));
    m.storage
        .expect_head()
        .returning(|_| Ok(Some(object(1000))));
}

#[tokio::test]
async fn an_approved_selfie_replaces_the_older_one_and_matches_every_project() {
    let u = user();
    let s = selfie_of(&u, SelfieStatus::Processing);
    let mut old = selfie_of(&u, SelfieStatus::Approved);
    old.created_at = NOW - Duration::from_secs(3600);
    old.key_timestamp_ms = 1;
    let (sid, old_id, uid) = (s.id, old.id, u.as_user());
    let projects = vec![ProjectId::new(), ProjectId::new()];
    let mut m = Mocks::new();
    m.consent(true);
    processing_selfie(&mut m, &s);
    m.selfies
        .expect_selfies_of()
        .return_const(Ok(vec![s.clone(), old]));
    m.directory
        .expect_projects_of_user()
        .return_const(Ok(projects.clone()));
    m.embedder
        .expect_detect_faces()
        .withf(|url| url.contains("selfies/") && url.contains("ttl=900"))
        .times(1)
        .returning(|_| Ok(vec![face(120.0, 0.99, 3)]));
    m.selfies
        .expect_approve_selfie()
        .withf(move |id, emb, superseded, jobs, _| {
            let clusters: Vec<_> = projects
                .iter()
                .map(|p| JobPayload::ClusterFaces { project_id: *p })
                .collect();
            *id == sid
                && emb == unit_vec(3).as_slice()
                && superseded == [old_id]
                && jobs[..2] == clusters[..]
                && jobs[2]
                    == JobPayload::PurgeObjects {
                        targets: vec![PurgeTarget::Selfie {
                            user_id: uid,
                            timestamp_ms: 1,
                        }],
                    }
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(true));
    let out = m
        .media()
        .handle(&JobPayload::ProcessSelfie { selfie_id: sid })
        .await
        .unwrap();
    assert_eq!(out, JobOutcome::Done);
}

#[tokio::test]
async fn rejected_selfies_keep_their_reason() {
    for (faces, reason) in [
        (vec![], RejectionReason::NoFace),
        (
            vec![face(100.0, 0.9, 0), face(100.0, 0.9, 1)],
            RejectionReason::MultipleFaces,
        ),
        (vec![face(50.0, 0.9, 0)], RejectionReason::LowQuality),
    ] {
        let u = user();
        let s = selfie_of(&u, SelfieStatus::Processing);
        let sid = s.id;
        let mut m = Mocks::new();
        m.consent(true);
        processing_selfie(&mut m, &s);
        m.embedder
            .expect_detect_faces()
            .return_once(move |_| Ok(faces));
        m.selfies
            .expect_reject_selfie()
            .withf(move |id, r, _| *id == sid && *r == reason)
            .times(1)
            .returning(|_, _, _| Ok(()));
        m.media()
            .handle(&JobPayload::ProcessSelfie { selfie_id: sid })
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_revoked_consent_stops_selfie_processing_before_retina() {
    let u = user();
    let s = selfie_of(&u, SelfieStatus::Processing);
    let mut m = Mocks::new();
    m.consent(false);
    m.selfies.expect_selfie().return_const(Ok(Some(s.clone())));
    m.embedder.expect_detect_faces().never();
    m.selfies.expect_approve_selfie().never();
    let out = m
        .media()
        .handle(&JobPayload::ProcessSelfie { selfie_id: s.id })
        .await
        .unwrap();
    assert_eq!(out, JobOutcome::Done);

    // erased meanwhile: the row is gone
    let mut m = Mocks::new();
    m.selfies.expect_selfie().return_const(Ok(None));
    m.embedder.expect_detect_faces().never();
    assert_eq!(
        m.media()
            .handle(&JobPayload::ProcessSelfie { selfie_id: s.id })
            .await
            .unwrap(),
        JobOutcome::Done
    );
}

#[tokio::test]
async fn retina_errors_fail_or_retry_the_selfie() {
    let u = user();
    let s = selfie_of(&u, SelfieStatus::Processing);
    let sid = s.id;
    let mut m = Mocks::new();
    m.consent(true);
    processing_selfie(&mut m, &s);
    m.embedder
        .expect_detect_faces()
        .returning(|_| Err(Error::permanent("422 unusable image")));
    m.selfies
        .expect_fail_selfie()
        .withf(move |id, r, _| *id == sid && *r == FailureReason::RetinaRejected)
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.media()
        .handle(&JobPayload::ProcessSelfie { selfie_id: sid })
        .await
        .unwrap();

    let mut m = Mocks::new();
    m.consent(true);
    processing_selfie(&mut m, &s);
    m.embedder
        .expect_detect_faces()
        .returning(|_| Err(Error::unavailable("503")));
    let e = m
        .media()
        .handle(&JobPayload::ProcessSelfie { selfie_id: sid })
        .await
        .unwrap_err();
    assert!(e.is_retryable());

    // Without a face service, the job waits without spending attempts.
    let mut m = Mocks::new();
    m.consent(true);
    m.selfies.expect_selfie().return_const(Ok(Some(s.clone())));
    m.embedder = MockFaceEmbedder::new();
    m.embedder.expect_is_configured().return_const(false);
    let out = m
        .media()
        .handle(&JobPayload::ProcessSelfie { selfie_id: sid })
        .await
        .unwrap();
    assert!(matches!(out, JobOutcome::Deferred(at) if at > NOW));
}

#[tokio::test]
async fn a_dead_selfie_job_ends_retina_unavailable() {
    let u = user();
    let s = selfie_of(&u, SelfieStatus::Processing);
    let sid = s.id;
    let mut m = Mocks::new();
    m.selfies.expect_selfie().return_const(Ok(Some(s)));
    m.selfies
        .expect_fail_selfie()
        .withf(move |id, r, _| *id == sid && *r == FailureReason::RetinaUnavailable)
        .times(1)
        .returning(|_, _, _| Ok(()));
    let job = Job {
        id: JobId::new(),
        payload: JobPayload::ProcessSelfie { selfie_id: sid },
        status: JobStatus::Running,
        attempts: 5,
        max_attempts: 5,
        last_error: None,
        run_at: NOW,
        created_at: NOW,
    };
    m.media()
        .on_job_dead(&job, &Error::unavailable("timeout"))
        .await
        .unwrap();
}

#[tokio::test]
async fn thumbnails_are_written_and_faces_detected_once() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
    let (id, project) = (photo.id, photo.project_id);
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.storage
        .expect_head()
        .returning(|_| Ok(Some(object(1000))));
    m.storage.expect_get().returning(|_| Ok(tiny_jpeg()));
    let written = Arc::new(Mutex::new(Vec::new()));
    let w = written.clone();
    m.storage.expect_put().returning(move |k, _, ct| {
        assert_eq!(ct, "image/jpeg");
        w.lock().unwrap().push(k.to_string());
        Ok(())
    });
    m.photos
        .expect_record_thumbnails()
        .withf(move |i, meta| *i == id && (meta.width, meta.height) == (64, 48))
        .times(1)
        .returning(|_, _| Ok(true));
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
        .withf(move |i, embs, jobs, _| {
            *i == id
                && embs == [unit_vec(1), unit_vec(2)]
                && jobs
                    == [JobPayload::ClusterFaces {
                        project_id: project,
                    }]
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let out = m.media().handle(&JobPayload::thumbnails(id)).await.unwrap();
    assert_eq!(out, JobOutcome::Done);
    let written = written.lock().unwrap();
    assert!(written.iter().any(|k| k.ends_with("thumb-400.jpg")));
    assert!(written.iter().any(|k| k.ends_with("thumb-800.jpg")));
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
        m.photos
            .expect_photo()
            .return_const(Ok(Some(photo.clone())));
        m.storage.expect_head().returning(|_| Ok(Some(object(10))));
        m.storage.expect_get().return_once(move |_| Ok(bytes));
        m.storage.expect_put().never();
        m.photos
            .expect_fail_photo()
            .withf(move |i, r| *i == id && *r == reason)
            .times(1)
            .returning(|_, _| Ok(()));
        assert_eq!(
            m.media().handle(&JobPayload::thumbnails(id)).await.unwrap(),
            JobOutcome::Done
        );
    }
}

#[tokio::test]
async fn a_permanent_retina_error_leaves_thumbnails_and_kills_the_job() {
    let p = photographer(Audience::Media);
    let mut photo = photo_of(&p, ProjectId::new(), PhotoStatus::Ready);
    photo.faces_done = false;
    let id = photo.id;
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.storage.expect_get().never(); // thumbnails exist: not rendered again
    m.embedder
        .expect_detect_faces()
        .returning(|_| Err(Error::permanent("400")));
    m.faces.expect_store_faces().never();
    let e = m
        .media()
        .handle(&JobPayload::thumbnails(id))
        .await
        .unwrap_err();
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_photo_deleted_during_processing_is_purged_again() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
    let (id, project) = (photo.id, photo.project_id);
    let mut m = Mocks::new();
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
    m.storage.expect_get().returning(|_| Ok(tiny_jpeg()));
    m.storage.expect_put().returning(|_, _, _| Ok(()));
    m.photos
        .expect_record_thumbnails()
        .returning(|_, _| Ok(false));
    m.queue
        .expect_enqueue()
        .withf(move |jobs, _| jobs == [purge_of(project, id)])
        .times(1)
        .returning(|_, _| Ok(()));
    m.embedder.expect_detect_faces().never();
    m.media().handle(&JobPayload::thumbnails(id)).await.unwrap();
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
    m.storage.expect_get().returning(|_| Ok(tiny_jpeg()));
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
        .returning(|_| Ok(true));
    m.media()
        .handle(&JobPayload::GenerateWatermark { photo_id: id })
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
            through_seq: 0,
        },
        MemberSelfie {
            user_id: current,
            selfie_id: current_selfie,
            embedding: unit_vec(0),
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
            },
            PhotoFace {
                seq: 8,
                photo_id: near,
                embedding: unit_vec(0),
            },
            PhotoFace {
                seq: 9,
                photo_id: far,
                embedding: unit_vec(1),
            },
        ]));
    m.faces
        .expect_record_matches()
        .withf(move |p, through, found| {
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
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
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
        .handle(&JobPayload::PurgeObjects {
            targets: targets.clone(),
        })
        .await
        .unwrap();

    let mut m = Mocks::new();
    m.storage
        .expect_delete_prefix()
        .returning(|_| Err(Error::unavailable("store down")));
    let e = m
        .media()
        .handle(&JobPayload::PurgeObjects { targets })
        .await
        .unwrap_err();
    assert!(e.is_retryable(), "a purge against a down store retries");
}

// ---------------------------------------------------------------- worker

fn claimed(payload: JobPayload, attempts: u32) -> Job {
    Job {
        id: JobId::new(),
        payload,
        status: JobStatus::Running,
        attempts,
        max_attempts: 5,
        last_error: None,
        run_at: NOW,
        created_at: NOW,
    }
}

#[tokio::test]
async fn the_worker_completes_retries_and_buries_jobs() {
    let failing = JobPayload::PurgeObjects {
        targets: vec![PurgeTarget::AllSelfiesOf {
            user_id: UserId::new(),
        }],
    };

    // success → complete
    let mut m = Mocks::new();
    let job = claimed(failing.clone(), 1);
    let id = job.id;
    m.queue
        .expect_claim()
        .return_once(move |_, _, _| Ok(Some(job)));
    m.storage.expect_delete_prefix().returning(|_| Ok(0));
    m.queue
        .expect_complete()
        .withf(move |i, w, _| *i == id && w == "w1")
        .times(1)
        .returning(|_, _, _| Ok(()));
    let ev = Worker::new(m.media(), "w1", Duration::from_secs(30))
        .run_once()
        .await
        .unwrap();
    assert!(matches!(
        ev,
        WorkerEvent::Ran {
            outcome: "done",
            ..
        }
    ));

    // retryable failure before the last attempt → queued again later
    let mut m = Mocks::new();
    let job = claimed(failing.clone(), 2);
    m.queue
        .expect_claim()
        .return_once(move |_, _, _| Ok(Some(job)));
    m.storage
        .expect_delete_prefix()
        .returning(|_| Err(Error::unavailable("down")));
    m.queue
        .expect_fail()
        .withf(|_, _, err, retry_at, _| {
            err.contains("down") && retry_at.is_some_and(|t| t >= NOW + Duration::from_secs(2))
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    let ev = Worker::new(m.media(), "w1", Duration::from_secs(30))
        .run_once()
        .await
        .unwrap();
    assert!(matches!(
        ev,
        WorkerEvent::Ran {
            outcome: "retry",
            ..
        }
    ));

    // the last attempt → dead, and the dead-job hook runs
    let mut m = Mocks::new();
    let job = claimed(failing, 5);
    m.queue
        .expect_claim()
        .return_once(move |_, _, _| Ok(Some(job)));
    m.storage
        .expect_delete_prefix()
        .returning(|_| Err(Error::unavailable("down")));
    m.queue
        .expect_fail()
        .withf(|_, _, _, retry_at, _| retry_at.is_none())
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    let ev = Worker::new(m.media(), "w1", Duration::from_secs(30))
        .run_once()
        .await
        .unwrap();
    assert!(matches!(
        ev,
        WorkerEvent::Ran {
            outcome: "dead",
            ..
        }
    ));

    // nothing due
    let mut m = Mocks::new();
    m.queue.expect_claim().returning(|_, _, _| Ok(None));
    assert_eq!(
        Worker::new(m.media(), "w1", Duration::from_secs(30))
            .run_once()
            .await
            .unwrap(),
        WorkerEvent::Idle
    );
}

#[tokio::test]
async fn deferred_jobs_are_released_without_spending_an_attempt() {
    let u = user();
    let s = selfie_of(&u, SelfieStatus::Processing);
    let mut m = Mocks::new();
    m.consent(true);
    m.selfies.expect_selfie().return_const(Ok(Some(s.clone())));
    m.embedder = MockFaceEmbedder::new();
    m.embedder.expect_is_configured().return_const(false);
    let job = claimed(JobPayload::ProcessSelfie { selfie_id: s.id }, 1);
    m.queue
        .expect_claim()
        .return_once(move |_, _, _| Ok(Some(job)));
    m.queue
        .expect_release()
        .withf(|_, _, at| *at > NOW)
        .times(1)
        .returning(|_, _, _| Ok(()));
    let ev = Worker::new(m.media(), "w", Duration::from_secs(30))
        .run_once()
        .await
        .unwrap();
    assert!(matches!(
        ev,
        WorkerEvent::Ran {
            outcome: "deferred",
            ..
        }
    ));
}

proptest::proptest! {
    #[test]
    fn backoff_grows_with_every_attempt(a in 1u32..11, j1 in 0.0f64..1.0, j2 in 0.0f64..1.0) {
        // Below the one-hour cap, the shortest delay of the next attempt is
        // the longest of this one, so any two draws grow.
        proptest::prop_assert!(backoff(a + 1, j2) > backoff(a, j1));
    }

    #[test]
    fn backoff_stays_within_the_cap(a in 1u32..u32::MAX, j in 0.0f64..=1.0) {
        let d = backoff(a, j);
        proptest::prop_assert!(d <= Duration::from_secs(3600));
        proptest::prop_assert!(d >= Duration::from_secs(1));
    }
}

// ---------------------------------------------------------------- operator tasks

#[tokio::test]
async fn reprocess_resets_the_chosen_steps() {
    let p = photographer(Audience::Media);
    let ready = photo_of(&p, ProjectId::new(), PhotoStatus::Ready);
    let id = ready.id;
    let mut m = Mocks::new();
    m.photos
        .expect_photo()
        .return_const(Ok(Some(ready.clone())));
    m.photos
        .expect_reset_photo()
        .withf(move |i, thumbs, wm, faces, jobs, _| {
            *i == id
                && (*thumbs, *wm, *faces) == (false, false, true)
                && jobs
                    == [JobPayload::GenerateThumbnail {
                        photo_id: id,
                        rerender: false,
                        faces_only: true,
                    }]
        })
        .times(1)
        .returning(|_, _, _, _, _, _| Ok(true));
    let jobs = m
        .media()
        .reprocess(&[id], ReprocessStep::Faces)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);

    // A failed photo is retried whole, whatever the step asked.
    let mut failed = ready.clone();
    failed.status = PhotoStatus::Failed;
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(Some(failed)));
    m.photos
        .expect_reset_photo()
        .withf(|_, thumbs, wm, _, jobs, _| *thumbs && *wm && jobs.len() == 2)
        .times(1)
        .returning(|_, _, _, _, _, _| Ok(true));
    m.media()
        .reprocess(&[id], ReprocessStep::Watermark)
        .await
        .unwrap();

    // Unknown photos are an error; awaited uploads are skipped.
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(None));
    assert!(matches!(
        m.media().reprocess(&[id], ReprocessStep::All).await,
        Err(Error::NotFound)
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
        m.media().upsert_project(&project_row).await,
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
        },
        ObjectInfo {
            key: orphan_key.clone(),
            size: 1,
            last_modified: None,
        },
        ObjectInfo {
            key: foreign_key,
            size: 1,
            last_modified: None,
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
        .withf(move |id, r, _| *id == sid && *r == FailureReason::RetinaUnavailable)
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.photos
        .expect_pending_photo_uploads()
        .return_const(Ok(vec![]));
    m.selfies
        .expect_pending_selfie_uploads()
        .return_const(Ok(vec![]));
    assert_eq!(m.media().maintenance().await.unwrap(), 1);
}
