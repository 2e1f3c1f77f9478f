//! Photo listings (SPEC §4 order, keyset cursors) in one statement per page.

use media_core::domain::PhotoListing;
use media_core::error::Result;
use media_core::listing::{PhotoQuery, PhotoScope};

use super::photos::{placeholders, taken_key};
use super::rows::{self, PHOTO_COLUMNS, get, us};
use super::{SqlStore, db_error};

/// One page's statement and its binds, texts first, then integers.
struct Statement {
    sql: String,
    texts: Vec<String>,
    ints: Vec<i64>,
}

impl Statement {
    fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.sql);
        for b in &self.texts {
            q = q.bind(b.clone());
        }
        for i in &self.ints {
            q = q.bind(*i);
        }
        q
    }
}

/// The page's statement; `None` when a filter on an empty id list leaves nothing to read.
fn statement(query: &PhotoQuery) -> Option<Statement> {
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut ints: Vec<i64> = Vec::new();
    match &query.scope {
        PhotoScope::Project(project) => {
            binds.push(project.to_string());
            conditions.push(format!("p.project_id = ${}", binds.len()));
        }
        PhotoScope::Operator {
            operator,
            project_ids,
            photographer_ids,
        } => {
            binds.push(operator.to_string());
            // The photo's own copy of its project's operator: the
            // (operator_id, listing order) index serves the page.
            conditions.push(format!("p.operator_id = ${}", binds.len()));
            if let Some(ids) = project_ids {
                if ids.is_empty() {
                    return None;
                }
                let first = binds.len() + 1;
                binds.extend(ids.iter().map(ToString::to_string));
                conditions.push(format!(
                    "p.project_id IN ({})",
                    placeholders(first, ids.len())
                ));
            }
            if let Some(ids) = photographer_ids {
                if ids.is_empty() {
                    return None;
                }
                let first = binds.len() + 1;
                binds.extend(ids.iter().map(ToString::to_string));
                conditions.push(format!(
                    "p.photographer_id IN ({})",
                    placeholders(first, ids.len())
                ));
            }
        }
    }
    if let Some(c) = &query.after {
        let n = binds.len();
        binds.push(c.id.to_string());
        ints.push(taken_key(c.taken_at));
        ints.push(us(c.created_at));
        // Keyset: strictly after the cursor in (taken_key, created_at, id) descending.
        conditions.push(format!(
                "(p.taken_key < ${t} OR (p.taken_key = ${t} AND (p.created_at < ${c} OR (p.created_at = ${c} AND p.id < ${i}))))",
                i = n + 1,
                t = n + 2,
                c = n + 3
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
    Some(Statement {
        sql,
        texts: binds,
        ints,
    })
}

impl SqlStore {
    /// Up to `query.limit` photos in listing order, after the cursor.
    pub(super) async fn listing(&self, query: &PhotoQuery) -> Result<Vec<PhotoListing>> {
        let Some(statement) = statement(query) else {
            return Ok(Vec::new());
        };
        let rows = statement
            .query()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(PhotoListing {
                    photo: rows::photo(r)?,
                    project_name: get(r, "project_name")?,
                    photographer_name: get(r, "photographer_name")?,
                })
            })
            .collect()
    }

    /// The plan Postgres picks for the page's statement, as `EXPLAIN` prints
    /// it, one node a line (tests check that an index serves the page).
    #[cfg(feature = "testing")]
    pub async fn explain_listing(&self, query: &PhotoQuery) -> Result<String> {
        let Some(statement) = statement(query) else {
            return Ok(String::new());
        };
        let explain = Statement {
            sql: format!("EXPLAIN {}", statement.sql),
            ..statement
        };
        let rows = explain
            .query()
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
