//! Events (SPEC §9): which change announces what, with events on; the
//! tests of the other modules run with events off and see no event job.

use super::*;
use crate::service::JobOutcome;

fn events_on(m: &mut Mocks) -> &mut MockEventSink {
    let mut sink = MockEventSink::new();
    sink.expect_is_configured().return_const(true);
    m.events = Some(sink);
    m.events.as_mut().unwrap()
}

fn delivered(jobs: &[JobPayload]) -> Vec<&Event> {
    jobs.iter()
        .filter_map(|j| match j {
            JobPayload::DeliverEvent { event } => Some(event),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_record_that_may_make_a_photo_ready_carries_photo_ready() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
    let (id, project, by) = (photo.id, photo.project_id, photo.photographer_id);
    let mut m = Mocks::new();
    events_on(&mut m);
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.directory.expect_project().return_const(Ok(None));
    m.storage.expect_head().returning(|_| Ok(Some(object(10))));
    m.storage
        .expect_get()
        .returning(|_, _, _| Ok(Fetched::Bytes(tiny_jpeg())));
    m.storage.expect_put().returning(|_, _, _| Ok(()));
    m.photos
        .expect_record_watermark()
        .withf(move |i, on_ready, _| {
            let events = delivered(on_ready);
            *i == id
                && events.len() == 1
                && events[0].data
                    == EventData::PhotoReady {
                        photo_id: id,
                        project_id: project,
                        photographer_id: by,
                        failure_reason: None,
                    }
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.media()
        .handle(&JobPayload::watermark(project, id))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_photo_that_fails_announces_why_in_the_same_change() {
    let p = photographer(Audience::Media);
    let photo = photo_of(&p, ProjectId::new(), PhotoStatus::Processing);
    let id = photo.id;
    let mut m = Mocks::new();
    events_on(&mut m);
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    m.directory.expect_project().return_const(Ok(None));
    m.storage
        .expect_get()
        .returning(|_, _, _| Ok(Fetched::Bytes(b"not an image".to_vec())));
    m.photos
        .expect_fail_photo()
        .withf(move |i, reason, jobs, _| {
            let events = delivered(jobs);
            *i == id
                && events.len() == 1
                && matches!(events[0].data, EventData::PhotoFailed { photo_id, failure_reason: Some(r), .. }
                    if photo_id == id && r == *reason)
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.media()
        .handle(&JobPayload::watermark(ProjectId::new(), id))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_rejected_selfie_announces_its_reason() {
    let u = user();
    let s = selfie_of(&u, SelfieStatus::Processing);
    let (sid, uid) = (s.id, u.as_user());
    let mut m = Mocks::new();
    events_on(&mut m);
    m.consent(true);
    m.selfies.expect_selfie().return_const(Ok(Some(s)));
    m.storage
        .expect_head()
        .returning(|_| Ok(Some(object(1000))));
    m.embedder.expect_detect_faces().returning(|_| Ok(vec![]));
    m.selfies
        .expect_reject_selfie()
        .withf(move |id, _, jobs, _| {
            let events = delivered(jobs);
            *id == sid
                && events.len() == 1
                && events[0].data
                    == EventData::SelfieRejected {
                        selfie_id: sid,
                        user_id: uid,
                        reason: Some(RejectionReason::NoFace),
                    }
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.media()
        .handle(&JobPayload::ProcessSelfie { selfie_id: sid })
        .await
        .unwrap();
}

#[tokio::test]
async fn an_erasure_purge_announces_its_completion_with_the_id_chosen_at_the_request() {
    let u = user();
    let uid = u.as_user();
    let seen = Arc::new(Mutex::new(None));
    let mut m = Mocks::new();
    events_on(&mut m);
    let keep = seen.clone();
    m.selfies
        .expect_erase_biometrics()
        .withf(|_, _, _, jobs, _| {
            jobs.len() == 1
                && matches!(&jobs[0], JobPayload::PurgeObjects { erasure: Some(n), .. }
                if n.cause == ErasureCause::ConsentRevoked)
        })
        .times(1)
        .returning(move |_, _, _, jobs, _| {
            *keep.lock().unwrap() = Some(jobs[0].clone());
            Ok(())
        });
    m.storage.expect_list_prefix().returning(|_| Ok(vec![]));
    m.storage.expect_delete_prefix().returning(|_| Ok(0));
    let media = m.media();
    media
        .revoke_consent(&u, ConsentPurpose::BiometricProcessing)
        .await
        .unwrap();
    let purge = seen.lock().unwrap().clone().unwrap();
    let JobPayload::PurgeObjects {
        erasure: Some(notice),
        ..
    } = &purge
    else {
        unreachable!()
    };
    let out = media.handle(&purge).await.unwrap();
    let JobOutcome::Then(then) = out else {
        panic!("{out:?}")
    };
    let events = delivered(&then);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].id, notice.event_id,
        "the id of the request, on every run"
    );
    assert!(matches!(
        &events[0].data,
        EventData::ErasureCompleted { user_id, cause: ErasureCause::ConsentRevoked, .. } if *user_id == uid
    ));
    // Its sweep, queued once it has run: after the URLs (600 s) and the grace (300 s).
    assert!(
        then.iter().any(|j| matches!(j, JobPayload::PurgeObjects {
            not_before: Some(at),
            step: Some(ErasureStep::Sweep { user_id }),
            ..
        } if *at == NOW + Duration::from_secs(900) && *user_id == uid)),
        "{then:?}"
    );
}

#[tokio::test]
async fn matches_add_one_notice_per_matched_member_due_after_the_debounce() {
    let project = ProjectId::new();
    let (matched, unmatched) = (UserId::new(), UserId::new());
    let photo = PhotoId::new();
    let mut m = Mocks::new();
    events_on(&mut m);
    m.faces.expect_matchable_members().return_const(Ok(vec![
        MemberSelfie {
            user_id: matched,
            selfie_id: SelfieId::new(),
            embedding: unit_vec(1),
            model: RETINA_TEST_MODEL.to_owned(),
            through_seq: 0,
        },
        MemberSelfie {
            user_id: unmatched,
            selfie_id: SelfieId::new(),
            embedding: unit_vec(2),
            model: RETINA_TEST_MODEL.to_owned(),
            through_seq: 0,
        },
    ]));
    m.faces.expect_faces_after().returning(move |_, after, _| {
        Ok(if after == 0 {
            vec![PhotoFace {
                seq: 1,
                photo_id: photo,
                embedding: unit_vec(1),
                model: RETINA_TEST_MODEL.to_owned(),
            }]
        } else {
            vec![]
        })
    });
    m.faces
        .expect_record_matches()
        .withf(move |_, _, _, announce, notices, _| {
            *announce
                && notices
                    == [JobPayload::NotifyMatches {
                        project_id: project,
                        user_id: matched,
                        not_before: Some(NOW + Duration::from_secs(60)),
                    }]
        })
        .times(1)
        .returning(|_, _, _, _, _, _| Ok(()));
    m.media()
        .handle(&JobPayload::ClusterFaces {
            project_id: project,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_notice_announces_every_unannounced_match_once_and_reads_again_after_a_race() {
    let (project, user_id) = (ProjectId::new(), UserId::new());
    let photos = vec![PhotoId::new(), PhotoId::new()];
    let mut m = Mocks::new();
    events_on(&mut m);
    let reads = Arc::new(Mutex::new(0));
    let (r, first) = (reads.clone(), photos.clone());
    m.faces
        .expect_unannounced_matches()
        .times(2)
        .returning(move |_, _| {
            let mut n = r.lock().unwrap();
            *n += 1;
            // A "not me" between the first read and its announcement.
            Ok(if *n == 1 {
                first.clone()
            } else {
                first[..1].to_vec()
            })
        });
    let left = photos[0];
    m.faces
        .expect_announce_matches()
        .times(2)
        .returning(move |_, _, got, jobs, _| {
            let events = delivered(jobs);
            assert_eq!(events.len(), 1);
            Ok(got == [left]
                && matches!(&events[0].data, EventData::MatchesAdded { photo_ids, count: 1, .. } if photo_ids == &[left]))
        });
    let out = m
        .media()
        .handle(&JobPayload::NotifyMatches {
            project_id: project,
            user_id,
            not_before: None,
        })
        .await
        .unwrap();
    assert_eq!(out, JobOutcome::Done);
}

#[tokio::test]
async fn a_delivery_that_fails_retries_on_the_events_schedule() {
    let mut m = Mocks::new();
    events_on(&mut m)
        .expect_deliver()
        .returning(|_, _| Err(Error::unavailable("503")));
    let event = Event::new(
        EventData::SelfieApproved {
            selfie_id: SelfieId::new(),
            user_id: UserId::new(),
            reason: None,
        },
        NOW,
    );
    let media = m.media();
    let job = claimed(JobPayload::deliver(event.clone()), 2);
    let e = media.handle(&job.payload).await.unwrap_err();
    assert!(e.is_retryable());
    // Attempt 2 of an event: 30–60 s with the 10 s base; any other job 2–4 s.
    let d = media.retry_delay(&job, 0.0);
    assert_eq!(d, Duration::from_secs(30));
    let other = claimed(
        JobPayload::ClusterFaces {
            project_id: ProjectId::new(),
        },
        2,
    );
    assert_eq!(media.retry_delay(&other, 0.0), Duration::from_secs(2));
}

#[tokio::test]
async fn without_a_receiver_a_queued_delivery_waits_and_nothing_is_sent() {
    let event = Event::new(
        EventData::SelfieApproved {
            selfie_id: SelfieId::new(),
            user_id: UserId::new(),
            reason: None,
        },
        NOW,
    );
    let out = Mocks::new()
        .media()
        .handle(&JobPayload::deliver(event))
        .await
        .unwrap();
    assert!(matches!(out, JobOutcome::Deferred(at) if at > NOW));
}
