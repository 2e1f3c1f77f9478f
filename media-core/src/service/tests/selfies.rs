//! Selfie status and erasure, consents (`selfies.rs`), my photos and "not me" (`my_photos.rs`).

use super::*;
use crate::keys;

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
        .withf(move |user, revoke, through_ms, jobs, _| {
            let target = PurgeTarget::SelfiesOf {
                user_id: uid,
                through_ms: keys::timestamp_ms(NOW),
            };
            // Rows and objects are cut at the same instant: the erasure's.
            *user == uid
                && revoke.is_none()
                && *through_ms == keys::timestamp_ms(NOW)
                && jobs
                    == [
                        // Archives hold matched photos: they go with the erasure;
                        // one job, the sweep queued once it has run (issue 26).
                        JobPayload::erasure_purge(
                            uid,
                            vec![target.clone(), PurgeTarget::ArchivesOf { user_id: uid }],
                            None,
                        ),
                    ]
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    m.media().delete_selfie(&u).await.unwrap();
}

#[tokio::test]
async fn consents_grant_list_and_revoke_with_erasure() {
    let u = user();
    let uid = u.as_user();
    let mut m = Mocks::new();
    m.consents
        .expect_grant_consent()
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.consents.expect_consents().return_const(Ok(vec![Consent {
        purpose: ConsentPurpose::BiometricProcessing,
        granted_at: NOW,
    }]));
    m.selfies
        .expect_erase_biometrics()
        .withf(move |user, revoke, _, jobs, _| {
            // One purge; its sweep is queued once it has run (issue 26).
            *user == uid && *revoke == Some(ConsentPurpose::BiometricProcessing) && jobs.len() == 1
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
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
            thumbhash: None,
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

#[tokio::test]
async fn not_me_suppresses_only_a_members_own_match_with_consent() {
    let u = user();
    let project = ProjectId::new();
    let photo = PhotoId::new();
    let uid = u.as_user();
    let mut m = Mocks::new();
    m.consent(true);
    m.directory.expect_is_member().return_const(Ok(true));
    m.faces
        .expect_suppress_match()
        .withf(move |p, who, ph, now| *p == project && *who == uid && *ph == photo && *now == NOW)
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.media().not_me(&u, project, photo).await.unwrap();

    // Not in the user's photos: 404, whoever's photo it is.
    let mut m = Mocks::new();
    m.consent(true);
    m.directory.expect_is_member().return_const(Ok(true));
    m.faces
        .expect_suppress_match()
        .returning(|_, _, _, _| Ok(false));
    assert!(matches!(
        m.media().not_me(&u, project, photo).await,
        Err(Error::NotFound)
    ));
    // The guards of §3.13 come first, and nothing is suppressed.
    let mut m = Mocks::new();
    m.consent(false);
    m.faces.expect_suppress_match().never();
    assert!(matches!(
        m.media().not_me(&u, project, photo).await,
        Err(Error::ConsentRequired)
    ));
    let mut m = Mocks::new();
    m.consent(true);
    m.directory.expect_is_member().return_const(Ok(false));
    m.faces.expect_suppress_match().never();
    assert!(matches!(
        m.media().not_me(&u, project, photo).await,
        Err(Error::NotFound)
    ));
}
