//! Matches owed a `matches.added` (SPEC §9): recorded owed, announced once.

use super::*;

async fn a_new_match_is_owed_one_announcement_and_a_closer_face_owes_none(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let (user, selfie) = consenting_member(store, w.project, t).await;
    let mut photos = Vec::new();
    for _ in 0..3 {
        let p = new_photo(&w, None, t);
        store.create_photo_if_assigned(&p).await.unwrap();
        photos.push(p.id);
    }
    let found = |ids: &[PhotoId], distance: f32| MemberMatches {
        user_id: user,
        selfie_id: selfie,
        matches: ids
            .iter()
            .map(|&photo_id| FaceMatch {
                user_id: user,
                project_id: w.project,
                photo_id,
                distance,
            })
            .collect(),
    };
    let notice = JobPayload::NotifyMatches {
        project_id: w.project,
        user_id: user,
        not_before: Some(t + Duration::from_secs(60)),
    };
    let queued = |kind: JobKind| async move {
        store
            .list(&[JobStatus::Queued], 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| j.payload.kind() == kind)
            .collect::<Vec<_>>()
    };

    // Events off: recorded, owed nothing.
    store
        .record_matches(w.project, 1, &[found(&photos[..1], 0.3)], false, &[], t)
        .await
        .unwrap();
    assert!(
        store
            .unannounced_matches(w.project, user)
            .await
            .unwrap()
            .is_empty()
    );

    // Events on: the new pairs are owed, the notice queued with them, once.
    for _ in 0..2 {
        store
            .record_matches(
                w.project,
                2,
                &[found(&photos[1..], 0.4)],
                true,
                std::slice::from_ref(&notice),
                t,
            )
            .await
            .unwrap();
    }
    let notices = queued(JobKind::NotifyMatches).await;
    assert_eq!(notices.len(), 1, "one queued notice per (project, user)");
    assert_eq!(
        notices[0].run_at,
        t + Duration::from_secs(60),
        "due at the window's end"
    );
    let mut owed = photos[1..].to_vec();
    owed.sort();
    assert_eq!(
        store.unannounced_matches(w.project, user).await.unwrap(),
        owed
    );

    // A closer face for an announced pair is not news.
    store
        .record_matches(w.project, 3, &[found(&photos[..1], 0.1)], true, &[], t)
        .await
        .unwrap();
    assert_eq!(
        store.unannounced_matches(w.project, user).await.unwrap(),
        owed
    );

    let event = JobPayload::deliver(Event::new(
        EventData::MatchesAdded {
            user_id: user,
            project_id: w.project,
            photo_ids: owed.clone(),
            count: 2,
        },
        t,
    ));
    assert!(
        !store
            .announce_matches(w.project, user, &photos, std::slice::from_ref(&event), t)
            .await
            .unwrap(),
        "one of them was not owed: nothing changes"
    );
    assert!(queued(JobKind::DeliverEvent).await.is_empty());
    assert_eq!(
        store.unannounced_matches(w.project, user).await.unwrap(),
        owed
    );
    assert!(
        store
            .announce_matches(w.project, user, &owed, std::slice::from_ref(&event), t)
            .await
            .unwrap()
    );
    assert_eq!(
        queued(JobKind::DeliverEvent).await.len(),
        1,
        "the event with it"
    );
    assert!(
        store
            .unannounced_matches(w.project, user)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !store
            .announce_matches(w.project, user, &owed, std::slice::from_ref(&event), t)
            .await
            .unwrap(),
        "announced once"
    );
    assert_eq!(queued(JobKind::DeliverEvent).await.len(), 1);
}

async fn a_completion_enqueues_its_follow_up_only_for_the_lease_holder(store: &impl Store) {
    let t = now();
    let purge = JobPayload::purge(vec![PurgeTarget::SelfiesOf {
        user_id: UserId::new(),
        through_ms: 1,
    }]);
    store.enqueue(&[purge], t).await.unwrap();
    let job = store
        .claim("w1", t, Duration::from_secs(30))
        .await
        .unwrap()
        .expect("the purge");
    let event = JobPayload::deliver(Event::new(
        EventData::SelfieApproved {
            selfie_id: SelfieId::new(),
            user_id: UserId::new(),
            reason: None,
        },
        t,
    ));
    store
        .complete(job.id, "w2", std::slice::from_ref(&event), t)
        .await
        .unwrap();
    assert!(
        store
            .list(&[JobStatus::Queued], 10)
            .await
            .unwrap()
            .is_empty(),
        "not w2's lease: not completed, nothing enqueued"
    );
    store
        .complete(job.id, "w1", std::slice::from_ref(&event), t)
        .await
        .unwrap();
    let queued = store.list(&[JobStatus::Queued], 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].payload, event);
    assert_eq!(
        store.get(job.id).await.unwrap().unwrap().status,
        JobStatus::Done
    );
}

media_adapters::contract_tests! {
    a_new_match_is_owed_one_announcement_and_a_closer_face_owes_none: 5,
    a_completion_enqueues_its_follow_up_only_for_the_lease_holder: 5,
}
