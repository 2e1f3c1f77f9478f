//! The tunables of the core, with SPEC §6 defaults. The server and CLI fill
//! them from the environment.

use std::time::Duration;

/// Presigned PUT lifetime (SPEC §1).
pub const UPLOAD_URL_TTL: Duration = Duration::from_secs(600);
/// Presigned GET lifetime (SPEC §1).
pub const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(900);

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub max_upload_bytes: u64,
    pub max_image_pixels: u64,
    pub watermark_text: String,
    pub watermark_max_edge: u32,
    pub match_max_distance: f32,
    pub selfie_min_score: f32,
    /// Extra time after an upload URL expires before the upload is given up.
    pub upload_grace: Duration,
    pub job_max_attempts: u32,
    /// Finished (`done`) jobs are deleted this long after they finished
    /// (`JOB_RETENTION_HOURS`); dead ones stay until retried or pruned by hand.
    pub job_retention: Duration,
    /// Megabytes that the image decodes of one process may hold at once
    /// (`MEDIA_DECODE_MEMORY_MB`); a render waits for its share.
    pub decode_memory_mb: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_upload_bytes: 50 * 1024 * 1024,
            max_image_pixels: 100_000_000,
            watermark_text: "© Wairo".to_owned(),
            watermark_max_edge: 2560,
            match_max_distance: 0.5,
            selfie_min_score: 0.8,
            upload_grace: Duration::from_secs(300),
            job_max_attempts: 5,
            // A week: long enough to look into last weekend's event, short
            // enough that ≥ 3 rows per photo do not pile up for a season.
            job_retention: Duration::from_secs(168 * 3600),
            // One 100 MP PNG (400 MB decoded) at a time, or a dozen 24 MP
            // JPEGs at their usual 1/2 scale: the process stays under 1 GiB.
            decode_memory_mb: 512,
        }
    }
}

/// Faces in a photo whose box's shorter side is under this are ignored.
pub const MIN_PHOTO_FACE_PX: f32 = 40.0;
/// A selfie face whose box's shorter side is under this is `low_quality`.
pub const MIN_SELFIE_FACE_PX: f32 = 80.0;
