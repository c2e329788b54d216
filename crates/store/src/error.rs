//! What storage can report. Callers map these to HTTP statuses at the edge.

use medley_domain::edit::EditError;
use medley_domain::text::TextEnum;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was hit; the text names what was taken.
    #[error("{0}")]
    Conflict(String),
    /// The caller's `snapshot_id` is not the playlist's current one.
    #[error(
        "the playlist has changed since snapshot `{given}`; its current snapshot is `{current}`"
    )]
    StaleSnapshot { given: String, current: String },
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the SQLite play writer, which talks to SQLite directly.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A write's task ended before it did (cancelled, or it panicked).
    #[error("the write was interrupted: {0}")]
    Interrupted(String),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data that cannot be read back (a bug or a manual edit).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A state stored as text, read back: a value outside the enum (a bug, a manual edit, or a
/// newer release's value) is `Corrupt`, naming what it is and the values this release knows.
pub(crate) fn stored_enum<T: TextEnum>(text: &str, what: &str) -> Result<T> {
    T::parse(text).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "unknown {what} `{text}` (this release knows {})",
            T::accepted()
        ))
    })
}

impl StoreError {
    /// Whether the database refused a duplicate key.
    pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
        matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
    }
}
