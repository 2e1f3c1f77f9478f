//! The core's settings from the environment: limits, thresholds,
//! watermark, attempts, retention, the decode budget.

use std::time::Duration;

use media_core::Settings;

use super::{ConfigError, Lookup, parse};

/// The core's settings: limits, thresholds, watermark, attempts.
pub(super) fn limits(get: Lookup<'_>) -> Result<Settings, ConfigError> {
    let d = Settings::default();
    Ok(Settings {
        max_upload_bytes: parse(
            get,
            "MAX_UPLOAD_BYTES",
            d.max_upload_bytes,
            |v| *v > 0,
            "a positive number of bytes",
        )?,
        max_image_pixels: parse(
            get,
            "MAX_IMAGE_PIXELS",
            d.max_image_pixels,
            |v| *v > 0,
            "a positive number of pixels",
        )?,
        watermark_text: get("WATERMARK_TEXT").unwrap_or(d.watermark_text),
        watermark_max_edge: parse(
            get,
            "WATERMARK_MAX_EDGE",
            d.watermark_max_edge,
            |v| (16..=16_384).contains(v),
            "a number of pixels from 16 to 16384",
        )?,
        // Unset: each model's own (Retina's 0.5, the built-in engine's measured one).
        match_max_distance: match get("MATCH_MAX_DISTANCE") {
            None => None,
            Some(_) => Some(parse(
                get,
                "MATCH_MAX_DISTANCE",
                0.5,
                |v| (0.0..=2.0).contains(v),
                "a cosine distance from 0 to 2",
            )?),
        },
        model_match_distances: d.model_match_distances,
        selfie_min_score: parse(
            get,
            "SELFIE_MIN_SCORE",
            d.selfie_min_score,
            |v| (0.0..=1.0).contains(v),
            "a score from 0 to 1",
        )?,
        selfie_uploads_per_hour: parse(
            get,
            "SELFIE_UPLOADS_PER_HOUR",
            d.selfie_uploads_per_hour,
            |v| (1..=10_000).contains(v),
            "a number from 1 to 10000",
        )?,
        upload_grace: Duration::from_secs(parse(
            get,
            "UPLOAD_GRACE_SECONDS",
            d.upload_grace.as_secs(),
            // Past 30 days an abandoned upload would be awaited for a month;
            // past any date `now + grace` overflows.
            |v| *v <= 30 * 86_400,
            "a number of seconds up to 2592000 (30 days)",
        )?),
        job_max_attempts: parse(
            get,
            "JOB_MAX_ATTEMPTS",
            d.job_max_attempts,
            |v| (1..=100).contains(v),
            "a number from 1 to 100",
        )?,
        decode_memory_mb: parse(
            get,
            "MEDIA_DECODE_MEMORY_MB",
            d.decode_memory_mb,
            |v| (64..=1_048_576).contains(v),
            "a number of megabytes from 64 to 1048576",
        )?,
        job_retention: Duration::from_secs(
            3600 * parse(
                get,
                "JOB_RETENTION_HOURS",
                d.job_retention.as_secs() / 3600,
                |v| *v <= 87_600,
                "a number of hours up to 87600 (ten years)",
            )?,
        ),
        archive_ttl: Duration::from_secs(
            3600 * parse(
                get,
                "ARCHIVE_TTL_HOURS",
                d.archive_ttl.as_secs() / 3600,
                |v| *v <= 8_760,
                "a number of hours up to 8760 (a year)",
            )?,
        ),
        match_notify_debounce: Duration::from_secs(parse(
            get,
            "MATCH_NOTIFY_DEBOUNCE_SECONDS",
            d.match_notify_debounce.as_secs(),
            |v| *v <= 86_400,
            "a number of seconds up to 86400 (a day)",
        )?),
        event_retry_base: Duration::from_millis(parse(
            get,
            "EVENTS_RETRY_BASE_MS",
            u64::try_from(d.event_retry_base.as_millis()).unwrap_or(u64::MAX),
            |v| (10..=3_600_000).contains(v),
            "a number of milliseconds from 10 to 3600000 (an hour)",
        )?),
    })
}
