//! # media-core
//!
//! The heart of the media service of an event-photography platform, with no
//! I/O of its own: domain types, the ports the outside world plugs into,
//! permission rules, and every use case and background job handler.
//!
//! A Rust service embeds it by implementing (or taking from `media-adapters`)
//! the ports and building a [`service::Media`]:
//!
//! - [`ports::Storage`]: the object store (presigned PUT/GET, head, get, put,
//!   delete, list) — R2 or any S3-compatible store.
//! - [`ports::PhotoRepo`], [`ports::SelfieRepo`], [`ports::FaceRepo`],
//!   [`ports::DirectoryRepo`]: the database, one trait per aggregate. Methods
//!   that change state take the jobs the change causes and commit both in one
//!   transaction.
//! - [`ports::JobQueue`]: durable jobs with leases, retries and dead jobs.
//! - [`ports::Clock`]: the time, frozen in tests.
//! - [`ports::FaceEmbedder`]: the face service (Retina): faces and 512-dim
//!   embeddings for an image URL.
//! - [`ports::Authenticator`]: a bearer token → a [`domain::Principal`].
//!
//! Every port returns [`Error`], whose variants tell a server which status to
//! answer and a worker whether to retry.
//!
//! Start with the [`guide`]: which ports to implement, the transaction rule,
//! running the workers in your runtime, mapping errors to your transport, and
//! tests on mocks. [`prelude`] is the one import most code needs. Features:
//! `mocks` (a mockall fake of every port, `ports::MockPorts`), `testing`
//! (image fixtures), `clap` (`ValueEnum` for the code enums).

#![warn(missing_docs)]

pub mod domain;
pub mod error;
pub mod guide {
    #![doc = include_str!("guide.md")]
}
pub mod ids;
pub mod imaging;
pub mod keys;
pub mod listing;
pub mod matching;
pub mod observe;
pub mod policy;
pub mod ports;
pub mod prelude;
pub mod service;
pub mod settings;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod timestamps;
pub mod zip;

pub use error::{ConflictKind, Error, InvalidKind, Result};
pub use settings::Settings;
