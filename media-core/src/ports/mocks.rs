//! Every port as a mockall fake, in one value: what a service embedding the
//! core (and the core's own tests) builds a [`Media`] on in unit tests.

use std::sync::Arc;

use time::OffsetDateTime;

use super::{
    FaceInput, MockArchiveRepo, MockClock, MockConsentRepo, MockDirectoryRepo, MockEventSink,
    MockFaceEmbedder, MockFaceRepo, MockJobAdmin, MockJobQueue, MockPhotoRepo, MockSelfieRepo,
    MockStorage,
};
use crate::service::{Media, Ports};
use crate::settings::Settings;

/// One mock per port. [`MockPorts::new`] answers what every use case asks
/// without side effects — presigned URLs (`https://store/{key}?get&at={unix}&ttl={s}`
/// and `https://store/{key}?put&ttl={s}`), public references
/// (`https://public/{key}`) and "a face service is configured" (one read by URL,
/// as Retina is) — and expects
/// nothing else: add the expectations of the case under test, then
/// [`MockPorts::media_at`].
///
/// ```
/// use media_core::ports::MockPorts;
/// use media_core::prelude::*;
/// use time::macros::datetime;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut ports = MockPorts::new();
/// // A contract-respecting repository: absence is `Ok(None)`, never `NotFound`.
/// ports.photos.expect_photo().returning(|_| Ok(None));
/// let media = ports.media_at(datetime!(2026-05-01 12:00 UTC));
/// let photographer = Principal::new(uuid::Uuid::new_v4(), Audience::Backoffice, [Role::Photographer]);
/// // The use case turns the absence into the 404 of SPEC §2.
/// let err = media.complete_photo(&photographer, PhotoId::new()).await.unwrap_err();
/// assert!(matches!(err, Error::NotFound));
/// # }
/// ```
pub struct MockPorts {
    /// [`DirectoryRepo`](super::DirectoryRepo).
    pub directory: MockDirectoryRepo,
    /// [`PhotoRepo`](super::PhotoRepo).
    pub photos: MockPhotoRepo,
    /// [`SelfieRepo`](super::SelfieRepo).
    pub selfies: MockSelfieRepo,
    /// [`ConsentRepo`](super::ConsentRepo).
    pub consents: MockConsentRepo,
    /// [`FaceRepo`](super::FaceRepo).
    pub faces: MockFaceRepo,
    /// [`ArchiveRepo`](super::ArchiveRepo).
    pub archives: MockArchiveRepo,
    /// [`JobQueue`](super::JobQueue).
    pub queue: MockJobQueue,
    /// [`JobAdmin`](super::JobAdmin).
    pub job_admin: MockJobAdmin,
    /// [`Storage`](super::Storage), presigning already stubbed.
    pub storage: MockStorage,
    /// [`FaceEmbedder`](super::FaceEmbedder), configured, shown images by URL.
    pub embedder: MockFaceEmbedder,
    /// [`EventSink`](super::EventSink): `None` is [`NoEvents`](super::NoEvents) (events off).
    pub events: Option<MockEventSink>,
}

impl MockPorts {
    /// Mocks that expect nothing but the presigning, references and
    /// `is_configured` described above.
    pub fn new() -> Self {
        let mut storage = MockStorage::new();
        storage.expect_presign_get().returning(|key, now, ttl| {
            Ok(format!(
                "https://store/{key}?get&at={}&ttl={}",
                now.unix_timestamp(),
                ttl.as_secs()
            ))
        });
        storage.expect_presign_put().returning(|key, _, _, ttl| {
            Ok(format!("https://store/{key}?put&ttl={}", ttl.as_secs()))
        });
        storage
            .expect_public_reference()
            .returning(|key| format!("https://public/{key}"));
        let mut embedder = MockFaceEmbedder::new();
        embedder.expect_is_configured().return_const(true);
        embedder.expect_input().return_const(FaceInput::Url);
        Self {
            directory: MockDirectoryRepo::new(),
            photos: MockPhotoRepo::new(),
            selfies: MockSelfieRepo::new(),
            consents: MockConsentRepo::new(),
            faces: MockFaceRepo::new(),
            archives: MockArchiveRepo::new(),
            queue: MockJobQueue::new(),
            job_admin: MockJobAdmin::new(),
            storage,
            embedder,
            events: None,
        }
    }

    /// The service on these mocks, its clock frozen at `now`, default settings.
    pub fn media_at(self, now: OffsetDateTime) -> Media {
        self.media_with(now, Settings::default())
    }

    /// [`MockPorts::media_at`] with `settings`.
    pub fn media_with(self, now: OffsetDateTime, settings: Settings) -> Media {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now);
        Media::new(
            Ports {
                directory: Arc::new(self.directory),
                photos: Arc::new(self.photos),
                selfies: Arc::new(self.selfies),
                consents: Arc::new(self.consents),
                faces: Arc::new(self.faces),
                archives: Arc::new(self.archives),
                queue: Arc::new(self.queue),
                job_admin: Arc::new(self.job_admin),
                storage: Arc::new(self.storage),
                clock: Arc::new(clock),
                embedder: Arc::new(self.embedder),
                events: match self.events {
                    Some(sink) => Arc::new(sink),
                    None => Arc::new(super::NoEvents),
                },
            },
            settings,
        )
    }
}

impl Default for MockPorts {
    fn default() -> Self {
        Self::new()
    }
}
