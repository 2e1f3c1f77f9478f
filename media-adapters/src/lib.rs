//! The ports of `media-core` made real.
//!
//! - [`sql::SqlStore`]: every repository port and the job queue, on
//!   PostgreSQL (production) or SQLite (the embedded default).
//! - [`s3::S3Storage`]: R2 or any S3-compatible store, with a fast SigV4
//!   presigner; [`devstore`]: an S3-compatible store served in-process.
//! - [`retina::RetinaClient`]: the face service over HTTP.
//! - [`jwt::JwtAuthenticator`]: bearer tokens.
//! - [`clock::SystemClock`].
//!
//! [`assemble::assemble`] builds all of them from a [`config::Config`] (what
//! the server and the CLI do). By hand, one [`sql::SqlStore`] serves every
//! database port through [`sql::SqlStore::ports`]. This is
//! `examples/embed.rs`, run as a doctest: the service on SQLite and the
//! embedded store, then a use case end to end — upload URL, PUT, completion,
//! the jobs, the listing.
//!

#![doc = concat!("```\n", include_str!("../examples/embed.rs"), "\n```")]
#![warn(missing_docs)]

pub mod allocator;
pub mod assemble;
pub mod bearer;
pub mod builtin;
/// The system clock.
pub mod clock;
pub mod config;
pub mod devstore;
pub mod jwt;
pub mod observe;
pub mod redact;
pub mod retina;
pub mod s3;
mod secret_file;
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;
pub mod webhooks;
