//! Photo listings (SPEC §4 order, keyset cursors) in one statement per page.

use media_core::domain::PhotoListing;
use media_core::error::Result;
use media_core::listing::{PhotoQuery, PhotoScope};

use super::binds::Binds;
use super::photo_changes::taken_key;
use super::rows::{self, PHOTO_COLUMNS, get, us};
#[cfg(feature = "testing")]
use super::{SqlStore, db_error};

/// One page's statement and its values.
pub(super) struct Statement {
    pub sql: String,
    pub binds: Binds<'static>,
}

/// A listing row.
pub(super) fn row(r: &sqlx::any::AnyRow) -> Result<PhotoListing> {
    Ok(PhotoListing {
        photo: rows::photo(r)?,
        project_name: get(r, "project_name")?,
        photographer_name: get(r, "photographer_name")?,
    })
}

/// The page's statement; `None` when a filter on an empty id list leaves nothing to read.
pub(super) fn statement(query: &PhotoQuery) -> Option<Statement> {
    let mut conditions = Vec::new();
    let mut b = Binds::new();
    match &query.scope {
        PhotoScope::Project(project) => {
            conditions.push(format!("p.project_id = {}", b.bind(project.to_string())));
        }
        PhotoScope::Operator {
            operator,
            project_ids,
            photographer_ids,
        } => {
            // The photo's own copy of its project's operator: the
            // (operator_id, listing order) index serves the page.
            conditions.push(format!("p.operator_id = {}", b.bind(operator.to_string())));
            if let Some(ids) = project_ids {
                if ids.is_empty() {
                    return None;
                }
                let ids = b.list(ids.iter().map(ToString::to_string));
                conditions.push(format!("p.project_id IN ({ids})"));
            }
            if let Some(ids) = photographer_ids {
                if ids.is_empty() {
                    return None;
                }
                let ids = b.list(ids.iter().map(ToString::to_string));
                conditions.push(format!("p.photographer_id IN ({ids})"));
            }
        }
    }
    if let Some(c) = &query.after {
        // Keyset: strictly after the cursor in (taken_key, created_at, id) descending.
        conditions.push(format!(
            "(p.taken_key < {t} OR (p.taken_key = {t} AND (p.created_at < {c} OR (p.created_at = {c} AND p.id < {i}))))",
            i = b.bind(c.id.to_string()),
            t = b.bind(taken_key(c.taken_at)),
            c = b.bind(us(c.created_at)),
        ));
    }
    let sql = format!(
        "SELECT {PHOTO_COLUMNS}, pr.name AS project_name, COALESCE(ph.name, '') AS photographer_name \
             FROM photos p JOIN projects pr ON pr.id = p.project_id \
             LEFT JOIN photographers ph ON ph.id = p.photographer_id \
             WHERE {} ORDER BY p.taken_key DESC, p.created_at DESC, p.id DESC LIMIT {}",
        conditions.join(" AND "),
        query.limit
    );
    Some(Statement { sql, binds: b })
}

#[cfg(feature = "testing")]
impl SqlStore {
    /// The plan Postgres picks for the page's statement, as `EXPLAIN` prints
    /// it, one node a line (tests check that an index serves the page).
    pub async fn explain_listing(&self, query: &PhotoQuery) -> Result<String> {
        let Some(statement) = statement(query) else {
            return Ok(String::new());
        };
        let explain = format!("EXPLAIN {}", statement.sql);
        let rows = statement
            .binds
            .query(&explain)?
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        let lines: Vec<String> = rows
            .iter()
            .map(|r| get(r, "QUERY PLAN"))
            .collect::<Result<_>>()?;
        Ok(lines.join("\n"))
    }
}
