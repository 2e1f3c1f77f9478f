//! The guarded photo updates several [`PhotoRepo`](media_core::ports::PhotoRepo)
//! methods share: a derivative's flag and the move to ready it may make,
//! and a failure.

use time::OffsetDateTime;

use media_core::domain::{FailureReason, JobPayload, Photo, PhotoStatus};
use media_core::error::Result;
use media_core::ids::PhotoId;

use super::binds::Binds;
use super::rows::{self, PHOTO_COLUMNS, UNDATED, us};
use super::{SqlStore, db_error};

/// The listing's date key: an undated photo sorts after every date.
pub(super) fn taken_key(t: Option<OffsetDateTime>) -> i64 {
    t.map_or(UNDATED, us)
}

impl SqlStore {
    /// The photos of `condition` (on `p`, with `$1` for `value`), then `tail`.
    pub(super) async fn photos_where(
        &self,
        condition: &str,
        value: &str,
        tail: &str,
    ) -> Result<Vec<Photo>> {
        let sql = format!("SELECT {PHOTO_COLUMNS} FROM photos p WHERE {condition} {tail}");
        let rows = sqlx::query(&sql)
            .bind(value)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(rows::photo).collect()
    }

    /// Sets a derivative's flag (`flag`, guarded by its transition), then,
    /// in the same transaction, makes the photo [`PhotoStatus::BECAME_READY`]
    /// when both flags are set, enqueuing `on_ready` only if that moved it.
    /// Two derivative jobs finishing at once: on Postgres the second's flag
    /// update waits for the first's row lock, so exactly one sees both
    /// flags; SQLite runs one writer at a time.
    pub(super) async fn record_derivative<'q>(
        &self,
        id: PhotoId,
        flag: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
        on_ready: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let t = PhotoStatus::BECAME_READY;
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let recorded = flag
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected()
            == 1;
        let mut ready = false;
        if recorded {
            let mut b = Binds::new();
            let sql = format!(
                "UPDATE photos SET status = {to} WHERE id = {id} AND thumbnails_done = 1 AND watermark_done = 1 AND {guard}",
                to = b.bind(t.to.as_str()),
                id = b.bind(id.to_string()),
                guard = b.any_of("status", t.from),
            );
            ready = b
                .query(&sql)?
                .execute(&mut *tx)
                .await
                .map_err(db_error)?
                .rows_affected()
                == 1;
            if ready {
                self.insert_jobs(&mut tx, on_ready, now).await?;
            }
        }
        tx.commit().await.map_err(db_error)?;
        if ready {
            self.jobs_committed(on_ready);
        }
        Ok(recorded)
    }
}

impl SqlStore {
    /// [`PhotoStatus::FAILED`] for `reason`; a duplicate names the photo it repeats.
    pub(super) async fn fail_with(
        &self,
        id: PhotoId,
        reason: FailureReason,
        duplicate_of: Option<PhotoId>,
        jobs: &[JobPayload],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let t = PhotoStatus::FAILED;
        let mut b = Binds::new();
        let sql = format!(
            "UPDATE photos SET status = {to}, failure_reason = {reason}{of} WHERE id = {id} AND {guard}",
            to = b.bind(t.to.as_str()),
            reason = b.bind(reason.as_str()),
            of = duplicate_of
                .map(|p| format!(", duplicate_of = {}", b.bind(p.to_string())))
                .unwrap_or_default(),
            id = b.bind(id.to_string()),
            guard = b.any_of("status", t.from),
        );
        self.change_then_enqueue(b.query(&sql)?, jobs, now).await
    }
}
