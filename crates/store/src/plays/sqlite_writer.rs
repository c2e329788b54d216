//! The play writer on SQLite: its own connection to the database file, driven directly
//! (rusqlite) on a blocking thread, one call per batch of plays.
//!
//! Why not sqlx, which the rest of the store uses: sqlx runs each SQLite statement on a worker
//! thread and waits for the answer (about 30 µs a statement on a small machine), and its `Any`
//! driver copies every bound value twice. An import writes a million rows and resolves tens of
//! thousands of catalog items; through sqlx it spent most of its time in that machinery
//! rather than in SQLite (docs/BENCHMARKS.md). Here one prepared statement of 32 rows is reused
//! batch after batch, in the thread that holds the data, binding only the text that changed.
//!
//! Writers still queue in the process: a writer holds the store's single writer connection
//! (idle) for as long as it is open, so no other write can start meanwhile, and its own
//! transaction begins `IMMEDIATE`. Dropping a writer without committing rolls it back.
//!
//! Two settings differ from the store's other connections, both for speed:
//! - Foreign keys are not checked (a lookup in `tracks` per play, a tenth of the import). This
//!   connection only writes plays naming a listener and items it found or created itself, in
//!   this transaction or in one that committed; Medley never deletes catalog items. Deleting a
//!   user still removes their plays: deletes run on the other connections, which enforce the
//!   cascade. The tests check the stored references after imports.
//! - It never checkpoints the write-ahead log itself; see [`SqliteWriters::checkpoint`].
//!
//! Layout: [`connections`] (opening, keeping and checkpointing connections), [`rows`]
//! (binding plays to the multi-row insert), [`resolve`] (catalog items, chosen by the rule
//! of [`catalog_match`](super::catalog_match)).

use async_trait::async_trait;
use medley_domain::{ImportId, TrackId, UserId};
use rusqlite::{params, Connection};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool};

use super::statements;
use super::{ItemRef, NewPlay, PlayStamp, PlayWriter, PlayedItem, Precision};
use crate::error::{Result, StoreError};
use connections::{connect, SqliteWriters};
use resolve::{recount_albums, resolve_episode, resolve_track, Found};
use rows::{PlayInsert, ROWS_PER_INSERT};

pub(crate) mod connections;
mod resolve;
mod rows;

impl SqliteWriters {
    /// Opens a writer for `user_id`: waits for the store's writer connection, then begins a
    /// transaction on a native connection and gives the user a listener number on first use.
    pub(crate) async fn open(
        &self,
        pool: &AnyPool,
        user_id: &UserId,
        import_id: Option<&ImportId>,
    ) -> Result<Box<dyn PlayWriter>> {
        let turn = pool.acquire().await?;
        let idle = self.idle.lock().expect("idle connection").take();
        let path = self.path.clone();
        let user = user_id.clone();
        let (conn, listener) = blocking(move || {
            let conn = match idle {
                Some(conn) => conn,
                None => connect(&path)?,
            };
            conn.execute_batch("BEGIN IMMEDIATE")?;
            // On failure the connection closes, which rolls back.
            listener_of(&conn, &user).map(|no| (conn, no))
        })
        .await?;
        Ok(Box::new(SqliteWriter {
            session: Some(Session {
                conn,
                listener,
                user_id: user_id.clone(),
                import_id: import_id.cloned(),
                found: Found::default(),
            }),
            writers: self.clone(),
            _turn: turn,
        }))
    }
}

fn listener_of(conn: &Connection, user_id: &UserId) -> rusqlite::Result<i64> {
    conn.prepare_cached(statements::NEW_LISTENER)?
        .execute([user_id.as_str()])?;
    conn.prepare_cached(statements::LISTENER_NO)?
        .query_row([user_id.as_str()], |r| r.get(0))
}

/// Runs `f` on tokio's blocking threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> rusqlite::Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Interrupted(e.to_string()))?
        .map_err(StoreError::from)
}

struct SqliteWriter {
    /// `None` only while a call has it on a blocking thread (or after that call was dropped).
    session: Option<Session>,
    writers: SqliteWriters,
    /// The store's writer connection, held so that no other write starts meanwhile.
    _turn: PoolConnection<Any>,
}

/// A writer's connection in its open transaction, with what its calls need.
struct Session {
    conn: Connection,
    listener: i64,
    user_id: UserId,
    import_id: Option<ImportId>,
    /// Catalog entities found so far in this transaction.
    found: Found,
}

impl SqliteWriter {
    /// Runs `f` with the session on a blocking thread.
    async fn with<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Session) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let mut session = self.session.take().ok_or_else(|| {
            StoreError::Interrupted("an earlier call on this write was cancelled".into())
        })?;
        let (session, out) = tokio::task::spawn_blocking(move || {
            let out = f(&mut session);
            (session, out)
        })
        .await
        .map_err(|e| StoreError::Interrupted(e.to_string()))?;
        self.session = Some(session);
        Ok(out?)
    }
}

impl Drop for SqliteWriter {
    fn drop(&mut self) {
        // Not committed: roll back, and keep the connection if that worked (closing it would
        // roll back as well).
        if let Some(session) = self.session.take() {
            if session.conn.execute_batch("ROLLBACK").is_ok() {
                self.writers
                    .idle
                    .lock()
                    .expect("idle connection")
                    .replace(session.conn);
            }
        }
    }
}

#[async_trait]
impl PlayWriter for SqliteWriter {
    async fn resolve(&mut self, items: &[PlayedItem], now_ms: i64) -> Result<Vec<ItemRef>> {
        let items = items.to_vec();
        self.with(move |session| {
            let mut grown = Vec::new();
            let refs = items
                .iter()
                .map(|item| match item {
                    PlayedItem::Track { .. } => {
                        let track = item.as_track().expect("a track");
                        let (conn, found) = (&session.conn, &mut session.found);
                        resolve_track(conn, found, &track, now_ms, &mut grown)
                            .map(|id| ItemRef::Track(TrackId::from(id)))
                    }
                    PlayedItem::Episode {
                        spotify_id,
                        name,
                        show,
                        audiobook,
                    } => {
                        let kind = if *audiobook { "audiobook" } else { "podcast" };
                        let conn = &session.conn;
                        resolve_episode(conn, spotify_id.as_deref(), name, show, kind, now_ms)
                            .map(ItemRef::Episode)
                    }
                })
                .collect::<rusqlite::Result<Vec<_>>>()?;
            recount_albums(&session.conn, grown)?;
            Ok(refs)
        })
        .await
    }

    async fn insert(&mut self, plays: Vec<NewPlay>) -> Result<u64> {
        self.with(move |session| {
            let (conn, listener) = (&session.conn, session.listener);
            let import_id = session.import_id.as_deref();
            let mut inserted = 0;
            let mut many = PlayInsert::new(conn, ROWS_PER_INSERT, listener, import_id)?;
            let mut chunks = plays.chunks_exact(ROWS_PER_INSERT);
            for chunk in &mut chunks {
                for (slot, play) in chunk.iter().enumerate() {
                    many.bind(slot, play)?;
                }
                inserted += many.statement.raw_execute()? as u64;
            }
            let mut one = PlayInsert::new(conn, 1, listener, import_id)?;
            for play in chunks.remainder() {
                one.bind(0, play)?;
                inserted += one.statement.raw_execute()? as u64;
            }
            drop((many, one));
            // Freeing the rows' strings, made on the parsing thread, takes a seventh of the
            // time of writing them: done on another thread, off the import's critical path.
            tokio::task::spawn_blocking(move || drop(plays));
            Ok(inserted)
        })
        .await
    }

    async fn last_seq(&mut self) -> Result<i64> {
        self.with(|cx| {
            cx.conn
                .prepare_cached(statements::LAST_SEQ)?
                .query_row([cx.listener], |r| r.get(0))
        })
        .await
    }

    async fn has_coarse_plays(&mut self, from_ms: i64, to_ms: i64) -> Result<bool> {
        self.with(move |cx| {
            cx.conn
                .prepare_cached(statements::COARSE_PLAY)?
                .exists(params![cx.listener, from_ms, to_ms])
        })
        .await
    }

    async fn stamps(&mut self, from_ms: i64, to_ms: i64) -> Result<Vec<PlayStamp>> {
        self.with(move |cx| {
            let mut statement = cx.conn.prepare_cached(statements::STAMPS)?;
            let rows = statement.query_map(params![cx.listener, from_ms, to_ms], |r| {
                Ok(PlayStamp {
                    seq: r.get(0)?,
                    name_hash: r.get(1)?,
                    precision: Precision::from_i64(r.get(2)?),
                    started_at_ms: r.get(3)?,
                    ended_at_ms: r.get(4)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn delete(&mut self, seqs: &[i64]) -> Result<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let seqs = seqs.to_vec();
        self.with(move |cx| {
            cx.conn
                .prepare_cached(statements::COUNT_DELETION)?
                .execute([cx.user_id.as_str()])?;
            let mut statement = cx
                .conn
                .prepare_cached("DELETE FROM plays WHERE listener = $1 AND seq = $2")?;
            for seq in seqs {
                statement.execute([cx.listener, seq])?;
            }
            Ok(())
        })
        .await
    }

    async fn commit(mut self: Box<Self>) -> Result<()> {
        self.with(|session| session.conn.execute_batch("COMMIT"))
            .await?;
        // Committed: the connection is free for the next writer.
        if let Some(session) = self.session.take() {
            let mut idle = self.writers.idle.lock().expect("idle connection");
            idle.replace(session.conn);
        }
        self.writers.checkpoint();
        Ok(())
    }
}
