//! The ports of `media-core` made real.
//!
//! - [`sql::SqlStore`]: every repository port and the job queue, on
//!   PostgreSQL (production) or SQLite (the embedded default).
//! - [`s3::S3Storage`]: R2 or any S3-compatible store, with a fast SigV4
//!   presigner; [`devstore`]: an S3-compatible store served in-process.
//! - [`retina::RetinaClient`]: the face service over HTTP.
//! - [`jwt::JwtAuthenticator`]: bearer tokens.
//! - [`clock::SystemClock`].

pub mod assemble;
pub mod clock;
pub mod config;
pub mod devstore;
pub mod jwt;
pub mod retina;
pub mod s3;
mod secret_file;
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;
