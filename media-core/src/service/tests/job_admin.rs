//! Job administration: which dead jobs may be retried, and what a retry
//! brings back (`job_admin.rs`).

use super::*;

fn dead(payload: JobPayload) -> Job {
    Job {
        status: JobStatus::Dead,
        ..claimed(payload, 5)
    }
}

#[tokio::test]
async fn only_dead_jobs_are_retried_and_one_bad_id_retries_none() {
    let queued = Job {
        status: JobStatus::Queued,
        ..claimed(
            JobPayload::ClusterFaces {
                project_id: ProjectId::new(),
            },
            0,
        )
    };
    let ok = dead(JobPayload::ClusterFaces {
        project_id: ProjectId::new(),
    });
    let mut m = Mocks::new();
    let (q, o) = (queued.clone(), ok.clone());
    m.job_admin
        .expect_get()
        .returning(move |id| Ok([q.clone(), o.clone()].into_iter().find(|j| j.id == id)));
    m.job_admin.expect_retry().never();
    let media = m.media();
    let e = media.retry_jobs(&[ok.id, queued.id]).await.unwrap_err();
    assert!(e.to_string().contains("is queued, not dead"), "{e}");
    let e = media.retry_jobs(&[JobId::new()]).await.unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
}

#[tokio::test]
async fn a_retried_selfie_job_brings_its_selfie_back_to_processing() {
    let u = user();
    let s = selfie_of(&u, SelfieStatus::Failed);
    let job = dead(JobPayload::ProcessSelfie { selfie_id: s.id });
    let mut m = Mocks::new();
    let j = job.clone();
    m.job_admin
        .expect_get()
        .returning(move |_| Ok(Some(j.clone())));
    let sid = s.id;
    m.selfies
        .expect_revive_selfie()
        .withf(move |id| *id == sid)
        .times(1)
        .returning(|_| Ok(true));
    let jid = job.id;
    m.job_admin
        .expect_retry()
        .withf(move |ids, _| ids == [jid])
        .times(1)
        .returning(|ids, _| Ok(ids.len() as u64));
    m.job_admin.expect_settle().returning(|_, _| Ok(0));
    assert_eq!(m.media().retry_jobs(&[job.id]).await.unwrap(), 1);
}

#[tokio::test]
async fn a_retried_job_of_a_failed_photo_reprocesses_the_whole_photo() {
    let p = photographer(Audience::Backoffice);
    let mut failed = photo_of(&p, ProjectId::new(), PhotoStatus::Failed);
    failed.failure_reason = Some(FailureReason::ProcessingFailed);
    let job = dead(JobPayload::watermark(failed.project_id, failed.id));
    let mut m = Mocks::new();
    let j = job.clone();
    m.job_admin
        .expect_get()
        .returning(move |_| Ok(Some(j.clone())));
    m.photos
        .expect_photo()
        .return_const(Ok(Some(failed.clone())));
    let id = failed.id;
    m.photos
        .expect_reset_photo()
        .withf(move |i, reset, jobs, _| {
            *i == id
                && (reset.thumbnails, reset.watermark, reset.faces) == (true, true, true)
                && jobs.len() == 1
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    // The dead job is settled, not run again: the reprocess's jobs do its work.
    let jid = job.id;
    m.job_admin
        .expect_settle()
        .withf(move |ids, _| ids == [jid])
        .times(1)
        .returning(|ids, _| Ok(ids.len() as u64));
    m.job_admin.expect_retry().returning(|_, _| Ok(0));
    assert_eq!(m.media().retry_jobs(&[job.id]).await.unwrap(), 1);
}

#[tokio::test]
async fn a_retried_faces_job_of_a_ready_photo_runs_again() {
    let p = photographer(Audience::Backoffice);
    let ready = photo_of(&p, ProjectId::new(), PhotoStatus::Ready);
    let job = dead(JobPayload::thumbnails(ready.project_id, ready.id));
    let mut m = Mocks::new();
    let j = job.clone();
    m.job_admin
        .expect_get()
        .returning(move |_| Ok(Some(j.clone())));
    m.photos.expect_photo().return_const(Ok(Some(ready)));
    m.photos.expect_reset_photo().never();
    let jid = job.id;
    m.job_admin
        .expect_retry()
        .withf(move |ids, _| ids == [jid])
        .times(1)
        .returning(|ids, _| Ok(ids.len() as u64));
    m.job_admin.expect_settle().returning(|_, _| Ok(0));
    assert_eq!(m.media().retry_jobs(&[job.id]).await.unwrap(), 1);
}

/// `reprocess --wait` read the queued jobs, then the running ones: a job
/// that went back to the queue in between (its faces deferred, no face
/// service) was in neither, and the wait ended without saying that faces
/// wait. Each read here sees the queue one step later.
#[tokio::test]
async fn reprocess_progress_reads_queued_and_running_jobs_at_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let p = photographer(Audience::Backoffice);
    let mut photo = photo_of(&p, ProjectId::new(), PhotoStatus::Ready);
    photo.thumbnails_done = true;
    let job = claimed(JobPayload::thumbnails(photo.project_id, photo.id), 1);
    let mut m = Mocks::new();
    m.embedder = MockFaceEmbedder::new();
    m.embedder.expect_is_configured().return_const(false);
    m.photos.expect_photo().return_const(Ok(Some(photo)));
    let reads = AtomicUsize::new(0);
    let j = job.clone();
    m.job_admin.expect_list().returning(move |statuses, _| {
        // Running at the first read, queued for its faces from the second.
        let now = match reads.fetch_add(1, Ordering::SeqCst) {
            0 => JobStatus::Running,
            _ => JobStatus::Queued,
        };
        let job = Job {
            status: now,
            ..j.clone()
        };
        Ok((statuses.is_empty() || statuses.contains(&now))
            .then_some(job)
            .into_iter()
            .collect())
    });
    let progress = m.media().reprocess_progress(&[job.payload]).await.unwrap();
    assert_eq!(
        progress.pending + progress.waiting_for_faces,
        1,
        "{progress:?}"
    );
}
