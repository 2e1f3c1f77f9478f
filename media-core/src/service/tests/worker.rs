//! The worker loop: completion, retries, dead jobs, deferrals (`worker.rs`).

use super::*;

#[tokio::test]
async fn the_worker_completes_retries_and_buries_jobs() {
    let failing = JobPayload::purge(vec![PurgeTarget::AllSelfiesOf {
        user_id: UserId::new(),
    }]);

    // success → complete
    let mut m = Mocks::new();
    let job = claimed(failing.clone(), 1);
    let id = job.id;
    m.queue
        .expect_claim_in()
        .return_once(move |_, _, _, _| Ok(Some(job)));
    m.storage.expect_delete_prefix().returning(|_| Ok(0));
    m.queue
        .expect_complete()
        .withf(move |i, w, then, _| *i == id && w == "w1" && then.is_empty())
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let ev = Worker::new(m.media(), "w1", Duration::from_secs(30))
        .run_once()
        .await
        .unwrap();
    assert!(matches!(
        ev,
        WorkerEvent::Ran {
            outcome: "done",
            ..
        }
    ));

    // retryable failure before the last attempt → queued again later
    let mut m = Mocks::new();
    let job = claimed(failing.clone(), 2);
    m.queue
        .expect_claim_in()
        .return_once(move |_, _, _, _| Ok(Some(job)));
    m.storage
        .expect_delete_prefix()
        .returning(|_| Err(Error::unavailable("down")));
    m.queue
        .expect_fail()
        .withf(|_, _, err, retry_at, _| {
            err.contains("down") && retry_at.is_some_and(|t| t >= NOW + Duration::from_secs(2))
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    let ev = Worker::new(m.media(), "w1", Duration::from_secs(30))
        .run_once()
        .await
        .unwrap();
    assert!(matches!(
        ev,
        WorkerEvent::Ran {
            outcome: "retry",
            ..
        }
    ));

    // the last attempt → dead, and the dead-job hook runs
    let mut m = Mocks::new();
    let job = claimed(failing, 5);
    m.queue
        .expect_claim_in()
        .return_once(move |_, _, _, _| Ok(Some(job)));
    m.storage
        .expect_delete_prefix()
        .returning(|_| Err(Error::unavailable("down")));
    m.queue
        .expect_fail()
        .withf(|_, _, _, retry_at, _| retry_at.is_none())
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    let ev = Worker::new(m.media(), "w1", Duration::from_secs(30))
        .run_once()
        .await
        .unwrap();
    assert!(matches!(
        ev,
        WorkerEvent::Ran {
            outcome: "dead",
            ..
        }
    ));

    // nothing due
    let mut m = Mocks::new();
    m.queue.expect_claim_in().returning(|_, _, _, _| Ok(None));
    assert_eq!(
        Worker::new(m.media(), "w1", Duration::from_secs(30))
            .run_once()
            .await
            .unwrap(),
        WorkerEvent::Idle
    );
}

#[tokio::test]
async fn deferred_jobs_are_released_without_spending_an_attempt() {
    let u = user();
    let s = selfie_of(&u, SelfieStatus::Processing);
    let mut m = Mocks::new();
    m.consent(true);
    m.selfies.expect_selfie().return_const(Ok(Some(s.clone())));
    m.embedder = MockFaceEmbedder::new();
    m.embedder.expect_is_configured().return_const(false);
    let job = claimed(JobPayload::ProcessSelfie { selfie_id: s.id }, 1);
    m.queue
        .expect_claim_in()
        .return_once(move |_, _, _, _| Ok(Some(job)));
    m.queue
        .expect_release()
        .withf(|_, _, at| *at > NOW)
        .times(1)
        .returning(|_, _, _| Ok(()));
    let ev = Worker::new(m.media(), "w", Duration::from_secs(30))
        .run_once()
        .await
        .unwrap();
    assert!(matches!(
        ev,
        WorkerEvent::Ran {
            outcome: "deferred",
            ..
        }
    ));
}

proptest::proptest! {
    #[test]
    fn backoff_grows_with_every_attempt(a in 1u32..11, j1 in 0.0f64..1.0, j2 in 0.0f64..1.0) {
        // Below the one-hour cap, the shortest delay of the next attempt is
        // the longest of this one, so any two draws grow.
        proptest::prop_assert!(Backoff::JOB.delay(a + 1, j2) > Backoff::JOB.delay(a, j1));
    }

    #[test]
    fn backoff_stays_within_the_cap(a in 1u32..u32::MAX, j in 0.0f64..=1.0) {
        let d = Backoff::JOB.delay(a, j);
        proptest::prop_assert!(d <= Duration::from_secs(3600));
        proptest::prop_assert!(d >= Duration::from_secs(1));
    }

    #[test]
    fn a_worker_that_cannot_reach_the_queue_tries_again_within_the_poll_interval(
        f in 1u32..u32::MAX,
        j in 0.0f64..=1.0,
    ) {
        let d = Backoff::RECONNECT.delay(f, j);
        proptest::prop_assert!(d <= Duration::from_secs(2));
        proptest::prop_assert!(f > 1 || d <= Duration::from_millis(100));
    }
}

/// Decision 0032: bulk jobs hold at most half of a process's workers, and
/// one claim in four tries bulk before photo work.
#[test]
fn bulk_work_holds_at_most_half_the_workers_and_comes_first_in_one_claim_of_four() {
    let media = Mocks::default().media();
    let _workers: Vec<Worker> = (0..4)
        .map(|i| Worker::new(media.clone(), format!("w{i}"), Duration::from_secs(30)))
        .collect();
    // Two bulk jobs running (the cap of four workers), claims try no bulk.
    let (first, a) = media.lanes.next_claim();
    let (second, b) = media.lanes.next_claim();
    assert!(first.contains(&Lane::Bulk) && second.contains(&Lane::Bulk));
    for _ in 0..8 {
        let (lanes, _none) = media.lanes.next_claim();
        assert_eq!(lanes, [Lane::Interactive, Lane::Photo]);
    }
    drop((a, b));
    let orders: Vec<Vec<Lane>> = (0..4).map(|_| media.lanes.next_claim().0).collect();
    let bulk_first = orders.iter().filter(|o| o[1] == Lane::Bulk).count();
    assert_eq!(bulk_first, 1, "{orders:?}");
    assert!(
        orders
            .iter()
            .all(|o| o.len() == 3 && o[0] == Lane::Interactive)
    );
}

/// Issue 26: a member of K projects asking for K archives ran K builds at
/// once (only the bulk lane's half of the workers capped them). With the
/// per-process cap of one, two archive jobs claimed at once never build
/// together: the second goes back to the queue without spending an attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_archive_builds_never_run_at_once_in_one_process() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let building = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let claims = Arc::new(AtomicUsize::new(0));
    let mut m = Mocks::new();
    let jobs: Vec<Job> = (0..2)
        .map(|_| {
            claimed(
                JobPayload::BuildArchive {
                    archive_id: ArchiveId::new(),
                },
                1,
            )
        })
        .collect();
    let n = claims.clone();
    m.queue
        .expect_claim_in()
        .returning(move |_, _, _, _| Ok(jobs.get(n.fetch_add(1, Ordering::AcqRel)).cloned()));
    let owner = UserId::new();
    m.archives.expect_archive().returning(move |id| {
        Ok(Some(Archive {
            id,
            user_id: owner,
            project_id: ProjectId::new(),
            status: ArchiveStatus::Building,
            photo_count: None,
            bytes: None,
            created_at: NOW,
            expires_at: None,
            matches: None,
        }))
    });
    m.directory.expect_project().return_const(Ok(None));
    m.faces.expect_matched_photos().returning(|_, _| Ok(vec![]));
    let (b, top) = (building.clone(), most.clone());
    m.storage.expect_begin_upload().returning(move |_, _| {
        let now = b.fetch_add(1, Ordering::AcqRel) + 1;
        top.fetch_max(now, Ordering::AcqRel);
        // Long enough for the other worker to claim meanwhile.
        std::thread::sleep(Duration::from_millis(300));
        Ok("upload".into())
    });
    m.storage
        .expect_upload_part()
        .returning(|_, _, _, _| Ok("etag".into()));
    let b = building.clone();
    m.storage.expect_finish_upload().returning(move |_, _, _| {
        b.fetch_sub(1, Ordering::AcqRel);
        Ok(())
    });
    m.archives
        .expect_finish_archive()
        .returning(|_, _, _| Ok(true));
    m.queue.expect_complete().returning(|_, _, _, _| Ok(()));
    let released = Arc::new(AtomicUsize::new(0));
    let r = released.clone();
    m.queue.expect_release().returning(move |_, _, at| {
        assert!(at > NOW, "due again later");
        r.fetch_add(1, Ordering::AcqRel);
        Ok(())
    });
    let media = m.media();
    let workers: Vec<Arc<Worker>> = (0..4)
        .map(|i| {
            Arc::new(Worker::new(
                media.clone(),
                format!("w{i}"),
                Duration::from_secs(30),
            ))
        })
        .collect();
    let runs: Vec<_> = workers[..2]
        .iter()
        .map(|w| {
            let w = w.clone();
            tokio::spawn(async move { w.run_once().await.unwrap() })
        })
        .collect();
    for run in runs {
        run.await.unwrap();
    }
    assert_eq!(most.load(Ordering::Acquire), 1, "one build at a time");
    assert_eq!(
        released.load(Ordering::Acquire),
        1,
        "the other waits queued"
    );
}
