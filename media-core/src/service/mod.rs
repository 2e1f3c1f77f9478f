//! The use cases: one method per route of SPEC §3, one handler per job of
//! SPEC §5, and the operator tasks of SPEC §8, on a [`Media`] service that
//! holds the ports.

mod admin;
mod archives;
mod audit;
mod backoff;
mod directory;
mod failures;
mod health;
mod job_admin;
mod jobs;
mod my_photos;
mod orphans;
mod photos;
mod rate;
mod reconcile;
mod redescribe;
mod selfies;
mod stats;
mod upkeep;
mod uploads;
mod views;
mod worker;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::Settings;
use crate::domain::{ConsentPurpose, Principal};
use crate::error::Result;
use crate::keys::StorageKey;
use crate::policy::{self, Access};
use crate::ports::{
    ArchiveRepo, Clock, ConsentRepo, DirectoryRepo, EventSink, FaceEmbedder, FaceRepo, JobAdmin,
    JobQueue, PhotoRepo, SelfieRepo, Storage,
};
use crate::settings::DOWNLOAD_URL_TTL;
use crate::timestamps::truncate_to_micros;

pub use admin::{PurgeReport, ReprocessStep};
pub use audit::{AuditReport, Finding};
pub use backoff::Backoff;
pub use health::{READINESS_FRESH, Readiness};
pub use job_admin::{ReprocessOutcome, ReprocessProgress};
pub use jobs::JobOutcome;
pub use photos::OperatorFilter;
pub use uploads::{UploadRequest, UploadTicket};
pub use views::{ArchiveView, MyPhoto, PhotoView, ProfilePictureUpload, SelfieView};
pub use worker::{Worker, WorkerEvent};

/// The ports the service runs on. The repositories and the queue must share
/// one database: a state change and the jobs it causes commit together
/// (one SQL store implements them all in `media-adapters`).
#[derive(Clone)]
pub struct Ports {
    /// Operators, photographers, projects, assignments, members.
    pub directory: Arc<dyn DirectoryRepo>,
    /// Photo rows.
    pub photos: Arc<dyn PhotoRepo>,
    /// Selfie rows and everything biometric about a user.
    pub selfies: Arc<dyn SelfieRepo>,
    /// Consents.
    pub consents: Arc<dyn ConsentRepo>,
    /// Faces, matches and matching progress.
    pub faces: Arc<dyn FaceRepo>,
    /// Archives of users' photos.
    pub archives: Arc<dyn ArchiveRepo>,
    /// The job queue workers claim from.
    pub queue: Arc<dyn JobQueue>,
    /// Reading and reviving jobs (CLI, metrics).
    pub job_admin: Arc<dyn JobAdmin>,
    /// The object store.
    pub storage: Arc<dyn Storage>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// The face service.
    pub embedder: Arc<dyn FaceEmbedder>,
    /// The platform's webhook ([`NoEvents`](crate::ports::NoEvents) when off).
    pub events: Arc<dyn EventSink>,
}

/// The media service: every use case, over the ports.
#[derive(Clone)]
pub struct Media {
    ports: Ports,
    settings: Arc<Settings>,
    /// Where the upload reconciler stopped: the next cycle resumes there.
    reconcile: Arc<std::sync::Mutex<reconcile::ReconcileCursor>>,
    /// The decode memory budget of this process, in megabytes, shared by
    /// every worker: a render holds its estimated share while it runs.
    decode_budget: Arc<tokio::sync::Semaphore>,
    /// This process's workers and their claims, for the lanes' share and cap.
    lanes: Arc<worker::LaneCounts>,
    /// The last readiness probe and when it ran: `/readyz` answers from it
    /// for [`READINESS_FRESH`].
    readiness: Arc<tokio::sync::Mutex<Option<(time::OffsetDateTime, health::Readiness)>>>,
    /// Selfie upload URLs per user in the last hour.
    selfie_uploads: Arc<rate::RateLimiter>,
}

impl Media {
    /// The service over `ports` with `settings`. Cheap to clone: clones share
    /// the ports, the decode budget and the reconciler's cursor, so build one
    /// per process and clone it into every task.
    pub fn new(ports: Ports, settings: Settings) -> Self {
        let budget = settings.decode_memory_mb.max(1) as usize;
        Self {
            ports,
            settings: Arc::new(settings),
            reconcile: Arc::default(),
            decode_budget: Arc::new(tokio::sync::Semaphore::new(budget)),
            lanes: Arc::default(),
            readiness: Arc::default(),
            selfie_uploads: Arc::default(),
        }
    }

    /// The settings it was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The ports it runs on.
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// Admits the caller to a route: audience (401), role (403), then —
    /// when the access asks for it — an active `biometric_processing`
    /// consent (403 `consent_required`), in SPEC §2's order. Scope (404)
    /// is the use case's, after this.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn admit(&self, principal: &Principal, access: &Access) -> Result<()> {
        policy::authorize(principal, access)?;
        if access.consent {
            let consented = self
                .ports
                .consents
                .has_consent(principal.as_user(), ConsentPurpose::BiometricProcessing)
                .await?;
            policy::consented(consented)?;
        }
        Ok(())
    }

    /// The current time at the database's precision.
    fn now(&self) -> OffsetDateTime {
        truncate_to_micros(self.ports.clock.now())
    }

    fn download_url(&self, key: &StorageKey, now: OffsetDateTime) -> Result<String> {
        self.ports.storage.presign_get(key, now, DOWNLOAD_URL_TTL)
    }

    fn limits(&self) -> crate::imaging::Limits {
        crate::imaging::Limits {
            max_pixels: self.settings.max_image_pixels,
            max_bytes: self.settings.max_upload_bytes,
        }
    }
}

/// Seconds of a TTL as the API reports them.
pub(crate) fn seconds(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}
