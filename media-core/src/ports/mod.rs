//! The ports: what the core needs from the outside world, as traits over
//! domain types. `media-adapters` implements them; with the `mocks` feature
//! (or in this crate's tests) mockall generates `Mock*` implementations.
//!
//! Each port below says what an implementation must respect. Examples of
//! fakes, hand-written or with mockall, one per port:
//!
//! ## [`Clock`]
//!
//! A hand-written fake: a clock a test advances.
//!
//! ```
//! use std::sync::Mutex;
//! use media_core::ports::Clock;
//! use time::{Duration, OffsetDateTime};
//!
//! /// A clock a test advances by hand (past an upload URL's 600 s, say).
//! struct TestClock(Mutex<OffsetDateTime>);
//!
//! impl Clock for TestClock {
//!     fn now(&self) -> OffsetDateTime {
//!         *self.0.lock().unwrap()
//!     }
//! }
//!
//! let clock = TestClock(Mutex::new(OffsetDateTime::UNIX_EPOCH));
//! *clock.0.lock().unwrap() += Duration::seconds(601);
//! assert_eq!(clock.now().unix_timestamp(), 601);
//! ```
//!
//! ## [`Authenticator`]
//!
//! A hand-written one: it must be synchronous and local (no network call per request), and never put the token in its error.
//!
//! ```
//! use media_core::prelude::*;
//! use uuid::Uuid;
//!
//! /// Development tokens: a bare UUID is a user of the media app.
//! struct UuidUsers;
//!
//! impl Authenticator for UuidUsers {
//!     fn authenticate(&self, token: &str, audience: Audience) -> Result<Principal, AuthError> {
//!         // Say why in the error, but never echo the token.
//!         let id: Uuid = token.parse().map_err(|_| AuthError::Invalid("not a UUID".into()))?;
//!         if audience != Audience::Media {
//!             return Err(AuthError::WrongAudience(audience.as_str()));
//!         }
//!         Ok(Principal::new(id, Audience::Media, [Role::User]))
//!     }
//! }
//!
//! let id = Uuid::new_v4();
//! let caller = UuidUsers.authenticate(&id.to_string(), Audience::Media).unwrap();
//! assert!(caller.has_role(Role::User));
//! assert!(UuidUsers.authenticate(&id.to_string(), Audience::Backoffice).is_err());
//! ```
//!
//! ## [`FaceEmbedder`]
//!
//! A hand-written fake. Return every face, whatever its score: the core applies the score and size rules.
//!
//! ```
//! use media_core::domain::RETINA_EMBEDDING_DIM;
//! use media_core::prelude::*;
//!
//! /// Finds one large, confident face in every image, always the same person.
//! struct OnePerson;
//!
//! #[async_trait::async_trait]
//! impl FaceEmbedder for OnePerson {
//!     fn is_configured(&self) -> bool {
//!         true
//!     }
//!     async fn detect_faces(&self, _image_url: &str) -> Result<Vec<DetectedFace>> {
//!         // Unit length, as long as the model makes them: the matcher relies on both.
//!         let mut embedding = vec![0.0; RETINA_EMBEDDING_DIM];
//!         embedding[0] = 1.0;
//!         let bbox = FaceBox { x: 10.0, y: 10.0, width: 200.0, height: 220.0 };
//!         let model = "one-person-v1".to_owned();
//!         Ok(vec![DetectedFace { bbox, score: 0.99, embedding, model }])
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let faces = OnePerson.detect_faces("https://store/selfie.jpg").await.unwrap();
//! assert_eq!(faces[0].bbox.shorter_side(), 200.0);
//! # }
//! ```
//!
//! ## [`Storage`]
//!
//! With mockall (`features = ["mocks"]`): what a contract-respecting `get` answers.
//!
//! ```
//! use media_core::ids::{PhotoId, ProjectId};
//! use media_core::keys::{self, PhotoObject};
//! use media_core::ports::{Fetched, MockStorage, Storage};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let key = keys::photo(ProjectId::new(), PhotoId::new(), PhotoObject::Original);
//! let mut store = MockStorage::new();
//! // A contract-respecting `get`: another version than the one asked for is
//! // `Changed` (never its bytes); past `max_bytes`, `TooLarge` with the size.
//! store.expect_get().returning(|_, etag, max_bytes| {
//!     let body = b"\xff\xd8 a jpeg".to_vec();
//!     Ok(match etag.as_deref() {
//!         Some(e) if e != "v1" => Fetched::Changed,
//!         _ if body.len() as u64 > max_bytes => Fetched::TooLarge(body.len() as u64),
//!         _ => Fetched::Bytes(body),
//!     })
//! });
//! assert_eq!(store.get(&key, Some("v2".into()), 1 << 20).await.unwrap(), Fetched::Changed);
//! assert_eq!(store.get(&key, Some("v1".into()), 4).await.unwrap(), Fetched::TooLarge(9));
//! # }
//! ```
//!
//! ## The repositories, the queue and its administration
//!
//! With mockall (`features = ["mocks"]`), each answering as a
//! contract-respecting implementation must; `MockPorts` holds one of each
//! and builds a `Media` on them. [`DirectoryRepo`]: inserting an existing id
//! changes nothing and says so.
//!
//! ```
//! use media_core::ports::{DirectoryRepo, MockDirectoryRepo};
//! use media_core::prelude::*;
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mut directory = MockDirectoryRepo::new();
//! let mut known = std::collections::HashSet::new();
//! directory
//!     .expect_insert_operator()
//!     .returning(move |o: &Operator| Ok(known.insert(o.id)));
//! let olga = Operator { id: OperatorId::new(), name: "Olga".into() };
//! assert!(directory.insert_operator(&olga).await.unwrap());
//! assert!(!directory.insert_operator(&olga).await.unwrap(), "already there");
//! # }
//! ```
//!
//! [`PhotoRepo`] (and [`SelfieRepo`]): a transition moves a row once; the
//! call that did not move it returns `false` and enqueues nothing.
//!
//! ```
//! use media_core::ports::{MockPhotoRepo, PhotoRepo};
//! use media_core::prelude::*;
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mut photos = MockPhotoRepo::new();
//! let mut awaiting = true;
//! photos
//!     .expect_mark_photo_uploaded()
//!     .returning(move |_, _, _, _| Ok(std::mem::replace(&mut awaiting, false)));
//! let (id, now) = (PhotoId::new(), time::OffsetDateTime::UNIX_EPOCH);
//! let jobs = [JobPayload::thumbnails(ProjectId::new(), id)];
//! assert!(photos.mark_photo_uploaded(id, Some("v1".into()), &jobs, now).await.unwrap());
//! assert!(!photos.mark_photo_uploaded(id, Some("v1".into()), &jobs, now).await.unwrap());
//! # }
//! ```
//!
//! [`SelfieRepo`] and [`ConsentRepo`]: absence is `Ok(None)` / `Ok(false)`, never an error.
//!
//! ```
//! use media_core::domain::ConsentPurpose;
//! use media_core::ports::{ConsentRepo, MockConsentRepo, MockSelfieRepo, SelfieRepo};
//! use media_core::prelude::*;
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let (mut selfies, mut consents) = (MockSelfieRepo::new(), MockConsentRepo::new());
//! selfies.expect_approved_embedding().returning(|_| Ok(None));
//! consents.expect_has_consent().returning(|_, _| Ok(false));
//! let user = UserId::new();
//! assert_eq!(selfies.approved_embedding(user).await.unwrap(), None);
//! assert!(!consents.has_consent(user, ConsentPurpose::BiometricProcessing).await.unwrap());
//! # }
//! ```
//!
//! [`FaceRepo`]: faces come back in `seq` order, strictly after the given one.
//!
//! ```
//! use media_core::domain::PhotoFace;
//! use media_core::ports::{FaceRepo, MockFaceRepo};
//! use media_core::prelude::*;
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let stored: Vec<PhotoFace> = (1..=3)
//!     .map(|seq| PhotoFace {
//!         seq,
//!         photo_id: PhotoId::new(),
//!         embedding: vec![1.0],
//!         model: "one-person-v1".to_owned(),
//!     })
//!     .collect();
//! let mut faces = MockFaceRepo::new();
//! faces.expect_faces_after().returning(move |_, after, limit| {
//!     Ok(stored.iter().filter(|f| f.seq > after).take(limit as usize).cloned().collect())
//! });
//! let page = faces.faces_after(ProjectId::new(), 1, 10).await.unwrap();
//! assert_eq!(page.iter().map(|f| f.seq).collect::<Vec<_>>(), [2, 3]);
//! # }
//! ```
//!
//! [`JobQueue`] and [`JobAdmin`]: `retry` moves only the given jobs that
//! are still dead, and says how many.
//!
//! ```
//! use media_core::ports::{JobAdmin, JobQueue, MockJobAdmin, MockJobQueue};
//! use media_core::prelude::*;
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let now = time::OffsetDateTime::UNIX_EPOCH;
//! let mut queue = MockJobQueue::new();
//! queue.expect_enqueue().returning(|_, _| Ok(()));
//! queue.enqueue(&[JobPayload::ClusterFaces { project_id: ProjectId::new() }], now).await.unwrap();
//! let (dead, done) = (JobId::new(), JobId::new());
//! let mut admin = MockJobAdmin::new();
//! admin
//!     .expect_retry()
//!     .returning(move |ids, _| Ok(ids.iter().filter(|id| **id == dead).count() as u64));
//! assert_eq!(admin.retry(&[dead, done], now).await.unwrap(), 1);
//! # }
//! ```

mod archives;
mod auth;
mod clock;
mod embedder;
mod events;
#[cfg(any(test, feature = "mocks"))]
mod mocks;
mod queue;
mod repo;
mod storage;

pub use archives::ArchiveRepo;
pub use auth::{AuthError, Authenticator};
pub use clock::Clock;
pub use embedder::{FaceEmbedder, FaceInput};
pub use events::{EventSink, NoEvents};
pub use queue::{JobAdmin, JobQueue};
pub use repo::{
    ConsentRepo, DirectoryRepo, FaceRepo, PhotoCreation, PhotoRepo, PhotoReset, SelfieRepo,
};
pub use storage::{Fetched, ImageContentType, ObjectInfo, Storage, UploadConstraints};

#[cfg(any(test, feature = "mocks"))]
pub use archives::MockArchiveRepo;
#[cfg(any(test, feature = "mocks"))]
pub use auth::MockAuthenticator;
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use embedder::MockFaceEmbedder;
#[cfg(any(test, feature = "mocks"))]
pub use events::MockEventSink;
#[cfg(any(test, feature = "mocks"))]
pub use mocks::MockPorts;
#[cfg(any(test, feature = "mocks"))]
pub use queue::{MockJobAdmin, MockJobQueue};
#[cfg(any(test, feature = "mocks"))]
pub use repo::{MockConsentRepo, MockDirectoryRepo, MockFaceRepo, MockPhotoRepo, MockSelfieRepo};
#[cfg(any(test, feature = "mocks"))]
pub use storage::MockStorage;
