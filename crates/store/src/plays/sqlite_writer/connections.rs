//! The native connections of the SQLite play writers: opened with the settings the module
//! documentation of [`super`] gives, the last one kept for the next writer, and one more
//! that checkpoints the write-ahead log after writers commit.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use medley_domain::causes::Causes;
use rusqlite::Connection;

/// Opens native writers on one SQLite file, keeping the last connection for the next writer.
#[derive(Clone)]
pub(crate) struct SqliteWriters {
    pub(super) path: PathBuf,
    /// The connection of the last writer that ended, free for the next one.
    pub(super) idle: Arc<Mutex<Option<Connection>>>,
    /// The connection that checkpoints the log after writers commit (see
    /// [`SqliteWriters::checkpoint`]).
    checkpointer: Arc<Mutex<Option<Connection>>>,
}

impl std::fmt::Debug for SqliteWriters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriters")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteWriters {
    pub(crate) fn new(path: PathBuf) -> SqliteWriters {
        SqliteWriters {
            path,
            idle: Arc::new(Mutex::new(None)),
            checkpointer: Arc::new(Mutex::new(None)),
        }
    }

    /// Copies committed pages from the write-ahead log into the database file, on a blocking
    /// thread that nobody waits for, unless a checkpoint is running already (the next commit
    /// will start another). Writers' connections never checkpoint themselves: done inline, the
    /// copy and its `fsync` made every commit of an import twice as long.
    pub(super) fn checkpoint(&self) {
        let (checkpointer, path) = (self.checkpointer.clone(), self.path.clone());
        tokio::task::spawn_blocking(move || {
            let Ok(mut slot) = checkpointer.try_lock() else {
                return;
            };
            let done = match slot.take() {
                Some(conn) => Ok(conn),
                None => connect(&path),
            }
            .and_then(|conn| {
                conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)")?;
                Ok(conn)
            });
            match done {
                Ok(conn) => *slot = Some(conn),
                Err(e) => {
                    tracing::warn!(error = %Causes(&e), "checkpointing the SQLite log failed")
                }
            }
        });
    }
}

/// A new connection to write plays (or checkpoint) with: the store's settings
/// (`sql::sqlite_pool`) but for the two the module documentation of [`super`] gives.
pub(super) fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    // Every statement a writer runs stays prepared.
    conn.set_prepared_statement_cache_capacity(40);
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA busy_timeout = 10000; \
         PRAGMA cache_size = -32000; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0;",
    )?;
    Ok(conn)
}
