//! Conversions between domain values and the columns both backends share.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use media_core::domain::{
    FailureReason, Photo, PhotoStatus, RejectionReason, Selfie, SelfieStatus,
};
use media_core::error::{Error, Result};
use media_core::timestamps::{from_micros, micros};

use super::db_error;

/// The `taken_key` of an undated photo: sorts after every date, descending.
pub const UNDATED: i64 = i64::MIN;

pub fn us(t: OffsetDateTime) -> i64 {
    micros(t)
}

pub fn time_of(v: i64) -> Result<OffsetDateTime> {
    from_micros(v).ok_or_else(|| Error::permanent(format!("timestamp {v} out of range")))
}

pub fn get<'r, T>(row: &'r AnyRow, col: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(col).map_err(db_error)
}

pub fn id<T: From<Uuid>>(row: &AnyRow, col: &str) -> Result<T> {
    let s: String = get(row, col)?;
    Uuid::parse_str(&s)
        .map(T::from)
        .map_err(|e| Error::permanent(format!("bad id in {col}: {e}")))
}

/// A 0/1 flag column.
pub fn flag(row: &AnyRow, col: &str) -> Result<bool> {
    Ok(get::<i64>(row, col)? != 0)
}

pub fn time(row: &AnyRow, col: &str) -> Result<OffsetDateTime> {
    time_of(get(row, col)?)
}

pub fn opt_time(row: &AnyRow, col: &str) -> Result<Option<OffsetDateTime>> {
    get::<Option<i64>>(row, col)?.map(time_of).transpose()
}

fn parse_enum<T>(row: &AnyRow, col: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let s: String = get(row, col)?;
    parse(&s).ok_or_else(|| Error::permanent(format!("unknown {col} {s:?}")))
}

fn parse_opt_enum<T>(row: &AnyRow, col: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>> {
    get::<Option<String>>(row, col)?
        .map(|s| parse(&s).ok_or_else(|| Error::permanent(format!("unknown {col} {s:?}"))))
        .transpose()
}

pub const PHOTO_COLUMNS: &str = "p.id, p.project_id, p.photographer_id, p.status, p.taken_at, p.width, p.height, \
     p.created_at, p.upload_expires_at, p.failure_reason, p.thumbnails_done, p.watermark_done, p.faces_done, \
     p.original_etag, p.thumbhash, p.duplicate_of";

pub fn photo(row: &AnyRow) -> Result<Photo> {
    let dim = |col| -> Result<Option<u32>> {
        Ok(get::<Option<i64>>(row, col)?.and_then(|v| u32::try_from(v).ok()))
    };
    Ok(Photo {
        id: id(row, "id")?,
        project_id: id(row, "project_id")?,
        photographer_id: id(row, "photographer_id")?,
        status: parse_enum(row, "status", PhotoStatus::parse)?,
        taken_at: opt_time(row, "taken_at")?,
        width: dim("width")?,
        height: dim("height")?,
        created_at: time(row, "created_at")?,
        upload_expires_at: time(row, "upload_expires_at")?,
        failure_reason: parse_opt_enum(row, "failure_reason", FailureReason::parse)?,
        thumbnails_done: flag(row, "thumbnails_done")?,
        watermark_done: flag(row, "watermark_done")?,
        faces_done: flag(row, "faces_done")?,
        original_etag: get(row, "original_etag")?,
        thumbhash: get(row, "thumbhash")?,
        duplicate_of: get::<Option<String>>(row, "duplicate_of")?
            .and_then(|s| s.parse::<Uuid>().ok())
            .map(media_core::ids::PhotoId::from),
    })
}

pub const SELFIE_COLUMNS: &str = "id, user_id, key_ts, status, rejection_reason, failure_reason, created_at, \
     processed_at, upload_expires_at, original_etag";

pub fn selfie(row: &AnyRow) -> Result<Selfie> {
    Ok(Selfie {
        id: id(row, "id")?,
        user_id: id(row, "user_id")?,
        key_timestamp_ms: get(row, "key_ts")?,
        status: parse_enum(row, "status", SelfieStatus::parse)?,
        rejection_reason: parse_opt_enum(row, "rejection_reason", RejectionReason::parse)?,
        failure_reason: parse_opt_enum(row, "failure_reason", FailureReason::parse)?,
        created_at: time(row, "created_at")?,
        processed_at: opt_time(row, "processed_at")?,
        upload_expires_at: time(row, "upload_expires_at")?,
        original_etag: get(row, "original_etag")?,
    })
}

/// Embeddings are stored as little-endian f32s.
pub fn embedding_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn embedding_of(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}
