//! Archive rows (SPEC §3.13b): one building per (user, project), guarded
//! status changes, expiry, erasure.

use super::*;

fn archive_of(user: UserId, project: ProjectId, t: OffsetDateTime) -> Archive {
    Archive {
        id: ArchiveId::new(),
        user_id: user,
        project_id: project,
        status: ArchiveStatus::Building,
        photo_count: None,
        bytes: None,
        created_at: t,
        expires_at: None,
        matches: None,
    }
}

async fn one_archive_builds_at_a_time_per_member_and_project_and_goes_when_expired(
    store: &impl Store,
) {
    let w = world(store).await;
    let t = now();
    let user = UserId::new();
    let first = archive_of(user, w.project, t);
    let build = |a: &Archive| [JobPayload::BuildArchive { archive_id: a.id }];
    assert_eq!(
        store
            .start_archive(&first, &[], &build(&first), t)
            .await
            .unwrap(),
        first
    );
    let again = archive_of(user, w.project, t);
    assert_eq!(
        store
            .start_archive(&again, &[], &build(&again), t)
            .await
            .unwrap()
            .id,
        first.id,
        "the one building"
    );
    let builds = store
        .list(&[JobStatus::Queued], 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.payload.kind() == JobKind::BuildArchive)
        .count();
    assert_eq!(builds, 1, "one build enqueued");
    let elsewhere = archive_of(user, ProjectId::new(), t);
    assert_eq!(
        store
            .start_archive(&elsewhere, &[], &[], t)
            .await
            .unwrap()
            .id,
        elsewhere.id,
        "another project: another archive"
    );

    let expiry = t + Duration::from_secs(3600);
    let contents = ArchiveContents {
        photo_count: 12,
        bytes: 5_000_000_000,
        matches: "0123abcd".into(),
    };
    assert!(
        store
            .finish_archive(first.id, contents.clone(), expiry)
            .await
            .unwrap()
    );
    assert!(
        !store
            .finish_archive(first.id, contents.clone(), expiry)
            .await
            .unwrap(),
        "built once"
    );
    assert!(
        !store.fail_archive(first.id, expiry).await.unwrap(),
        "ready stays ready"
    );
    let ready = store.archive(first.id).await.unwrap().unwrap();
    assert_eq!(
        (
            ready.status,
            ready.photo_count,
            ready.bytes,
            ready.expires_at,
            ready.matches.as_deref()
        ),
        (
            ArchiveStatus::Ready,
            Some(12),
            Some(5_000_000_000),
            Some(expiry),
            Some("0123abcd")
        )
    );
    let next = archive_of(user, w.project, t);
    assert_eq!(
        store.start_archive(&next, &[], &[], t).await.unwrap().id,
        next.id,
        "once ready, asking again builds anew"
    );
    assert!(store.fail_archive(next.id, expiry).await.unwrap());

    assert!(store.expired_archives(t, 10).await.unwrap().is_empty());
    let mut expired: Vec<_> = store
        .expired_archives(expiry, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    expired.sort();
    let mut want = vec![first.id, next.id];
    want.sort();
    assert_eq!(expired, want, "ready and failed ones, not the building one");
    let purge = JobPayload::purge(vec![PurgeTarget::Archive {
        user_id: user,
        archive_id: first.id,
    }]);
    assert!(
        store
            .delete_archive(first.id, std::slice::from_ref(&purge), t)
            .await
            .unwrap()
    );
    assert!(!store.delete_archive(first.id, &[purge], t).await.unwrap());
    assert!(store.archive(first.id).await.unwrap().is_none());
}

async fn erasure_removes_the_users_archives(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let (user, other) = (UserId::new(), UserId::new());
    let mine = archive_of(user, w.project, t);
    let theirs = archive_of(other, w.project, t);
    store.start_archive(&mine, &[], &[], t).await.unwrap();
    store.start_archive(&theirs, &[], &[], t).await.unwrap();
    store
        .erase_biometrics(user, None, keys_ms(t), &[], t)
        .await
        .unwrap();
    assert!(store.archive(mine.id).await.unwrap().is_none());
    assert!(store.archive(theirs.id).await.unwrap().is_some());
    assert!(
        !store
            .finish_archive(
                mine.id,
                ArchiveContents {
                    photo_count: 1,
                    bytes: 1,
                    matches: String::new(),
                },
                t
            )
            .await
            .unwrap(),
        "a build that finishes after the erasure records nothing"
    );
}

/// Issue 26: a ready archive is read back for the core to answer again;
/// a new build replaces it, row and ZIP, in the insert's transaction.
async fn a_new_build_replaces_the_ready_archive_in_its_transaction(store: &impl Store) {
    let w = world(store).await;
    let t = now();
    let user = UserId::new();
    let old = archive_of(user, w.project, t);
    store.start_archive(&old, &[], &[], t).await.unwrap();
    let expiry = t + Duration::from_secs(3600);
    let contents = ArchiveContents {
        photo_count: 1,
        bytes: 10,
        matches: "before".into(),
    };
    assert!(
        store
            .finish_archive(old.id, contents, expiry)
            .await
            .unwrap()
    );
    let other = archive_of(UserId::new(), w.project, t);
    store.start_archive(&other, &[], &[], t).await.unwrap();
    let ready = store.ready_archives(user, w.project, t).await.unwrap();
    assert_eq!(ready.iter().map(|a| a.id).collect::<Vec<_>>(), [old.id]);
    assert!(
        store
            .ready_archives(user, w.project, expiry)
            .await
            .unwrap()
            .is_empty(),
        "expired"
    );
    assert!(
        store
            .ready_archives(user, ProjectId::new(), t)
            .await
            .unwrap()
            .is_empty()
    );

    let new = archive_of(user, w.project, t);
    let purge = JobPayload::archives_purge(user, &[old.id]).unwrap();
    let jobs = [
        JobPayload::BuildArchive { archive_id: new.id },
        purge.clone(),
    ];
    assert_eq!(
        store
            .start_archive(&new, &[old.id], &jobs, t)
            .await
            .unwrap()
            .id,
        new.id
    );
    assert!(store.archive(old.id).await.unwrap().is_none(), "replaced");
    let queued = store.list(&[JobStatus::Queued], 100).await.unwrap();
    assert!(queued.iter().any(|j| j.payload == purge), "{queued:?}");
}

fn keys_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

media_adapters::contract_tests! {
    one_archive_builds_at_a_time_per_member_and_project_and_goes_when_expired: 5,
    erasure_removes_the_users_archives: 5,
    a_new_build_replaces_the_ready_archive_in_its_transaction: 5,
}
