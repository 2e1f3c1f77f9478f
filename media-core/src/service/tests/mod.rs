//! Use-case and job-handler tests on mockall fakes of every port: one
//! module per service file, with the mocks and fixtures here, once.

mod admin;
mod archives;
mod engine;
mod events;
mod health;
mod job_admin;
mod listings;
mod models;
mod photo_faces;
mod photo_jobs;
mod reconcile;
mod selfie_jobs;
mod selfies;
mod stats;
mod uploads;
mod worker;

pub(super) use std::sync::{Arc, Mutex};
pub(super) use std::time::Duration;

pub(super) use time::OffsetDateTime;
use time::macros::datetime;
pub(super) use uuid::Uuid;

pub(super) use super::*;
pub(super) use crate::domain::*;
pub(super) use crate::error::{ConflictKind, Error, InvalidKind};
pub(super) use crate::ids::*;
pub(super) use crate::listing::{PageRequest, PhotoScope};
pub(super) use crate::ports::*;

pub(super) const NOW: OffsetDateTime = datetime!(2026-05-01 12:00:00 UTC);

/// The model the mocked Retina names in its answers.
pub(super) const RETINA_TEST_MODEL: &str = "retina-test-v1";

/// Every port as a mock (`ports::MockPorts`), with the fixtures below.
pub(super) type Mocks = MockPorts;

impl MockPorts {
    pub(super) fn media(self) -> Media {
        self.media_at(NOW)
    }

    pub(super) fn consent(&mut self, granted: bool) -> &mut Self {
        self.consents.expect_has_consent().return_const(Ok(granted));
        self
    }

    /// The thumbnails job's originals are no other photo's bytes.
    pub(super) fn unique_bytes(&mut self) -> &mut Self {
        self.photos
            .expect_record_content()
            .returning(|_, _, _| Ok(None));
        self
    }

    /// Projects without a watermark text of their own: the default's.
    pub(super) fn default_watermark(&mut self) -> &mut Self {
        self.directory.expect_project().return_const(Ok(None));
        self
    }

    pub(super) fn assigned(&mut self, assigned: bool) -> &mut Self {
        self.directory
            .expect_is_assigned()
            .return_const(Ok(assigned));
        self
    }
}

pub(super) fn user() -> Principal {
    Principal::new(Uuid::new_v4(), Audience::Media, [Role::User])
}
pub(super) fn photographer(aud: Audience) -> Principal {
    Principal::new(Uuid::new_v4(), aud, [Role::Photographer])
}
pub(super) fn operator() -> Principal {
    Principal::new(Uuid::new_v4(), Audience::Backoffice, [Role::Operator])
}

pub(super) fn photo_of(p: &Principal, project: ProjectId, status: PhotoStatus) -> Photo {
    Photo {
        id: PhotoId::new(),
        project_id: project,
        photographer_id: p.as_photographer(),
        status,
        taken_at: None,
        width: None,
        height: None,
        created_at: NOW,
        upload_expires_at: NOW + Duration::from_secs(600),
        failure_reason: None,
        thumbnails_done: status == PhotoStatus::Ready,
        watermark_done: status == PhotoStatus::Ready,
        faces_done: status == PhotoStatus::Ready,
        original_etag: None,
        thumbhash: None,
        duplicate_of: None,
    }
}

pub(super) fn selfie_of(u: &Principal, status: SelfieStatus) -> Selfie {
    Selfie {
        id: SelfieId::new(),
        user_id: u.as_user(),
        key_timestamp_ms: 1_700_000_000_000,
        status,
        rejection_reason: None,
        failure_reason: None,
        created_at: NOW,
        processed_at: None,
        upload_expires_at: NOW + Duration::from_secs(600),
        original_etag: None,
    }
}

/// The store's HEADs answer these ETags, in order, once each (a PUT in
/// between shows as another ETag).
pub(super) fn heads_answering(m: &mut Mocks, etags: &[&'static str]) {
    let times = etags.len();
    let etags: Vec<String> = etags.iter().map(|e| (*e).to_owned()).collect();
    let etags = Mutex::new(etags.into_iter());
    m.storage.expect_head().times(times).returning(move |_| {
        let etag = etags.lock().unwrap().next();
        Ok(Some(ObjectInfo {
            etag,
            ..object(1000)
        }))
    });
}

pub(super) fn object(size: u64) -> ObjectInfo {
    ObjectInfo {
        key: String::new(),
        size,
        last_modified: None,
        etag: None,
    }
}

pub(super) fn unit_vec(i: usize) -> Vec<f32> {
    let mut v = vec![0.0; RETINA_EMBEDDING_DIM];
    v[i] = 1.0;
    v
}

pub(super) fn face(side: f32, score: f32, i: usize) -> DetectedFace {
    DetectedFace {
        bbox: FaceBox {
            x: 0.0,
            y: 0.0,
            width: side,
            height: side,
        },
        score,
        embedding: unit_vec(i),
        model: RETINA_TEST_MODEL.to_owned(),
    }
}

pub(super) fn tiny_jpeg() -> Vec<u8> {
    crate::testing::jpeg(64, 48, crate::testing::Fill::Solid([120; 3]))
}

pub(super) fn upload(ct: Option<&str>, len: Option<u64>) -> UploadRequest {
    UploadRequest {
        content_type: ct.map(str::to_owned),
        content_length: len,
        content_sha256: None,
    }
}

/// A job as a worker holds it after claiming.
pub(super) fn claimed(payload: JobPayload, attempts: u32) -> Job {
    Job {
        id: JobId::new(),
        payload,
        status: JobStatus::Running,
        attempts,
        max_attempts: 5,
        last_error: None,
        run_at: NOW,
        created_at: NOW,
    }
}

/// The purge a photo deletion enqueues.
pub(super) fn purge_of(project: ProjectId, photo: PhotoId) -> JobPayload {
    JobPayload::purge(vec![PurgeTarget::Photo {
        project_id: project,
        photo_id: photo,
    }])
}

/// What deleting a photo whose upload URL still works enqueues: the purge
/// now, and the sweep once the URL (600 s from `NOW`) and the grace (300 s) are over.
pub(super) fn deletion_jobs(project: ProjectId, photo: PhotoId) -> [JobPayload; 2] {
    let target = PurgeTarget::Photo {
        project_id: project,
        photo_id: photo,
    };
    [
        JobPayload::purge(vec![target.clone()]),
        JobPayload::purge_at(vec![target], NOW + Duration::from_secs(900)),
    ]
}
