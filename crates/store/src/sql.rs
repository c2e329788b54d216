//! The SQL backend: one implementation of the storage traits that runs on SQLite and on
//! PostgreSQL through sqlx's `Any` driver. Queries are written once in the dialect both accept
//! (`$n` parameters, `ON CONFLICT`, `RETURNING`, `UPDATE … FROM`, window functions); each
//! backend has its own migrations so that types and identity columns fit it.
//!
//! SQLite gets two pools: many readers, and a single writer connection so that writers queue
//! in the process instead of failing with `SQLITE_BUSY`. WAL mode lets reads proceed during a
//! write. Plays are written on a connection of their own (`plays::sqlite_writer`), which holds
//! the writer connection while it writes, so the queue stays one. PostgreSQL uses one pool and
//! row locks.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, Executor};

use crate::error::{Result, StoreError};
use crate::plays::sqlite_writer::connections::SqliteWriters;

/// Which database a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A Medley store on SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct SqlStore {
    pub(crate) read: AnyPool,
    pub(crate) write: AnyPool,
    backend: Backend,
    /// SQLite only: where plays are written (see `plays::sqlite_writer`).
    pub(crate) sqlite_writers: Option<SqliteWriters>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl SqlStore {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`) and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        let store = match backend {
            Backend::Sqlite => {
                let url = if url.contains('?') {
                    url.to_owned()
                } else {
                    format!("{url}?mode=rwc")
                };
                let file = url
                    .parse::<SqliteConnectOptions>()?
                    .get_filename()
                    .to_owned();
                let options: AnyConnectOptions = url.parse()?;
                let write = sqlite_pool(1).connect_with(options.clone()).await?;
                let readers = std::thread::available_parallelism().map_or(4, |n| n.get() * 2);
                let read = sqlite_pool(readers as u32).connect_with(options).await?;
                SqlStore {
                    read,
                    write,
                    backend,
                    sqlite_writers: Some(SqliteWriters::new(file)),
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?;
                SqlStore {
                    read: pool.clone(),
                    write: pool,
                    backend,
                    sqlite_writers: None,
                }
            }
        };
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&store.write).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&store.write).await?,
        }
        Ok(store)
    }

    /// Opens (creating if needed) the SQLite database file at `path`.
    pub async fn open_sqlite(path: &Path) -> Result<SqlStore> {
        SqlStore::connect(&format!("sqlite://{}", path.display())).await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Closes every connection, waiting for queries in flight.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// `temp_store = MEMORY` keeps statement journals (which every multi-row `INSERT … ON CONFLICT`
/// inside a transaction writes) off the disk: an import spent a tenth of its time writing them.
fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA cache_size = -32000; PRAGMA temp_store = MEMORY;",
                )
                .await?;
                Ok(())
            })
        })
}

/// A database URL fit for logs and error messages: the password is replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `$start, $start+1, …` for `n` parameters.
pub(crate) fn params(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Placeholders for `n` parameters starting at number `start`, for statements with many
/// parameters. On SQLite they are anonymous `?`: binding a numbered `$n` makes SQLite scan the
/// list of parameter names, which is quadratic in their number (a 20,000-parameter insert
/// spent almost all its time there). Only for statements whose parameters are all bound in
/// order, without numbered ones.
pub(crate) fn bulk_params(backend: Backend, start: usize, n: usize) -> String {
    match backend {
        Backend::Sqlite => vec!["?"; n].join(", "),
        Backend::Postgres => params(start, n),
    }
}

/// Flags are stored as 0/1 on both backends.
pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://data/medley.db"), "sqlite://data/medley.db");
    }

    #[test]
    fn numbered_params() {
        assert_eq!(params(2, 3), "$2, $3, $4");
    }
}
