//! Scheduling and housekeeping of the queue, run against SQLite and (when
//! configured) Postgres: jobs due later, pruning, the queue depth and age.

use std::time::Duration;

use time::OffsetDateTime;

use media_adapters::testing::Store;
use media_core::domain::{JobPayload, JobStatus, PurgeTarget};
use media_core::ids::UserId;

fn now() -> OffsetDateTime {
    media_core::timestamps::truncate_to_micros(OffsetDateTime::now_utc())
}

fn purge() -> JobPayload {
    JobPayload::purge(vec![PurgeTarget::AllSelfiesOf {
        user_id: UserId::new(),
    }])
}

/// A sweep (a purge not due before a time) waits for its time.
async fn a_job_due_later_is_not_claimed_before_its_time(store: &impl Store) {
    let t = now();
    let later = t + Duration::from_secs(900);
    let sweep = JobPayload::purge_at(
        vec![PurgeTarget::AllSelfiesOf {
            user_id: UserId::new(),
        }],
        later,
    );
    store
        .enqueue(std::slice::from_ref(&sweep), t)
        .await
        .unwrap();
    let lease = Duration::from_secs(30);
    assert!(store.claim("w", t, lease).await.unwrap().is_none());
    let early = later - Duration::from_secs(1);
    assert!(store.claim("w", early, lease).await.unwrap().is_none());
    let job = store
        .claim("w", later, lease)
        .await
        .unwrap()
        .expect("due at its time");
    assert_eq!(job.payload, sweep);
    assert_eq!(job.run_at, later);
}

/// Pruning takes finished jobs last changed before the cutoff, in batches;
/// the queue depth counts only queued, running and dead jobs.
async fn finished_jobs_are_pruned_and_the_depth_counts_only_active_ones(store: &impl Store) {
    let t = now();
    let lease = Duration::from_secs(30);
    store
        .enqueue(&[purge(), purge(), purge()], t)
        .await
        .unwrap();
    for _ in 0..3 {
        let j = store.claim("w", t, lease).await.unwrap().unwrap();
        store.complete(j.id, "w", &[], t).await.unwrap();
    }
    store.enqueue(&[purge()], t).await.unwrap();
    let j = store.claim("w", t, lease).await.unwrap().unwrap();
    store.fail(j.id, "w", "gone", None, t).await.unwrap();
    store.enqueue(&[purge()], t).await.unwrap();
    let depth = |c: &[media_core::domain::JobCount], s: JobStatus| -> u64 {
        c.iter().filter(|c| c.status == s).map(|c| c.count).sum()
    };
    let d = store.queue_depth().await.unwrap();
    assert_eq!(
        (
            depth(&d, JobStatus::Queued),
            depth(&d, JobStatus::Dead),
            depth(&d, JobStatus::Done)
        ),
        (1, 1, 0),
        "done jobs are not counted: {d:?}"
    );
    let later = t + Duration::from_secs(1);
    assert_eq!(
        store.prune(&[JobStatus::Done], t, 10).await.unwrap(),
        0,
        "none before the cutoff"
    );
    assert_eq!(
        store.prune(&[JobStatus::Done], later, 2).await.unwrap(),
        2,
        "a batch"
    );
    assert_eq!(store.prune(&[JobStatus::Done], later, 10).await.unwrap(), 1);
    assert_eq!(
        store.list(&[JobStatus::Dead], 10).await.unwrap().len(),
        1,
        "dead stays"
    );
    assert_eq!(store.prune(&[JobStatus::Dead], later, 10).await.unwrap(), 1);
    assert_eq!(
        store.list(&[JobStatus::Queued], 10).await.unwrap().len(),
        1,
        "queued stays"
    );
}

/// The oldest due job is the queued one due longest; jobs due later,
/// running or finished do not count.
async fn the_oldest_due_job_is_the_queued_one_due_longest(store: &impl Store) {
    let t = now();
    assert_eq!(store.oldest_due(t).await.unwrap(), None, "empty queue");
    let lease = Duration::from_secs(30);
    let early = t - Duration::from_secs(120);
    store.enqueue(&[purge()], early).await.unwrap();
    let running = store.claim("w", t, lease).await.unwrap().unwrap();
    assert_eq!(
        store.oldest_due(t).await.unwrap(),
        None,
        "running is not waiting"
    );
    let waited = t - Duration::from_secs(30);
    store.enqueue(&[purge()], waited).await.unwrap();
    store.enqueue(&[purge()], t).await.unwrap();
    let later = JobPayload::purge_at(
        vec![PurgeTarget::AllSelfiesOf {
            user_id: UserId::new(),
        }],
        t + Duration::from_secs(900),
    );
    store.enqueue(&[later], early).await.unwrap();
    assert_eq!(store.oldest_due(t).await.unwrap(), Some(waited));
    store.complete(running.id, "w", &[], t).await.unwrap();
    assert_eq!(store.oldest_due(t).await.unwrap(), Some(waited));
}

media_adapters::contract_tests! {
    the_oldest_due_job_is_the_queued_one_due_longest: 5,
    a_job_due_later_is_not_claimed_before_its_time: 5,
    finished_jobs_are_pruned_and_the_depth_counts_only_active_ones: 5,
}
