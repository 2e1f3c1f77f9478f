//! "Take my photos home" (SPEC §3.13b) on mocks: the guards, the owner
//! rule, and the build job streaming watermarked copies part by part.

use std::io::Read;

use super::*;
use crate::keys;
use crate::service::JobOutcome;

fn building(user: UserId, project: ProjectId) -> Archive {
    Archive {
        id: ArchiveId::new(),
        user_id: user,
        project_id: project,
        status: ArchiveStatus::Building,
        photo_count: None,
        bytes: None,
        created_at: NOW,
        expires_at: None,
        matches: None,
    }
}

fn matched(project: ProjectId, watermark_done: bool) -> MatchedPhoto {
    MatchedPhoto {
        photo_id: PhotoId::new(),
        project_id: project,
        taken_at: Some(time::macros::datetime!(2026-05-01 18:30:12 UTC)),
        distance: 0.2,
        thumbnails_done: true,
        watermark_done,
        thumbhash: None,
    }
}

#[tokio::test]
async fn asking_for_an_archive_needs_membership_and_consent_and_enqueues_its_build() {
    let u = user();
    let project = ProjectId::new();
    let mut m = Mocks::new();
    m.consent(true);
    m.directory.expect_is_member().return_const(Ok(false));
    let e = m.media().request_archive(&u, project).await.unwrap_err();
    assert!(matches!(e, Error::NotFound), "{e:?}");

    let mut m = Mocks::new();
    m.consent(false);
    let e = m.media().request_archive(&u, project).await.unwrap_err();
    assert!(matches!(e, Error::ConsentRequired), "{e:?}");

    let mut m = Mocks::new();
    m.consent(true);
    m.directory.expect_is_member().return_const(Ok(true));
    m.faces.expect_matched_photos().returning(|_, _| Ok(vec![]));
    m.archives
        .expect_ready_archives()
        .returning(|_, _, _| Ok(vec![]));
    let uid = u.as_user();
    m.archives
        .expect_start_archive()
        .withf(move |a, replaced, jobs, _| {
            a.user_id == uid
                && a.project_id == project
                && a.status == ArchiveStatus::Building
                && replaced.is_empty()
                && jobs == [JobPayload::BuildArchive { archive_id: a.id }]
        })
        .times(1)
        .returning(|a, _, _, _| Ok(a.clone()));
    let v = m.media().request_archive(&u, project).await.unwrap();
    assert_eq!((v.status, v.url), (ArchiveStatus::Building, None));
}

/// Issue 26: a ready archive built from the photos matched now is
/// answered again, nothing written; once they change, a new build
/// replaces it (row deleted and ZIP purged with the new row).
#[tokio::test]
async fn a_ready_archive_is_answered_again_while_its_matches_are_unchanged() {
    let u = user();
    let uid = u.as_user();
    let project = ProjectId::new();
    let photos = vec![matched(project, true), matched(project, true)];
    let mut ready = building(uid, project);
    ready.status = ArchiveStatus::Ready;
    ready.expires_at = Some(NOW + Duration::from_secs(3600));
    ready.matches = Some(matches_digest(&photos));

    let mut m = Mocks::new();
    m.consent(true);
    m.directory.expect_is_member().return_const(Ok(true));
    let now_matched = photos.clone();
    m.faces
        .expect_matched_photos()
        .returning(move |_, _| Ok(now_matched.clone()));
    m.archives
        .expect_ready_archives()
        .return_const(Ok(vec![ready.clone()]));
    m.archives.expect_start_archive().never();
    let v = m.media().request_archive(&u, project).await.unwrap();
    assert_eq!((v.archive_id, v.status), (ready.id, ArchiveStatus::Ready));
    assert!(v.url.is_some());

    let mut m = Mocks::new();
    m.consent(true);
    m.directory.expect_is_member().return_const(Ok(true));
    let mut more = photos.clone();
    more.push(matched(project, true));
    m.faces
        .expect_matched_photos()
        .returning(move |_, _| Ok(more.clone()));
    m.archives
        .expect_ready_archives()
        .return_const(Ok(vec![ready.clone()]));
    let old = ready.id;
    m.archives
        .expect_start_archive()
        .withf(move |a, replaced, jobs, _| {
            replaced == [old]
                && jobs
                    == [
                        JobPayload::BuildArchive { archive_id: a.id },
                        JobPayload::purge(vec![PurgeTarget::Archive {
                            user_id: uid,
                            archive_id: old,
                        }]),
                    ]
        })
        .times(1)
        .returning(|a, _, _, _| Ok(a.clone()));
    let v = m.media().request_archive(&u, project).await.unwrap();
    assert_ne!(v.archive_id, old);
    assert_eq!(v.status, ArchiveStatus::Building);
}

#[tokio::test]
async fn an_archive_is_its_owners_only_and_its_url_is_a_presigned_get_once_ready() {
    let owner = user();
    let mut a = building(owner.as_user(), ProjectId::new());
    a.status = ArchiveStatus::Ready;
    a.photo_count = Some(3);
    a.bytes = Some(1234);
    a.expires_at = Some(NOW + Duration::from_secs(86_400));
    let id = a.id;
    let mut m = Mocks::new();
    m.archives.expect_archive().return_const(Ok(Some(a)));
    let media = m.media();
    let e = media.archive_status(&user(), id).await.unwrap_err();
    assert!(matches!(e, Error::NotFound), "someone else's: {e:?}");
    let v = media.archive_status(&owner, id).await.unwrap();
    let url = v.url.unwrap();
    assert!(
        url.contains(&format!("archives/{}/{id}.zip", owner.as_user())) && url.contains("ttl=900"),
        "{url}"
    );
    assert_eq!((v.photo_count, v.bytes), (Some(3), Some(1234)));
}

/// Mocks for a build of `a` over `photos`: the parts uploaded are kept.
fn build_mocks(a: &Archive, photos: Vec<MatchedPhoto>) -> (Mocks, Arc<Mutex<Vec<Vec<u8>>>>) {
    let mut m = Mocks::new();
    m.archives
        .expect_archive()
        .return_const(Ok(Some(a.clone())));
    m.directory.expect_project().return_const(Ok(Some(Project {
        id: a.project_id,
        name: "Gala: Zürich".into(),
        operator_id: OperatorId::new(),
        watermark_text: None,
    })));
    m.faces.expect_matched_photos().return_const(Ok(photos));
    let key = keys::archive(a.user_id, a.id);
    m.storage
        .expect_begin_upload()
        .withf(move |k, ct| *k == key && ct == "application/zip")
        .times(1)
        .returning(|_, _| Ok("upload-1".into()));
    let parts = Arc::new(Mutex::new(Vec::new()));
    let kept = parts.clone();
    m.storage
        .expect_upload_part()
        .returning(move |_, upload, n, body| {
            assert_eq!(upload, "upload-1");
            let mut p = kept.lock().unwrap();
            assert_eq!(n as usize, p.len() + 1, "parts numbered from 1, in order");
            p.push(body);
            Ok(format!("etag-{n}"))
        });
    (m, parts)
}

#[tokio::test]
async fn the_build_streams_the_watermarked_copies_into_a_zip_and_never_an_original() {
    let u = user();
    let a = building(u.as_user(), ProjectId::new());
    let (with_copy, no_copy_yet, gone) = (
        matched(a.project_id, true),
        matched(a.project_id, false),
        matched(a.project_id, true),
    );
    let (copy_id, gone_id) = (with_copy.photo_id, gone.photo_id);
    let (mut m, parts) = build_mocks(&a, vec![with_copy, no_copy_yet, gone]);
    m.storage.expect_get().returning(move |k, _, _| {
        assert!(k.as_str().ends_with("/watermarked.jpg"), "only copies: {k}");
        if k.as_str().contains(&gone_id.to_string()) {
            return Err(Error::NotFound);
        }
        Ok(Fetched::Bytes(b"\xff\xd8 watermarked".to_vec()))
    });
    m.storage
        .expect_finish_upload()
        .withf(|_, upload, parts| upload == "upload-1" && parts == ["etag-1"])
        .times(1)
        .returning(|_, _, _| Ok(()));
    let (id, expiry) = (a.id, NOW + Duration::from_secs(24 * 3600));
    let written = parts.clone();
    m.archives
        .expect_finish_archive()
        .withf(move |i, c, at| {
            let total: usize = written.lock().unwrap().iter().map(Vec::len).sum();
            *i == id && c.photo_count == 1 && c.bytes == total as u64 && *at == expiry
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    let out = m
        .media()
        .handle(&JobPayload::BuildArchive { archive_id: a.id })
        .await
        .unwrap();
    assert_eq!(out, JobOutcome::Done);
    let zip: Vec<u8> = parts.lock().unwrap().concat();
    let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut entry = archive.by_index(0).unwrap();
    assert_eq!(
        entry.name().unwrap(),
        format!("Gala_ Zürich/2026-05-01T18-30-12-{copy_id}.jpg")
    );
    let mut body = Vec::new();
    entry.read_to_end(&mut body).unwrap();
    assert_eq!(body, b"\xff\xd8 watermarked");
}

#[tokio::test]
async fn parts_are_cut_at_eight_mebibytes_so_memory_stays_bounded() {
    let u = user();
    let a = building(u.as_user(), ProjectId::new());
    let photos: Vec<_> = (0..5).map(|_| matched(a.project_id, true)).collect();
    let (mut m, parts) = build_mocks(&a, photos);
    // 5 × 3 MiB copies: parts of 8 MiB, then the rest.
    m.storage
        .expect_get()
        .returning(|_, _, _| Ok(Fetched::Bytes(vec![7u8; 3 << 20])));
    m.storage
        .expect_finish_upload()
        .withf(|_, _, parts| parts.len() == 2)
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.archives
        .expect_finish_archive()
        .returning(|_, _, _| Ok(true));
    m.media()
        .handle(&JobPayload::BuildArchive { archive_id: a.id })
        .await
        .unwrap();
    let sizes: Vec<usize> = parts.lock().unwrap().iter().map(Vec::len).collect();
    assert_eq!(sizes[0], 8 << 20, "{sizes:?}");
    assert!(sizes[1] < 8 << 20 && sizes[1] > 7 << 20, "{sizes:?}");
}

#[tokio::test]
async fn an_archive_erased_while_built_leaves_no_zip_and_a_failed_build_no_parts() {
    let u = user();
    let a = building(u.as_user(), ProjectId::new());
    let key = keys::archive(a.user_id, a.id);
    let (mut m, _) = build_mocks(&a, vec![]);
    m.storage.expect_finish_upload().returning(|_, _, _| Ok(()));
    m.archives
        .expect_finish_archive()
        .returning(|_, _, _| Ok(false));
    let gone = key.clone();
    m.storage
        .expect_delete()
        .withf(move |k| *k == gone)
        .times(1)
        .returning(|_| Ok(()));
    m.media()
        .handle(&JobPayload::BuildArchive { archive_id: a.id })
        .await
        .unwrap();

    let (mut m, _) = build_mocks(&a, vec![matched(a.project_id, true)]);
    m.storage
        .expect_get()
        .returning(|_, _, _| Err(Error::unavailable("store down")));
    m.storage
        .expect_abort_upload()
        .withf(move |k, upload| *k == key && upload == "upload-1")
        .times(1)
        .returning(|_, _| Ok(()));
    m.archives.expect_finish_archive().never();
    let e = m
        .media()
        .handle(&JobPayload::BuildArchive { archive_id: a.id })
        .await
        .unwrap_err();
    assert!(e.is_retryable());
}

#[tokio::test]
async fn expired_archives_go_with_their_zip() {
    let mut a = building(UserId::new(), ProjectId::new());
    a.status = ArchiveStatus::Ready;
    a.expires_at = Some(NOW - Duration::from_secs(1));
    let (id, user_id) = (a.id, a.user_id);
    let mut m = Mocks::new();
    m.archives
        .expect_expired_archives()
        .withf(|now, _| *now == NOW)
        .return_const(Ok(vec![a]));
    m.archives
        .expect_delete_archive()
        .withf(move |i, jobs, _| {
            *i == id
                && jobs
                    == [JobPayload::purge(vec![PurgeTarget::Archive {
                        user_id,
                        archive_id: id,
                    }])]
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    assert_eq!(m.media().expire_archives().await.unwrap(), 1);
}
