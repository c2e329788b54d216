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

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use medley_domain::catalog::name_key;
use medley_domain::{new_id, Id};
use rusqlite::{params, Connection, OptionalExtension};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool};

use super::{
    insert_plays_sql, opt_flag, statements, ItemRef, NewPlay, PlayStamp, PlayWriter, PlayedItem,
    Precision, WantedTrack, PLAY_COLUMN_COUNT,
};
use crate::error::{Result, StoreError};
use crate::sql::Backend;

/// Opens native writers on one SQLite file, keeping the last connection for the next writer.
#[derive(Clone)]
pub(crate) struct SqliteWriters {
    path: PathBuf,
    idle: Arc<Mutex<Option<Connection>>>,
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

    /// Opens a writer for `user_id`: waits for the store's writer connection, then begins a
    /// transaction on a native connection and gives the user a listener number on first use.
    pub(crate) async fn open(
        &self,
        pool: &AnyPool,
        user_id: &str,
        import_id: Option<&str>,
    ) -> Result<Box<dyn PlayWriter>> {
        let turn = pool.acquire().await?;
        let idle = self.idle.lock().expect("idle connection").take();
        let path = self.path.clone();
        let user = user_id.to_owned();
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
                user_id: user_id.to_owned(),
                import_id: import_id.map(str::to_owned),
                artists: HashMap::new(),
                albums: HashMap::new(),
            }),
            writers: self.clone(),
            _turn: turn,
        }))
    }

    /// Copies committed pages from the write-ahead log into the database file, on a blocking
    /// thread that nobody waits for, unless a checkpoint is running already (the next commit
    /// will start another). Writers' connections never checkpoint themselves: done inline, the
    /// copy and its `fsync` made every commit of an import twice as long.
    fn checkpoint(&self) {
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
                Err(e) => tracing::warn!(error = %e, "checkpointing the SQLite log failed"),
            }
        });
    }
}

/// A new connection to write plays (or checkpoint) with: the store's settings
/// (`sql::sqlite_pool`) but for the two the module documentation gives.
fn connect(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    // Every statement a writer runs stays prepared.
    conn.set_prepared_statement_cache_capacity(40);
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA busy_timeout = 10000; \
         PRAGMA cache_size = -32000; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0;",
    )?;
    Ok(conn)
}

fn listener_of(conn: &Connection, user_id: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached(statements::NEW_LISTENER)?
        .execute([user_id])?;
    conn.prepare_cached(statements::LISTENER_NO)?
        .query_row([user_id], |r| r.get(0))
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
    user_id: Id,
    import_id: Option<Id>,
    /// Artists by name key and albums by (artist, name key) found or created so far: most
    /// tracks of an export share them. Valid as long as the transaction.
    artists: HashMap<String, Id>,
    albums: HashMap<(Id, String), Id>,
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
                        resolve_track(session, &track, now_ms, &mut grown).map(ItemRef::Track)
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
                .execute([&cx.user_id])?;
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

/// Plays per multi-row insert: SQLite sets up the statement (a cursor on the table and on each
/// index) once per execution, so rows written 16 to 64 at a time cost a fifth less than one by
/// one (no difference between 16, 32 and 64 beyond the machine's noise).
const ROWS_PER_INSERT: usize = 32;

/// An `INSERT` of a number of plays at a time. Text is bound only when it differs from what
/// its parameter held at the last execution (SQLite keeps bindings from one to the next): most
/// rows of an export share their source, platform and country, and copying text into SQLite
/// was the costliest part of binding. The listener and the import are bound once.
struct PlayInsert<'c, 'p> {
    statement: rusqlite::CachedStatement<'c>,
    /// The text last bound to each parameter, by number; `None`: not bound yet.
    texts: Vec<Option<Option<&'p str>>>,
}

impl<'c, 'p> PlayInsert<'c, 'p> {
    fn new(
        conn: &'c Connection,
        rows: usize,
        listener: i64,
        import_id: Option<&str>,
    ) -> rusqlite::Result<PlayInsert<'c, 'p>> {
        let mut statement = conn.prepare_cached(&insert_plays_sql(Backend::Sqlite, rows))?;
        for base in (0..rows).map(|slot| slot * PLAY_COLUMN_COUNT) {
            statement.raw_bind_parameter(base + 1, listener)?;
            statement.raw_bind_parameter(base + PLAY_COLUMN_COUNT, import_id)?;
        }
        Ok(PlayInsert {
            statement,
            texts: vec![None; rows * PLAY_COLUMN_COUNT + 1],
        })
    }

    /// Binds `p` to the parameters of row `slot`.
    fn bind(&mut self, slot: usize, p: &'p NewPlay) -> rusqlite::Result<()> {
        let base = slot * PLAY_COLUMN_COUNT;
        let (track_id, episode_id) = p.item_columns();
        let statement = &mut self.statement;
        statement.raw_bind_parameter(base + 2, p.dedup)?;
        statement.raw_bind_parameter(base + 3, p.name_hash)?;
        statement.raw_bind_parameter(base + 4, p.precision as i64)?;
        statement.raw_bind_parameter(base + 5, p.started_at_ms)?;
        statement.raw_bind_parameter(base + 6, p.ended_at_ms)?;
        statement.raw_bind_parameter(base + 7, p.ms_played)?;
        statement.raw_bind_parameter(base + 8, i64::from(p.measured))?;
        statement.raw_bind_parameter(base + 9, p.kind as i64)?;
        statement.raw_bind_parameter(base + 10, track_id)?;
        statement.raw_bind_parameter(base + 11, episode_id)?;
        self.text(base + 12, Some(&p.source))?;
        self.text(base + 13, p.platform.as_deref())?;
        self.text(base + 14, p.country.as_deref())?;
        self.text(base + 15, p.reason_start.as_deref())?;
        self.text(base + 16, p.reason_end.as_deref())?;
        let statement = &mut self.statement;
        statement.raw_bind_parameter(base + 17, opt_flag(p.shuffle))?;
        statement.raw_bind_parameter(base + 18, opt_flag(p.skipped))?;
        statement.raw_bind_parameter(base + 19, opt_flag(p.offline))?;
        statement.raw_bind_parameter(base + 20, p.offline_at_ms)
    }

    fn text(&mut self, index: usize, value: Option<&'p str>) -> rusqlite::Result<()> {
        if self.texts[index] != Some(value) {
            self.statement.raw_bind_parameter(index, value)?;
            self.texts[index] = Some(value);
        }
        Ok(())
    }
}

/// Finds a track by Spotify id, then by first artist and title (preferring one without a
/// Spotify id, which then takes this one), or creates it with its artist and album (a track
/// without an album is its own single). Albums that gained a track are added to `grown`.
fn resolve_track(
    session: &mut Session,
    track: &WantedTrack,
    now_ms: i64,
    grown: &mut Vec<Id>,
) -> rusqlite::Result<Id> {
    let conn = &session.conn;
    if let Some(sid) = track.spotify_id {
        let found = conn
            .prepare_cached("SELECT id FROM tracks WHERE spotify_id = $1")?
            .query_row([sid], |r| r.get(0))
            .optional()?;
        if let Some(id) = found {
            return Ok(id);
        }
    }
    let artist_key = name_key(track.artist);
    let artist_id = match session.artists.get(&artist_key) {
        Some(id) => id.clone(),
        None => {
            let id = artist(conn, track.artist, &artist_key, now_ms)?;
            session.artists.insert(artist_key, id.clone());
            id
        }
    };
    let title_key = name_key(track.name);
    // By title first (a handful of tracks), then their first artist: `CROSS JOIN` keeps
    // SQLite from starting at the artist, whose tracks can be many.
    let found = conn
        .prepare_cached(
            "SELECT t.id, t.spotify_id FROM tracks t \
             CROSS JOIN track_artists ta ON ta.track_id = t.id AND ta.ord = 0 \
             WHERE t.name_key = $1 AND ta.artist_id = $2",
        )?
        .query_map([&title_key, &artist_id], |r| {
            Ok((r.get::<_, Id>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .min_by(|a, b| (a.1.is_some(), &a.0).cmp(&(b.1.is_some(), &b.0)));
    match (found, track.spotify_id) {
        (Some((id, None)), Some(sid)) => {
            conn.prepare_cached("UPDATE tracks SET spotify_id = $1 WHERE id = $2")?
                .execute([sid, &id])?;
            return Ok(id);
        }
        (Some((id, _)), None) => return Ok(id),
        // None yet, or one with another Spotify id: another recording of the same title.
        _ => {}
    }
    let album_name = track.album.unwrap_or(track.name);
    let album_key = (artist_id.clone(), name_key(album_name));
    let album_id = match session.albums.get(&album_key) {
        Some(id) => id.clone(),
        None => {
            let id = album(conn, &artist_id, album_name, &album_key.1, now_ms)?;
            session.albums.insert(album_key, id.clone());
            id
        }
    };
    let id = new_id();
    conn.prepare_cached(
        "INSERT INTO tracks (id, name, name_key, album_id, duration_ms, spotify_id, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $6)",
    )?
    .execute(params![
        id,
        track.name.trim(),
        title_key,
        album_id,
        track.spotify_id,
        now_ms
    ])?;
    conn.prepare_cached("INSERT INTO track_artists (track_id, ord, artist_id) VALUES ($1, 0, $2)")?
        .execute([&id, &artist_id])?;
    grown.push(album_id);
    Ok(id)
}

/// The artist named `name` (whose name key is `key`), created if new.
fn artist(conn: &Connection, name: &str, key: &str, now_ms: i64) -> rusqlite::Result<Id> {
    let found = conn
        .prepare_cached("SELECT id FROM artists WHERE name_key = $1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let id = new_id();
    conn.prepare_cached(
        "INSERT INTO artists (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)",
    )?
    .execute(params![id, name.trim(), key, now_ms])?;
    Ok(id)
}

/// The album `name` (whose name key is `key`) of `artist_id`, created if new.
fn album(
    conn: &Connection,
    artist_id: &str,
    name: &str,
    key: &str,
    now_ms: i64,
) -> rusqlite::Result<Id> {
    let found = conn
        .prepare_cached("SELECT id FROM albums WHERE artist_id = $1 AND name_key = $2")?
        .query_row([artist_id, key], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let id = new_id();
    conn.prepare_cached(
        "INSERT INTO albums (id, name, name_key, artist_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )?
    .execute(params![id, name.trim(), key, artist_id, now_ms])?;
    Ok(id)
}

/// Sets the track count of albums that gained tracks.
fn recount_albums(conn: &Connection, mut grown: Vec<Id>) -> rusqlite::Result<()> {
    grown.sort_unstable();
    grown.dedup();
    let mut statement = conn.prepare_cached(
        "UPDATE albums SET total_tracks = (SELECT COUNT(*) FROM tracks WHERE album_id = $1) \
         WHERE id = $1",
    )?;
    for id in grown {
        statement.execute([id])?;
    }
    Ok(())
}

/// Finds an episode by Spotify id, then by show and title (attaching the Spotify id when the
/// found one had none), or creates it, with its show when that is new too.
fn resolve_episode(
    conn: &Connection,
    spotify_id: Option<&str>,
    name: &str,
    show: &str,
    kind: &str,
    now_ms: i64,
) -> rusqlite::Result<Id> {
    if let Some(sid) = spotify_id {
        let found = conn
            .prepare_cached("SELECT id FROM episodes WHERE spotify_id = $1")?
            .query_row([sid], |r| r.get(0))
            .optional()?;
        if let Some(id) = found {
            return Ok(id);
        }
    }
    let show_key = name_key(show);
    let found: Option<Id> = conn
        .prepare_cached("SELECT id FROM shows WHERE kind = $1 AND name_key = $2")?
        .query_row([kind, &show_key], |r| r.get(0))
        .optional()?;
    let show_id = match found {
        Some(id) => id,
        None => {
            let id = new_id();
            conn.prepare_cached(
                "INSERT INTO shows (id, name, name_key, kind, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )?
            .execute(params![id, show.trim(), show_key, kind, now_ms])?;
            id
        }
    };
    let key = name_key(name);
    let found: Option<(Id, Option<String>)> = conn
        .prepare_cached("SELECT id, spotify_id FROM episodes WHERE show_id = $1 AND name_key = $2")?
        .query_row([&show_id, &key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match found {
        Some((id, None)) if spotify_id.is_some() => {
            conn.prepare_cached("UPDATE episodes SET spotify_id = $1 WHERE id = $2")?
                .execute([spotify_id.unwrap_or_default(), &id])?;
            Ok(id)
        }
        Some((id, _)) => Ok(id),
        None => {
            let id = new_id();
            conn.prepare_cached(
                "INSERT INTO episodes (id, name, name_key, show_id, spotify_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )?
            .execute(params![id, name.trim(), key, show_id, spotify_id, now_ms])?;
            Ok(id)
        }
    }
}
