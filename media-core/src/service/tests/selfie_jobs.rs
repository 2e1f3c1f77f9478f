//! `process_selfie` and the selfie rules (`jobs/selfie.rs`).

use super::*;

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
            embedding: unit_vec(0),
            model: RETINA_TEST_MODEL.to_owned(),
        }
    );
    assert_eq!(
        judge_selfie(vec![face(79.0, 0.9, 0)], 0.8),
        SelfieVerdict::Rejected(RejectionReason::LowQuality)
    );
    assert_eq!(
        judge_selfie(vec![face(80.0, 0.9, 0)], 0.8),
        SelfieVerdict::Approved {
            embedding: unit_vec(0),
            model: RETINA_TEST_MODEL.to_owned(),
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
        .withf(move |id, model, emb, superseded, jobs, _| {
            let clusters: Vec<_> = projects
                .iter()
                .map(|p| JobPayload::ClusterFaces { project_id: *p })
                .collect();
            *id == sid
                && model == RETINA_TEST_MODEL
                && emb == unit_vec(3).as_slice()
                && superseded == [old_id]
                && jobs[..2] == clusters[..]
                && jobs[2]
                    == JobPayload::purge(vec![PurgeTarget::Selfie {
                        user_id: uid,
                        timestamp_ms: 1,
                    }])
                // Issue 26: swept again once an upload URL issued for the
                // superseded selfie can no longer write, as deletions are.
                && jobs[3]
                    == JobPayload::purge_at(
                        vec![PurgeTarget::Selfie {
                            user_id: uid,
                            timestamp_ms: 1,
                        }],
                        NOW + crate::settings::UPLOAD_URL_TTL + Settings::default().upload_grace,
                    )
        })
        .times(1)
        .returning(|_, _, _, _, _, _| Ok(true));
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
        // Issue 26: a rejected selfie's object is purged at once.
        let purge = JobPayload::purge(vec![PurgeTarget::Selfie {
            user_id: s.user_id,
            timestamp_ms: s.key_timestamp_ms,
        }]);
        let mut m = Mocks::new();
        m.consent(true);
        processing_selfie(&mut m, &s);
        m.embedder
            .expect_detect_faces()
            .return_once(move |_| Ok(faces));
        m.selfies
            .expect_reject_selfie()
            .withf(move |id, r, jobs, _| *id == sid && *r == reason && jobs == [purge.clone()])
            .times(1)
            .returning(|_, _, _, _| Ok(true));
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
        .withf(move |id, r, _, _| *id == sid && *r == FailureReason::RetinaRejected)
        .times(1)
        .returning(|_, _, _, _| Ok(true));
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
        // Kept: retrying the dead job processes it again (issue 26).
        .withf(move |id, r, jobs, _| {
            *id == sid
                && *r == FailureReason::RetinaUnavailable
                && jobs.iter().all(|j| j.kind() != JobKind::PurgeObjects)
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
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

/// A presigned GET cannot carry `If-Match`: the version is checked by HEAD
/// before Retina is asked and after it answered. A PUT in between fails the
/// selfie as `upload_changed` and stores no embedding.
#[tokio::test]
async fn a_selfie_replaced_while_retina_reads_it_fails_as_changed() {
    let u = user();
    let mut s = selfie_of(&u, SelfieStatus::Processing);
    s.original_etag = Some("v1".into());
    let sid = s.id;
    let mut m = Mocks::new();
    m.consent(true);
    m.selfies.expect_selfie().return_const(Ok(Some(s)));
    heads_answering(&mut m, &["v1", "v2"]);
    m.embedder
        .expect_detect_faces()
        .times(1)
        .returning(|_| Ok(vec![face(120.0, 0.99, 3)]));
    m.selfies.expect_approve_selfie().never();
    m.selfies
        .expect_fail_selfie()
        // The unusable object is purged at once (issue 26).
        .withf(move |id, r, jobs, _| {
            *id == sid
                && *r == FailureReason::UploadChanged
                && jobs.iter().any(|j| j.kind() == JobKind::PurgeObjects)
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    let out = m
        .media()
        .handle(&JobPayload::ProcessSelfie { selfie_id: sid })
        .await
        .unwrap();
    assert_eq!(out, JobOutcome::Done);
}
