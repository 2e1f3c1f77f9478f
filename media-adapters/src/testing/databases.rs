//! The databases a suite runs against.
//!
//! SQLite always; Postgres when `MEDIA_TEST_DATABASE_URL` is set, each call
//! in a schema of its own so suites can run in parallel. With
//! `MEDIA_REQUIRE_POSTGRES=1` a missing or unreachable Postgres fails the
//! test instead of being skipped.

use sqlx::AnyPool;

use media_core::domain::PhotoStatus;
use media_core::ids::{OperatorId, PhotographerId, ProjectId};

use crate::sql::SqlStore;

/// The variable naming the Postgres database suites create schemas in.
pub const DATABASE_VAR: &str = "MEDIA_TEST_DATABASE_URL";
/// `1` makes a missing Postgres a failure instead of a skip (CI sets it).
pub const REQUIRE_VAR: &str = "MEDIA_REQUIRE_POSTGRES";

fn postgres_required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1" || v == "true")
}

/// A fresh Postgres schema's URL, or `None` (with a printed notice) when no
/// test database is configured. Panics when Postgres is required but absent.
pub async fn fresh_postgres_url() -> Option<String> {
    let Ok(base) = std::env::var(DATABASE_VAR) else {
        if postgres_required() {
            panic!("{REQUIRE_VAR}=1 but {DATABASE_VAR} is not set");
        }
        eprintln!("notice: {DATABASE_VAR} is not set; Postgres tests are skipped");
        return None;
    };
    sqlx::any::install_default_drivers();
    let admin = AnyPool::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test database {DATABASE_VAR}: {e}"));
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create a test schema: {e}"));
    admin.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

/// A store on a fresh in-memory SQLite database.
pub async fn sqlite_store(max_attempts: u32) -> SqlStore {
    SqlStore::connect("sqlite::memory:", max_attempts)
        .await
        .unwrap_or_else(|e| panic!("in-memory SQLite: {e}"))
}

/// A store on a fresh Postgres schema, or `None` when no test database is
/// configured (a failure instead when `MEDIA_REQUIRE_POSTGRES=1`).
pub async fn postgres_store(max_attempts: u32) -> Option<SqlStore> {
    let url = fresh_postgres_url().await?;
    Some(
        SqlStore::connect(&url, max_attempts)
            .await
            .unwrap_or_else(|e| panic!("Postgres at {DATABASE_VAR}: {e}")),
    )
}

/// `n` ready photos of `project` by `photographer`, dated over a year, in
/// one statement (Postgres only: listings at season scale in seconds).
pub async fn seed_ready_photos(
    pool: &sqlx::AnyPool,
    project: ProjectId,
    operator: OperatorId,
    photographer: PhotographerId,
    n: i64,
) -> Result<(), sqlx::Error> {
    let now = media_core::timestamps::micros(time::OffsetDateTime::now_utc());
    sqlx::query(
        "INSERT INTO photos (id, project_id, photographer_id, status, taken_at, taken_key, width, height, \
         created_at, upload_expires_at, thumbnails_done, watermark_done, faces_done, operator_id) \
         SELECT gen_random_uuid()::text, $1, $2, $6, $3 - (g * 7919 % 31536000) * 1000000, \
         $3 - (g * 7919 % 31536000) * 1000000, 6000, 4000, $3 - g, $3, 1, 1, 1, $4 \
         FROM generate_series(1, $5) AS g",
    )
    .bind(project.to_string())
    .bind(photographer.to_string())
    .bind(now)
    .bind(operator.to_string())
    .bind(n)
    .bind(PhotoStatus::Ready.as_str())
    .execute(pool)
    .await?;
    Ok(())
}
