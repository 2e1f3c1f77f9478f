//! The ports: what the core needs from the outside world, as traits over
//! domain types. `media-adapters` implements them; with the `mocks` feature
//! (or in this crate's tests) mockall generates `Mock*` implementations.

mod auth;
mod clock;
mod embedder;
mod queue;
mod repo;
mod storage;

pub use auth::{AuthError, Authenticator};
pub use clock::Clock;
pub use embedder::FaceEmbedder;
pub use queue::{DeadLetters, JobQueue};
pub use repo::{ConsentRepo, DirectoryRepo, FaceRepo, PhotoCreation, PhotoRepo, SelfieRepo};
pub use storage::{Fetched, ImageContentType, ObjectInfo, Storage, UploadConstraints};

#[cfg(any(test, feature = "mocks"))]
pub use auth::MockAuthenticator;
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use embedder::MockFaceEmbedder;
#[cfg(any(test, feature = "mocks"))]
pub use queue::{MockDeadLetters, MockJobQueue};
#[cfg(any(test, feature = "mocks"))]
pub use repo::{MockConsentRepo, MockDirectoryRepo, MockFaceRepo, MockPhotoRepo, MockSelfieRepo};
#[cfg(any(test, feature = "mocks"))]
pub use storage::MockStorage;
