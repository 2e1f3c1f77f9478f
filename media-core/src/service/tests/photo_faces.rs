//! Faces of a photo (`jobs/derivatives.rs`, `jobs/pinned.rs`): what Retina
//! is shown, and what its errors leave.

use super::*;

#[tokio::test]
async fn a_permanent_retina_error_leaves_thumbnails_and_kills_the_job() {
    let p = photographer(Audience::Media);
    let mut photo = photo_of(&p, ProjectId::new(), PhotoStatus::Ready);
    photo.faces_done = false;
    let id = photo.id;
    let mut m = Mocks::new();
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.storage.expect_get().never(); // thumbnails exist: not rendered again
    m.storage
        .expect_head()
        .returning(|_| Ok(Some(object(1000))));
    m.embedder
        .expect_detect_faces()
        .returning(|_| Err(Error::permanent("400")));
    m.faces.expect_store_faces().never();
    let e = m
        .media()
        .handle(&JobPayload::thumbnails(ProjectId::new(), id))
        .await
        .unwrap_err();
    assert!(!e.is_retryable());
}

/// A presigned GET cannot carry `If-Match`: the original's version is
/// checked by HEAD before Retina is asked and after it answered. A PUT in
/// between fails the photo as `upload_changed` and stores none of its faces.
#[tokio::test]
async fn an_original_replaced_while_retina_reads_it_fails_the_photo() {
    let p = photographer(Audience::Media);
    let mut photo = photo_of(&p, ProjectId::new(), PhotoStatus::Ready);
    photo.faces_done = false;
    photo.original_etag = Some("v1".into());
    let id = photo.id;
    // Replaced while Retina read it; replaced before it was asked (one HEAD).
    for heads in [&["v1", "v2"][..], &["v2"]] {
        let mut m = Mocks::new();
        m.photos
            .expect_photo()
            .return_const(Ok(Some(photo.clone())));
        heads_answering(&mut m, heads);
        m.embedder
            .expect_detect_faces()
            .returning(|_| Ok(vec![face(120.0, 0.99, 3)]));
        m.faces.expect_store_faces().never();
        m.photos
            .expect_fail_photo()
            .withf(move |i, r, _, _| *i == id && *r == FailureReason::UploadChanged)
            .times(1)
            .returning(|_, _, _, _| Ok(true));
        let out = m
            .media()
            .handle(&JobPayload::thumbnails(ProjectId::new(), id))
            .await
            .unwrap();
        assert_eq!(out, JobOutcome::Done);
    }
}
