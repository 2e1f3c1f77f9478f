//! The tunables of the core, with SPEC §6 defaults. The server and CLI fill
//! them from the environment.

use std::time::Duration;

/// Presigned PUT lifetime (SPEC §1).
pub const UPLOAD_URL_TTL: Duration = Duration::from_secs(600);
/// Presigned GET lifetime (SPEC §1).
pub const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(900);

/// What a deployment tunes (SPEC §6 names the variables). Start from
/// `Settings::default()` and change what differs; `media-adapters`'
/// `Config::load` fills it from the environment and validates it.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Largest original or selfie, in bytes (`MAX_UPLOAD_BYTES`, 50 MiB).
    pub max_upload_bytes: u64,
    /// Largest image, width × height, checked from the header (`MAX_IMAGE_PIXELS`, 100 MP).
    pub max_image_pixels: u64,
    /// The watermark's text when a project has none (`WATERMARK_TEXT`).
    pub watermark_text: String,
    /// The watermarked copy's longer edge, in pixels (2560).
    pub watermark_max_edge: u32,
    /// Largest cosine distance that counts as a match, for every model
    /// (`MATCH_MAX_DISTANCE`); `None`, the default: each model's own
    /// ([`Settings::match_max_distance_for`]).
    pub match_max_distance: Option<f32>,
    /// Each model's measured match threshold (the built-in engine's: its
    /// adapter adds it); any model not listed (Retina's) uses
    /// [`RETINA_MATCH_MAX_DISTANCE`].
    pub model_match_distances: Vec<(String, f32)>,
    /// Selfie faces scoring below this are ignored (`SELFIE_MIN_SCORE`, 0.8).
    pub selfie_min_score: f32,
    /// Extra time after an upload URL expires before the upload is given up.
    pub upload_grace: Duration,
    /// Attempts per job before it is dead (`JOB_MAX_ATTEMPTS`, 5).
    pub job_max_attempts: u32,
    /// Finished (`done`) jobs are deleted this long after they finished
    /// (`JOB_RETENTION_HOURS`); dead ones stay until retried or pruned by hand.
    pub job_retention: Duration,
    /// Megabytes that the image decodes of one process may hold at once
    /// (`MEDIA_DECODE_MEMORY_MB`); a render waits for its share.
    pub decode_memory_mb: u32,
    /// At most one `matches.added` per (user, project) per this window
    /// (`MATCH_NOTIFY_DEBOUNCE_SECONDS`, 60 s); sent at its end.
    pub match_notify_debounce: Duration,
    /// The first retry of a failed event delivery waits about this long,
    /// each next one six times longer (`EVENTS_RETRY_BASE_MS`, 10 s).
    pub event_retry_base: Duration,
    /// A built (or failed) archive is purged this long after
    /// (`ARCHIVE_TTL_HOURS`, 24 h).
    pub archive_ttl: Duration,
    /// Selfie upload URLs a user may ask for in an hour
    /// (`SELFIE_UPLOADS_PER_HOUR`, 10); past it, 429 `rate_limited`.
    pub selfie_uploads_per_hour: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_upload_bytes: 50 * 1024 * 1024,
            max_image_pixels: 100_000_000,
            watermark_text: "© Wairo".to_owned(),
            watermark_max_edge: 2560,
            match_max_distance: None,
            model_match_distances: Vec::new(),
            selfie_min_score: 0.8,
            // A retake or two after a rejection, a new selfie after an
            // erasure: a person needs a handful an hour; each costs a face
            // detection and may cost an erasure's purges (issue 26).
            selfie_uploads_per_hour: 10,
            upload_grace: Duration::from_secs(300),
            job_max_attempts: 5,
            // A week: long enough to look into last weekend's event, short
            // enough that ≥ 3 rows per photo do not pile up for a season.
            job_retention: Duration::from_secs(168 * 3600),
            // One 100 MP PNG (400 MB decoded) at a time, or a dozen 24 MP
            // JPEGs at their usual 1/2 scale: the process stays under 1 GiB.
            decode_memory_mb: 512,
            // A burst of 2,000 photos takes minutes: one message per member
            // per minute is what a person reads, not one per photo.
            match_notify_debounce: Duration::from_secs(60),
            // 10 s, 1 min, 6 min, 36 min with 5 attempts: a receiver down
            // for about 40 min (a deploy, a restart) loses nothing; longer,
            // the dead deliveries wait for `media-cli jobs retry --dead`.
            event_retry_base: Duration::from_secs(10),
            // A day to download it on the way home, then the copies go.
            archive_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// The match threshold of a model without a measured one: Retina's (SPEC §5).
pub const RETINA_MATCH_MAX_DISTANCE: f32 = 0.5;

impl Settings {
    /// The largest cosine distance that counts as a match between two
    /// embeddings of `model`: `MATCH_MAX_DISTANCE` when set, else the
    /// model's measured default, else Retina's 0.5. A distance means
    /// different things for different models (decision 0029).
    pub fn match_max_distance_for(&self, model: &str) -> f32 {
        self.match_max_distance.unwrap_or_else(|| {
            self.model_match_distances
                .iter()
                .find(|(m, _)| m == model)
                .map_or(RETINA_MATCH_MAX_DISTANCE, |(_, d)| *d)
        })
    }
}

/// Faces in a photo whose box's shorter side is under this are ignored.
pub const MIN_PHOTO_FACE_PX: f32 = 40.0;
/// A selfie face whose box's shorter side is under this is `low_quality`.
pub const MIN_SELFIE_FACE_PX: f32 = 80.0;
