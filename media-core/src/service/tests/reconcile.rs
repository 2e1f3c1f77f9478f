//! The upload reconciler (`reconcile.rs`).

use super::*;

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
        .returning(|_, _, _| Ok(vec![]));
    m.storage.expect_head().returning(move |k| {
        Ok(k.as_str()
            .contains(&arrived_id.to_string())
            .then(|| object(5)))
    });
    m.photos
        .expect_mark_photo_uploaded()
        .withf(move |i, _, _, _| *i == arrived_id)
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.photos
        .expect_expire_photo()
        .withf(move |i| *i == old_id)
        .times(1)
        .returning(|_| Ok(()));
    assert_eq!(m.media().reconcile_uploads().await.unwrap(), (1, 1));
}

/// real one must not starve it: the reconciler resumes where it stopped.
#[tokio::test]
async fn abandoned_uploads_do_not_starve_the_reconciler() {
    let p = photographer(Audience::Media);
    let mut pending: Vec<Photo> = (0..201)
        .map(|i| {
            let mut ph = photo_of(&p, ProjectId::new(), PhotoStatus::AwaitingUpload);
            ph.created_at = NOW - Duration::from_secs(600) + Duration::from_millis(i);
            ph
        })
        .collect();
    pending.sort_by_key(|ph| (ph.created_at, ph.id));
    let real = pending[200].id;
    let mut m = Mocks::new();
    let all = pending.clone();
    m.photos
        .expect_pending_photo_uploads()
        .returning(move |_, after, limit| {
            Ok(all
                .iter()
                .filter(|ph| after.is_none_or(|(t, id)| (ph.created_at, ph.id) > (t, id)))
                .take(limit as usize)
                .cloned()
                .collect())
        });
    m.selfies
        .expect_pending_selfie_uploads()
        .returning(|_, _, _| Ok(vec![]));
    m.storage
        .expect_head()
        .returning(move |k| Ok(k.as_str().contains(&real.to_string()).then(|| object(5))));
    m.photos
        .expect_mark_photo_uploaded()
        .withf(move |i, _, _, _| *i == real)
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    let media = m.media();
    let mut arrived = 0;
    for _ in 0..3 {
        arrived += media.reconcile_uploads().await.unwrap().0;
    }
    assert_eq!(arrived, 1, "the real upload was found within three cycles");
}
