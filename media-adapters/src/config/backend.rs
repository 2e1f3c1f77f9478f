//! Which database `DATABASE_URL` names: parsing checks it, the SQL store
//! branches on it.

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL (production): `LISTEN/NOTIFY` wakes workers.
    Postgres,
    /// SQLite (the embedded default), one writer at a time.
    Sqlite,
}

impl Backend {
    /// The backend of `postgres://`, `postgresql://` or `sqlite:` URLs; `None` otherwise.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else {
            None
        }
    }
}
