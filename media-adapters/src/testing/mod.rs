//! Test support, behind the `testing` feature (never in a release build):
//! what this crate's contract suites, the end-to-end tests, the CLI's and
//! the server's tests and the benchmarks share, written once.
//!
//! - [`databases`]: the backends a suite runs against (SQLite always,
//!   Postgres when `MEDIA_TEST_DATABASE_URL` is set), and
//!   [`contract_tests!`](crate::contract_tests), which emits one test per
//!   backend for each generic suite.
//! - [`World`]: an operator, a project, an assigned photographer, members.
//! - [`FakeRetina`]: a face service on 127.0.0.1 speaking SPEC §7.
//! - [`FakeReceiver`]: the platform's webhook receiver (SPEC §9).
//! - [`images`]: generated JPEG/PNG/WebP fixtures (`media_core::testing`).
//! - [`serve_loopback`]: the HTTP server under those fakes, for a test's own.

pub mod databases;
mod loopback;
mod receiver;
mod retina;
mod world;

pub use databases::{
    DATABASE_VAR, REQUIRE_VAR, fresh_postgres_url, postgres_store, seed_ready_photos, sqlite_store,
};
pub use loopback::serve as serve_loopback;
pub use media_core::testing as images;
pub use receiver::{Delivery, FakeReceiver, RECEIVER_SECRET, ReceiverMode};
pub use retina::{FakeRetina, RetinaCall, RetinaMode, identity_embedding, identity_jpeg};
pub use world::{World, member_of};

use media_core::ports::{
    ArchiveRepo, ConsentRepo, DirectoryRepo, FaceRepo, JobAdmin, JobQueue, PhotoRepo, SelfieRepo,
};

/// Every database port at once: what a contract suite is generic over.
pub trait Store:
    DirectoryRepo
    + PhotoRepo
    + SelfieRepo
    + ConsentRepo
    + FaceRepo
    + ArchiveRepo
    + JobQueue
    + JobAdmin
    + Clone
    + 'static
{
}

impl<T> Store for T where
    T: DirectoryRepo
        + PhotoRepo
        + SelfieRepo
        + ConsentRepo
        + FaceRepo
        + ArchiveRepo
        + JobQueue
        + JobAdmin
        + Clone
        + 'static
{
}

/// One `#[tokio::test]` per backend for each suite: `suite: attempts` runs
/// `async fn suite(store: &S)` on a SQLite store and (when configured) on a
/// fresh Postgres schema, each with `JOB_MAX_ATTEMPTS = attempts`. A
/// backend's failure is its own test's, so SQLite never hides Postgres.
#[macro_export]
macro_rules! contract_tests {
    ($($suite:ident : $attempts:expr),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $suite() {
                    let store = $crate::testing::sqlite_store($attempts).await;
                    super::$suite(&store).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $suite() {
                    let Some(store) = $crate::testing::postgres_store($attempts).await else {
                        return;
                    };
                    super::$suite(&store).await;
                }
            )+
        }
    };
}
