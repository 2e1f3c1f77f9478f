//! Selfies, consents, approval and erasure.

use super::*;

async fn selfies_consents_approval_and_erasure(store: &impl Store) {
    let w = world(store).await;
    let user = UserId::new();
    let t = now();
    store
        .grant_consent(user, ConsentPurpose::BiometricProcessing, t)
        .await
        .unwrap();
    store
        .grant_consent(
            user,
            ConsentPurpose::BiometricProcessing,
            t + Duration::from_secs(5),
        )
        .await
        .unwrap();
    let consents = store.consents(user).await.unwrap();
    assert_eq!(
        consents,
        vec![Consent {
            purpose: ConsentPurpose::BiometricProcessing,
            granted_at: t
        }],
        "first grant kept"
    );
    assert!(
        store
            .has_consent(user, ConsentPurpose::BiometricProcessing)
            .await
            .unwrap()
    );
    store.join(w.project, user, &[], t).await.unwrap();

    let first = new_selfie(user, t - Duration::from_secs(60));
    let second = new_selfie(user, t);
    store.create_selfie(&first).await.unwrap();
    store.create_selfie(&second).await.unwrap();
    assert_eq!(
        store.latest_selfie(user).await.unwrap().unwrap().id,
        second.id
    );
    assert_eq!(
        store
            .selfie_by_key(user, first.key_timestamp_ms)
            .await
            .unwrap()
            .unwrap()
            .id,
        first.id
    );
    store
        .mark_selfie_uploaded(first.id, Some("\"e1\"".into()), &[], t)
        .await
        .unwrap();
    assert_eq!(
        store.selfie(first.id).await.unwrap().unwrap().original_etag,
        Some("\"e1\"".into()),
        "the completed upload's ETag is kept for the job"
    );
    assert!(
        store
            .approve_selfie(first.id, TEST_MODEL, &unit(1), &[], &[], t)
            .await
            .unwrap()
    );
    assert_eq!(
        store.approved_embedding(user).await.unwrap(),
        Some((first.id, unit(1)))
    );
    assert_eq!(
        progress(store, w.project, user).await,
        Some((first.id, 0)),
        "a consenting member with an approved selfie is matchable"
    );
    assert!(
        !store
            .approve_selfie(first.id, TEST_MODEL, &unit(1), &[], &[], t)
            .await
            .unwrap(),
        "only while processing"
    );

    // A newer approval replaces the older selfie, its matches and progress.
    let p = new_photo(&w, None, t);
    store.create_photo_if_assigned(&p).await.unwrap();
    record(
        store,
        w.project,
        user,
        first.id,
        &[FaceMatch {
            user_id: user,
            project_id: w.project,
            photo_id: p.id,
            distance: 0.2,
        }],
        5,
    )
    .await;
    store
        .mark_selfie_uploaded(second.id, None, &[], t)
        .await
        .unwrap();
    let cluster = JobPayload::ClusterFaces {
        project_id: w.project,
    };
    assert!(
        store
            .approve_selfie(
                second.id,
                TEST_MODEL,
                &unit(2),
                &[first.id],
                std::slice::from_ref(&cluster),
                t
            )
            .await
            .unwrap()
    );
    assert!(
        store.selfie(first.id).await.unwrap().is_none(),
        "superseded row gone"
    );
    assert!(
        store.matches_of_user(user).await.unwrap().is_empty(),
        "old matches gone"
    );
    assert_eq!(
        progress(store, w.project, user).await,
        Some((second.id, 0)),
        "progress reset"
    );
    assert!(
        store
            .list(&[JobStatus::Queued], 10)
            .await
            .unwrap()
            .iter()
            .any(|j| j.payload == cluster)
    );

    // Rejection and failure keep their reasons.
    let third = new_selfie(user, t + Duration::from_secs(1));
    store.create_selfie(&third).await.unwrap();
    store
        .reject_selfie(third.id, RejectionReason::MultipleFaces, &[], t)
        .await
        .unwrap();
    let got = store.selfie(third.id).await.unwrap().unwrap();
    assert_eq!(
        (got.status, got.rejection_reason),
        (SelfieStatus::Rejected, Some(RejectionReason::MultipleFaces))
    );
    assert!(got.processed_at.is_some());
    let fourth = new_selfie(user, t + Duration::from_secs(2));
    store.create_selfie(&fourth).await.unwrap();
    store
        .fail_selfie(fourth.id, FailureReason::RetinaUnavailable, &[], t)
        .await
        .unwrap();
    assert_eq!(
        store
            .selfie(fourth.id)
            .await
            .unwrap()
            .unwrap()
            .failure_reason,
        Some(FailureReason::RetinaUnavailable)
    );

    // Revocation erases every biometric row.
    record(
        store,
        w.project,
        user,
        second.id,
        &[FaceMatch {
            user_id: user,
            project_id: w.project,
            photo_id: p.id,
            distance: 0.2,
        }],
        5,
    )
    .await;
    // A retake issued after the erasure's instant is not the erasure's.
    let retake = new_selfie(user, t + Duration::from_secs(3600));
    store.create_selfie(&retake).await.unwrap();
    let cut = media_core::keys::timestamp_ms(t + Duration::from_secs(1800));
    store
        .erase_biometrics(user, Some(ConsentPurpose::BiometricProcessing), cut, &[], t)
        .await
        .unwrap();
    assert_eq!(store.selfies_of(user).await.unwrap(), vec![retake]);
    assert!(store.approved_embedding(user).await.unwrap().is_none());
    assert!(store.matches_of_user(user).await.unwrap().is_empty());
    assert_eq!(progress(store, w.project, user).await, None);
    assert!(
        !store
            .has_consent(user, ConsentPurpose::BiometricProcessing)
            .await
            .unwrap()
    );
}

/// Issue 26: `DELETE /v1/selfie` in a loop queued an erasure's purges per
/// call. Once everything is erased, another erasure finds nothing and
/// queues nothing.
async fn an_erasure_with_nothing_left_to_erase_queues_no_job(store: &impl Store) {
    let user = UserId::new();
    let t = now();
    let purge = JobPayload::purge(vec![PurgeTarget::AllSelfiesOf { user_id: user }]);
    store
        .create_selfie(&new_selfie(user, t - Duration::from_secs(60)))
        .await
        .unwrap();
    let cut = media_core::keys::timestamp_ms(t);
    for _ in 0..3 {
        store
            .erase_biometrics(user, None, cut, std::slice::from_ref(&purge), t)
            .await
            .unwrap();
    }
    let queued = media_core::ports::JobAdmin::list(store, &[JobStatus::Queued], 100)
        .await
        .unwrap();
    let purges = queued.iter().filter(|j| j.payload == purge).count();
    assert_eq!(purges, 1, "one erasure had something to erase");
}

/// Issue 26: erasures in a row, each with something to erase, coalesce:
/// one queued purge per user, the newest erasure's (it covers the older),
/// and one queued sweep; another user's stay apart.
async fn erasures_in_a_row_keep_one_queued_purge_the_newest(store: &impl Store) {
    let (user, other) = (UserId::new(), UserId::new());
    let t = now();
    let erase = |who: UserId, i: u64| {
        let at = t + Duration::from_secs(i);
        let cut = media_core::keys::timestamp_ms(at);
        let targets = vec![PurgeTarget::SelfiesOf {
            user_id: who,
            through_ms: cut,
        }];
        let purge = JobPayload::erasure_purge(who, targets, None);
        let sweep = purge.erasure_sweep(at + Duration::from_secs(900)).unwrap();
        (at, cut, purge, sweep)
    };
    let mut last = None;
    for i in 0..3 {
        for who in [user, other] {
            let (at, cut, purge, sweep) = erase(who, i);
            store
                .create_selfie(&new_selfie(who, at - Duration::from_millis(10)))
                .await
                .unwrap();
            store
                .erase_biometrics(who, None, cut, &[purge.clone(), sweep.clone()], at)
                .await
                .unwrap();
            if who == user {
                last = Some((purge, sweep));
            }
        }
    }
    let queued = media_core::ports::JobAdmin::list(store, &[JobStatus::Queued], 100)
        .await
        .unwrap();
    let mine: Vec<&JobPayload> = queued
        .iter()
        .map(|j| &j.payload)
        .filter(|p| p.to_json().contains(&user.to_string()))
        .collect();
    let (purge, sweep) = last.unwrap();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(mine.contains(&&purge), "the newest purge: {mine:?}");
    assert!(mine.contains(&&sweep), "the newest sweep: {mine:?}");
    let sweep_due = queued.iter().find(|j| j.payload == sweep).map(|j| j.run_at);
    assert_eq!(
        sweep_due,
        Some(t + Duration::from_secs(2 + 900)),
        "due as the newest"
    );
    assert_eq!(queued.len(), 4, "and the other user's two");
}

/// After a change of face engine an approved selfie goes back to
/// processing, compared again with every face once described again.
async fn an_approved_selfie_is_described_again_from_the_start(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let (user, selfie) = consenting_member(store, w.project, t).await;
    record(store, w.project, user, selfie, &[], 7).await;
    assert_eq!(progress(store, w.project, user).await, Some((selfie, 7)));
    let job = JobPayload::ProcessSelfie { selfie_id: selfie };
    assert!(
        store
            .redescribe_selfie(selfie, std::slice::from_ref(&job), t)
            .await
            .unwrap()
    );
    let row = store.selfie(selfie).await.unwrap().unwrap();
    assert_eq!(
        (row.status, row.processed_at),
        (SelfieStatus::Processing, None)
    );
    assert_eq!(
        progress(store, w.project, user).await,
        None,
        "not matchable meanwhile"
    );
    let queued = store.list(&[JobStatus::Queued], 100).await.unwrap();
    assert!(queued.iter().any(|j| j.payload == job));
    // Only an approved selfie: nothing changes, nothing is enqueued.
    assert!(
        !store
            .redescribe_selfie(selfie, std::slice::from_ref(&job), t)
            .await
            .unwrap()
    );
    // Approved again, with the new model: compared from the first face.
    store
        .approve_selfie(selfie, "engine-128", &unit(0)[..128], &[], &[], t)
        .await
        .unwrap();
    assert_eq!(progress(store, w.project, user).await, Some((selfie, 0)));
}

media_adapters::contract_tests! {
    an_erasure_with_nothing_left_to_erase_queues_no_job: 5,
    selfies_consents_approval_and_erasure: 5,
    an_approved_selfie_is_described_again_from_the_start: 5,
    erasures_in_a_row_keep_one_queued_purge_the_newest: 5,
}
