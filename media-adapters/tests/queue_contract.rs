//! The job queue contract, run against SQLite and (when configured) Postgres.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use media_adapters::sql::SqlStore;
use media_adapters::testing::Store;
use media_core::domain::{JobPayload, JobStatus, PurgeTarget};
use media_core::ids::{PhotoId, ProjectId, SelfieId, UserId};
use media_core::ports::JobQueue;
use media_core::service::Backoff;

const LEASE: Duration = Duration::from_secs(30);

fn now() -> OffsetDateTime {
    media_core::timestamps::truncate_to_micros(OffsetDateTime::now_utc())
}

fn purge() -> JobPayload {
    JobPayload::purge(vec![PurgeTarget::AllSelfiesOf {
        user_id: UserId::new(),
    }])
}

async fn two_concurrent_claimers_never_get_the_same_job(store: &impl Store) {
    let jobs: Vec<JobPayload> = (0..40).map(|_| purge()).collect();
    store.enqueue(&jobs, now()).await.unwrap();
    let store = Arc::new(store.clone());
    let mut handles = Vec::new();
    for w in 0..4 {
        let s = store.clone();
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(job) = s.claim(&format!("w{w}"), now(), LEASE).await.unwrap() {
                got.push(job.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 40, "every job claimed");
    assert_eq!(unique.len(), 40, "no job claimed twice");
}

async fn an_expired_lease_is_claimed_again(store: &impl Store) {
    let t0 = now();
    store.enqueue(&[purge()], t0).await.unwrap();
    let first = store
        .claim("dead-worker", t0, LEASE)
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .claim("other", t0 + Duration::from_secs(10), LEASE)
            .await
            .unwrap()
            .is_none(),
        "leased"
    );
    let again = store
        .claim("other", t0 + Duration::from_secs(31), LEASE)
        .await
        .unwrap()
        .expect("the expired lease is claimed");
    assert_eq!(again.id, first.id);
    assert_eq!(again.attempts, 2, "the lost attempt counts");
    // The first worker can no longer complete or extend it.
    assert!(
        !store
            .heartbeat(first.id, "dead-worker", t0 + LEASE * 3)
            .await
            .unwrap()
    );
    store
        .complete(first.id, "dead-worker", &[], t0)
        .await
        .unwrap();
    assert_eq!(
        store.get(first.id).await.unwrap().unwrap().status,
        JobStatus::Running
    );
    store.complete(again.id, "other", &[], t0).await.unwrap();
    assert_eq!(
        store.get(first.id).await.unwrap().unwrap().status,
        JobStatus::Done
    );
}

async fn heartbeats_keep_the_lease(store: &impl Store) {
    let t0 = now();
    store.enqueue(&[purge()], t0).await.unwrap();
    let job = store.claim("w", t0, LEASE).await.unwrap().unwrap();
    assert!(store.heartbeat(job.id, "w", t0 + LEASE * 4).await.unwrap());
    assert!(
        store
            .claim("x", t0 + LEASE * 2, LEASE)
            .await
            .unwrap()
            .is_none()
    );
}

async fn backoff_grows_and_a_job_dies_after_its_last_attempt_then_can_be_retried(
    store: &impl Store,
) {
    let mut t = now();
    store.enqueue(&[purge()], t).await.unwrap();
    let mut delays = Vec::new();
    let mut id = None;
    loop {
        let job = store.claim("w", t, LEASE).await.unwrap().expect("due");
        id.get_or_insert(job.id);
        if job.is_last_attempt() {
            store.fail(job.id, "w", "boom", None, t).await.unwrap();
            break;
        }
        let delay = Backoff::JOB.delay(job.attempts, 0.5);
        delays.push(delay);
        store
            .fail(job.id, "w", "boom", Some(t + delay), t)
            .await
            .unwrap();
        // Not due before the backoff has passed.
        assert!(
            store
                .claim("w", t + delay - Duration::from_millis(1), LEASE)
                .await
                .unwrap()
                .is_none()
        );
        t += delay;
    }
    assert_eq!(delays.len(), 2, "three attempts in all");
    assert!(delays[1] > delays[0], "backoff grows");
    let id = id.unwrap();
    let dead = store.get(id).await.unwrap().unwrap();
    assert_eq!(
        (dead.status, dead.attempts, dead.last_error.as_deref()),
        (JobStatus::Dead, 3, Some("boom"))
    );
    assert!(
        store
            .claim("w", t + Duration::from_secs(3600), LEASE)
            .await
            .unwrap()
            .is_none(),
        "dead stays dead"
    );
    assert_eq!(store.list(&[JobStatus::Dead], 10).await.unwrap().len(), 1);

    assert_eq!(store.retry(&[id], t).await.unwrap(), 1);
    let back = store
        .claim("w", t, LEASE)
        .await
        .unwrap()
        .expect("retried job is due");
    assert_eq!((back.id, back.attempts), (id, 1), "fresh attempts");
    store.fail(back.id, "w", "again", None, t).await.unwrap();
    // Settled: done without running, and only while dead.
    assert_eq!(store.settle(&[id], t).await.unwrap(), 1);
    assert_eq!(store.settle(&[id], t).await.unwrap(), 0);
    assert_eq!(
        store.retry(&[id], t).await.unwrap(),
        0,
        "a done job is not retried"
    );
    assert_eq!(
        store.get(id).await.unwrap().map(|j| j.status),
        Some(JobStatus::Done)
    );
}

async fn an_enqueue_rolls_back_with_its_transaction(store: &SqlStore) {
    let t = now();
    {
        let mut tx = store.pool().begin().await.unwrap();
        store.insert_jobs(&mut tx, &[purge()], t).await.unwrap();
        tx.rollback().await.unwrap();
    }
    assert!(
        store.claim("w", t, LEASE).await.unwrap().is_none(),
        "rolled back"
    );
    {
        let mut tx = store.pool().begin().await.unwrap();
        store.insert_jobs(&mut tx, &[purge()], t).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert!(
        store.claim("w", t, LEASE).await.unwrap().is_some(),
        "committed"
    );
}

async fn pending_cluster_jobs_are_coalesced_per_project(store: &impl Store) {
    let t = now();
    let cluster = JobPayload::ClusterFaces {
        project_id: ProjectId::new(),
    };
    let other = JobPayload::ClusterFaces {
        project_id: ProjectId::new(),
    };
    store
        .enqueue(&[cluster.clone(), cluster.clone(), other], t)
        .await
        .unwrap();
    store
        .enqueue(std::slice::from_ref(&cluster), t)
        .await
        .unwrap();
    assert_eq!(
        store.list(&[JobStatus::Queued], 10).await.unwrap().len(),
        2,
        "one per project"
    );

    // A running job does not block a new one (new faces may have arrived)…
    let running = loop {
        let j = store.claim("w", t, LEASE).await.unwrap().unwrap();
        if j.payload == cluster {
            break j;
        }
        store.complete(j.id, "w", &[], t).await.unwrap();
    };
    let queued_clusters = || async {
        store
            .list(&[JobStatus::Queued], 10)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| j.payload == cluster)
            .count()
    };
    store
        .enqueue(std::slice::from_ref(&cluster), t)
        .await
        .unwrap();
    assert_eq!(queued_clusters().await, 1);
    // …and giving the running one back folds it into the queued one.
    store
        .fail(running.id, "w", "retry", Some(t), t)
        .await
        .unwrap();
    assert_eq!(queued_clusters().await, 1, "still one queued");
    assert_eq!(
        store.get(running.id).await.unwrap().unwrap().status,
        JobStatus::Done
    );
}

async fn released_jobs_keep_their_attempts_and_stats_count(store: &impl Store) {
    let t = now();
    store.enqueue(&[purge(), purge()], t).await.unwrap();
    let job = store.claim("w", t, LEASE).await.unwrap().unwrap();
    store
        .release(job.id, "w", t + Duration::from_secs(60))
        .await
        .unwrap();
    let back = store.get(job.id).await.unwrap().unwrap();
    assert_eq!((back.status, back.attempts), (JobStatus::Queued, 0));
    assert!(back.run_at > t);
    let stats = store.stats().await.unwrap();
    let queued: u64 = stats
        .iter()
        .filter(|c| c.status == JobStatus::Queued)
        .map(|c| c.count)
        .sum();
    assert_eq!(queued, 2);
}

async fn jobs_are_listed_by_any_of_several_statuses_or_all(store: &impl Store) {
    let t = now();
    store
        .enqueue(&[purge(), purge(), purge()], t)
        .await
        .unwrap();
    let running = store.claim("w", t, LEASE).await.unwrap().unwrap();
    let done = store.claim("w", t, LEASE).await.unwrap().unwrap();
    store.complete(done.id, "w", &[], t).await.unwrap();
    let statuses = |jobs: Vec<media_core::domain::Job>| {
        let mut s: Vec<_> = jobs.iter().map(|j| j.status).collect();
        s.sort_by_key(|s| s.as_str());
        s
    };
    let open = store
        .list(&[JobStatus::Queued, JobStatus::Running], 10)
        .await
        .unwrap();
    assert_eq!(statuses(open), [JobStatus::Queued, JobStatus::Running]);
    assert_eq!(
        store.list(&[JobStatus::Running], 10).await.unwrap()[0].id,
        running.id
    );
    assert_eq!(store.list(&[], 10).await.unwrap().len(), 3, "every status");
    assert_eq!(store.list(&[], 2).await.unwrap().len(), 2, "the limit");
}

async fn leases_expired_on_the_last_attempt_are_reaped_dead(store: &impl Store) {
    let t = now();
    store.enqueue(&[purge()], t).await.unwrap();
    let job = store.claim("w", t, LEASE).await.unwrap().unwrap();
    assert!(
        store
            .claim("x", t + LEASE * 2, LEASE)
            .await
            .unwrap()
            .is_none(),
        "no attempts left"
    );
    let reaped = store.reap_expired(t + LEASE * 2).await.unwrap();
    assert_eq!(
        reaped.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![job.id]
    );
    assert_eq!(
        store.get(job.id).await.unwrap().unwrap().status,
        JobStatus::Dead
    );
}

async fn idle_workers_are_woken_by_an_enqueue(store: &impl Store) {
    let store = Arc::new(store.clone());
    let s = store.clone();
    let waiter = tokio::spawn(async move {
        let started = std::time::Instant::now();
        s.wait_for_work(s.work_epoch(), Duration::from_secs(20))
            .await;
        started.elapsed()
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    store.enqueue(&[purge()], now()).await.unwrap();
    let waited = waiter.await.unwrap();
    assert!(
        waited < Duration::from_secs(10),
        "woken, not timed out ({waited:?})"
    );
}

/// The lost wake-up: a job enqueued after a worker's claim found nothing
/// but before it began to wait must still wake it, not leave the job to
/// the poll.
async fn a_job_enqueued_between_an_empty_claim_and_the_wait_is_not_missed(store: &impl Store) {
    let epoch = store.work_epoch();
    assert!(store.claim("w", now(), LEASE).await.unwrap().is_none());
    store.enqueue(&[purge()], now()).await.unwrap();
    let started = std::time::Instant::now();
    store.wait_for_work(epoch, Duration::from_secs(3)).await;
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(1),
        "the wake-up was lost: waited {waited:?}"
    );
}

/// Lanes (SPEC §5 "Fairness", issue 26): a selfie queued after a burst of
/// photo work and a purge is claimed first, photo work next, bulk last.
async fn a_selfie_is_claimed_before_the_photo_work_and_the_purges_queued_before_it(
    store: &impl Store,
) {
    let t0 = now();
    let project = ProjectId::new();
    let photos: Vec<JobPayload> = (0..3)
        .map(|_| JobPayload::thumbnails(project, PhotoId::new()))
        .collect();
    store.enqueue(&[purge()], t0).await.unwrap();
    store.enqueue(&photos, t0).await.unwrap();
    let selfie = JobPayload::ProcessSelfie {
        selfie_id: SelfieId::new(),
    };
    store
        .enqueue(std::slice::from_ref(&selfie), t0 + Duration::from_secs(1))
        .await
        .unwrap();
    let t = t0 + Duration::from_secs(2);
    let mut kinds = Vec::new();
    while let Some(job) = store.claim("w", t, LEASE).await.unwrap() {
        kinds.push(job.payload.kind().as_str());
    }
    assert_eq!(
        kinds,
        [
            "process_selfie",
            "generate_thumbnail",
            "generate_thumbnail",
            "generate_thumbnail",
            "purge_objects"
        ]
    );
}

media_adapters::contract_tests! {
    a_selfie_is_claimed_before_the_photo_work_and_the_purges_queued_before_it: 5,
    two_concurrent_claimers_never_get_the_same_job: 5,
    an_expired_lease_is_claimed_again: 5,
    heartbeats_keep_the_lease: 5,
    backoff_grows_and_a_job_dies_after_its_last_attempt_then_can_be_retried: 3,
    an_enqueue_rolls_back_with_its_transaction: 5,
    pending_cluster_jobs_are_coalesced_per_project: 5,
    released_jobs_keep_their_attempts_and_stats_count: 5,
    leases_expired_on_the_last_attempt_are_reaped_dead: 1,
    jobs_are_listed_by_any_of_several_statuses_or_all: 5,
    idle_workers_are_woken_by_an_enqueue: 5,
    a_job_enqueued_between_an_empty_claim_and_the_wait_is_not_missed: 5,
}
