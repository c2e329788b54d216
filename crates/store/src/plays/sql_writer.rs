//! The play writer on PostgreSQL: one sqlx transaction. Catalog items are resolved in bulk
//! (`… IN (…)` lookups, multi-row inserts) and plays inserted many rows per statement, since
//! every statement is a round trip to the server.

use std::collections::HashMap;

use async_trait::async_trait;
use medley_domain::catalog::name_key;
use medley_domain::{new_id, Id};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};

use super::{
    insert_plays_sql, opt_flag, statements, ItemRef, NewPlay, PlayStamp, PlayWriter, PlayedItem,
    Precision, WantedTrack, LOOKUP_CHUNK, PLAY_COLUMN_COUNT,
};
use crate::error::Result;
use crate::sql::{bulk_params, params, Backend};

/// Bind parameters per statement: under SQLite's limit of 32,766.
const MAX_BINDS: usize = 30_000;

/// Opens a writer for `user_id`, giving the user a listener number on first use.
pub(super) async fn open(
    pool: &AnyPool,
    backend: Backend,
    user_id: &str,
    import_id: Option<&str>,
) -> Result<Box<dyn PlayWriter>> {
    let mut tx = pool.begin().await?;
    sqlx::query(statements::NEW_LISTENER)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let listener: i64 = sqlx::query_scalar(statements::LISTENER_NO)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(Box::new(SqlPlayWriter {
        tx,
        user_id: user_id.to_owned(),
        listener,
        import_id: import_id.map(str::to_owned),
        backend,
    }))
}

struct SqlPlayWriter {
    tx: Transaction<'static, Any>,
    user_id: Id,
    listener: i64,
    import_id: Option<Id>,
    backend: Backend,
}

#[async_trait]
impl PlayWriter for SqlPlayWriter {
    async fn resolve(&mut self, items: &[PlayedItem], now_ms: i64) -> Result<Vec<ItemRef>> {
        let mut tracks = Vec::new();
        let mut episodes = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                PlayedItem::Track { .. } => tracks.push(i),
                PlayedItem::Episode { .. } => episodes.push(i),
            }
        }
        let mut out: Vec<Option<ItemRef>> = vec![None; items.len()];
        let track_items: Vec<&PlayedItem> = tracks.iter().map(|&i| &items[i]).collect();
        for (i, id) in tracks
            .iter()
            .zip(resolve_tracks(&mut self.tx, self.backend, &track_items, now_ms).await?)
        {
            out[*i] = Some(ItemRef::Track(id));
        }
        let episode_items: Vec<&PlayedItem> = episodes.iter().map(|&i| &items[i]).collect();
        for (i, id) in episodes
            .iter()
            .zip(resolve_episodes(&mut self.tx, &episode_items, now_ms).await?)
        {
            out[*i] = Some(ItemRef::Episode(id));
        }
        Ok(out
            .into_iter()
            .map(|r| r.expect("every item resolved"))
            .collect())
    }

    async fn insert(&mut self, plays: Vec<NewPlay>) -> Result<u64> {
        let mut inserted = 0;
        for chunk in plays.chunks(MAX_BINDS / PLAY_COLUMN_COUNT) {
            let sql = insert_plays_sql(self.backend, chunk.len());
            let mut q = sqlx::query(&sql);
            for p in chunk {
                let (track_id, episode_id) = p.item_columns();
                q = q
                    .bind(self.listener)
                    .bind(p.dedup)
                    .bind(p.name_hash)
                    .bind(p.precision as i64)
                    .bind(p.started_at_ms)
                    .bind(p.ended_at_ms)
                    .bind(p.ms_played)
                    .bind(i64::from(p.measured))
                    .bind(p.kind as i64)
                    .bind(track_id)
                    .bind(episode_id)
                    .bind(p.source.as_str())
                    .bind(p.platform.as_deref())
                    .bind(p.country.as_deref())
                    .bind(p.reason_start.as_deref())
                    .bind(p.reason_end.as_deref())
                    .bind(opt_flag(p.shuffle))
                    .bind(opt_flag(p.skipped))
                    .bind(opt_flag(p.offline))
                    .bind(p.offline_at_ms)
                    .bind(self.import_id.as_deref());
            }
            inserted += q.execute(&mut *self.tx).await?.rows_affected();
        }
        Ok(inserted)
    }

    async fn last_seq(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar(statements::LAST_SEQ)
            .bind(self.listener)
            .fetch_one(&mut *self.tx)
            .await?)
    }

    async fn has_coarse_plays(&mut self, from_ms: i64, to_ms: i64) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(statements::COARSE_PLAY)
            .bind(self.listener)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(found.is_some())
    }

    async fn stamps(&mut self, from_ms: i64, to_ms: i64) -> Result<Vec<PlayStamp>> {
        let rows = sqlx::query(statements::STAMPS)
            .bind(self.listener)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PlayStamp {
                    seq: r.try_get(0)?,
                    name_hash: r.try_get(1)?,
                    precision: Precision::from_i64(r.try_get(2)?),
                    started_at_ms: r.try_get(3)?,
                    ended_at_ms: r.try_get(4)?,
                })
            })
            .collect()
    }

    async fn delete(&mut self, seqs: &[i64]) -> Result<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        sqlx::query(statements::COUNT_DELETION)
            .bind(self.user_id.as_str())
            .execute(&mut *self.tx)
            .await?;
        for chunk in seqs.chunks(LOOKUP_CHUNK) {
            let sql = format!(
                "DELETE FROM plays WHERE listener = $1 AND seq IN ({})",
                params(2, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(self.listener);
            for seq in chunk {
                q = q.bind(*seq);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// `(key, id)` rows for `SELECT key, id FROM … WHERE key IN (…)`, in chunks.
async fn lookup(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    select: &str,
    keys: &[&str],
) -> Result<HashMap<String, Id>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let sql = format!("{select} IN ({})", bulk_params(backend, 1, chunk.len()));
        let mut q = sqlx::query(&sql);
        for k in chunk {
            q = q.bind(*k);
        }
        for row in q.fetch_all(&mut **tx).await? {
            found.insert(row.try_get(0)?, row.try_get(1)?);
        }
    }
    Ok(found)
}

/// Inserts rows of `columns` (the first being `id`) with `ON CONFLICT DO NOTHING`, in chunks.
async fn insert_rows(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> Result<()> {
    let per_row = columns.len();
    for chunk in rows.chunks(MAX_BINDS / per_row) {
        let values = (0..chunk.len())
            .map(|r| format!("({})", bulk_params(backend, r * per_row + 1, per_row)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {values} ON CONFLICT DO NOTHING",
            columns.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Value::Text(s) => q.bind(s.clone()),
                    Value::OptText(s) => q.bind(s.clone()),
                    Value::Int(i) => q.bind(*i),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

enum Value {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

/// Finds or creates artists (or shows) by name; returns name key -> id.
async fn artists_by_name(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    names: &[&str],
    now_ms: i64,
) -> Result<HashMap<String, Id>> {
    let mut wanted: HashMap<String, &str> = HashMap::new();
    for n in names {
        wanted.entry(name_key(n)).or_insert(n);
    }
    let keys: Vec<&str> = wanted.keys().map(String::as_str).collect();
    let mut found = lookup(
        tx,
        backend,
        "SELECT name_key, id FROM artists WHERE name_key",
        &keys,
    )
    .await?;
    let missing: Vec<Vec<Value>> = wanted
        .iter()
        .filter(|(k, _)| !found.contains_key(*k))
        .map(|(k, n)| {
            vec![
                Value::Text(new_id()),
                Value::Text(n.trim().to_owned()),
                Value::Text(k.clone()),
                Value::Int(now_ms),
            ]
        })
        .collect();
    if !missing.is_empty() {
        let cols = ["id", "name", "name_key", "created_at"];
        insert_rows(tx, backend, "artists", &cols, &missing).await?;
        let keys: Vec<&str> = wanted
            .keys()
            .filter(|k| !found.contains_key(*k))
            .map(String::as_str)
            .collect();
        found.extend(
            lookup(
                tx,
                backend,
                "SELECT name_key, id FROM artists WHERE name_key",
                &keys,
            )
            .await?,
        );
    }
    Ok(found)
}

/// Rows of `select … IN (…)` for the given keys (deduplicated), in chunks.
async fn by_keys(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    select: &str,
    keys: &[&str],
) -> Result<Vec<AnyRow>> {
    let mut unique = keys.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut rows = Vec::new();
    for chunk in unique.chunks(LOOKUP_CHUNK) {
        let sql = format!("{select} IN ({})", bulk_params(backend, 1, chunk.len()));
        let mut q = sqlx::query(&sql);
        for k in chunk {
            q = q.bind(*k);
        }
        rows.extend(q.fetch_all(&mut **tx).await?);
    }
    Ok(rows)
}

/// Finds or creates albums by (artist id, name); returns (artist id, name key) -> id.
async fn albums_by_name(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    wanted: &[(Id, String)],
    now_ms: i64,
) -> Result<HashMap<(Id, String), Id>> {
    let mut names: HashMap<(Id, String), &str> = HashMap::new();
    for (artist, name) in wanted {
        names
            .entry((artist.clone(), name_key(name)))
            .or_insert(name);
    }
    let artist_ids: Vec<&str> = wanted.iter().map(|(a, _)| a.as_str()).collect();
    let select = "SELECT artist_id, name_key, id FROM albums WHERE artist_id";
    let read = |rows: Vec<AnyRow>| -> Result<HashMap<(Id, String), Id>> {
        rows.iter()
            .map(|r| Ok(((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?)))
            .collect()
    };
    let mut found = read(by_keys(tx, backend, select, &artist_ids).await?)?;
    let missing: Vec<Vec<Value>> = names
        .iter()
        .filter(|(k, _)| !found.contains_key(*k))
        .map(|((artist, key), name)| {
            vec![
                Value::Text(new_id()),
                Value::Text(name.trim().to_owned()),
                Value::Text(key.clone()),
                Value::Text(artist.clone()),
                Value::Int(now_ms),
            ]
        })
        .collect();
    if !missing.is_empty() {
        let cols = ["id", "name", "name_key", "artist_id", "created_at"];
        insert_rows(tx, backend, "albums", &cols, &missing).await?;
        found = read(by_keys(tx, backend, select, &artist_ids).await?)?;
    }
    Ok(found)
}

async fn resolve_tracks(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    items: &[&PlayedItem],
    now_ms: i64,
) -> Result<Vec<Id>> {
    let wants: Vec<WantedTrack> = items
        .iter()
        .map(|item| item.as_track().expect("tracks only"))
        .collect();
    let mut ids: Vec<Option<Id>> = vec![None; wants.len()];

    // 1. By Spotify id.
    let sids: Vec<&str> = wants.iter().filter_map(|w| w.spotify_id).collect();
    let by_sid = lookup(
        tx,
        backend,
        "SELECT spotify_id, id FROM tracks WHERE spotify_id",
        &sids,
    )
    .await?;
    for (i, w) in wants.iter().enumerate() {
        ids[i] = w.spotify_id.and_then(|s| by_sid.get(s).cloned());
    }

    // 2. By first artist and title.
    let open: Vec<usize> = (0..wants.len()).filter(|&i| ids[i].is_none()).collect();
    if open.is_empty() {
        return Ok(ids.into_iter().map(Option::unwrap).collect());
    }
    let artist_names: Vec<&str> = open.iter().map(|&i| wants[i].artist).collect();
    let artists = artists_by_name(tx, backend, &artist_names, now_ms).await?;
    let artist_of = |w: &WantedTrack| artists[&name_key(w.artist)].clone();
    let pairs: Vec<(Id, String)> = open
        .iter()
        .map(|&i| (artist_of(&wants[i]), name_key(wants[i].name)))
        .collect();
    let titles: Vec<&str> = pairs.iter().map(|(_, t)| t.as_str()).collect();
    let select = "SELECT ta.artist_id, t.name_key, t.id, t.spotify_id FROM tracks t \
                  JOIN track_artists ta ON ta.track_id = t.id AND ta.ord = 0 WHERE t.name_key";
    let mut by_name: HashMap<(Id, String), (Id, Option<String>)> = HashMap::new();
    for row in by_keys(tx, backend, select, &titles).await? {
        // One track per (artist, title) is enough to match plays against.
        by_name
            .entry((row.try_get(0)?, row.try_get(1)?))
            .or_insert((row.try_get(2)?, row.try_get(3)?));
    }
    let mut attach: Vec<(Id, String)> = Vec::new();
    let mut create: Vec<usize> = Vec::new();
    let mut created_by_key: HashMap<((Id, String), String), usize> = HashMap::new();
    for (n, &i) in open.iter().enumerate() {
        let w = &wants[i];
        match by_name.get(&pairs[n]).cloned() {
            // A track known only by name takes the Spotify id; one with another Spotify id is
            // another recording of the same title.
            Some((id, None)) => {
                if let Some(sid) = w.spotify_id {
                    attach.push((id.clone(), sid.to_owned()));
                    by_name.insert(pairs[n].clone(), (id.clone(), Some(sid.to_owned())));
                }
                ids[i] = Some(id);
            }
            Some((id, Some(_))) if w.spotify_id.is_none() => ids[i] = Some(id),
            _ => {
                let key = (pairs[n].clone(), w.spotify_id.unwrap_or("").to_owned());
                if let Some(&first) = created_by_key.get(&key) {
                    ids[i] = ids[first].clone();
                } else {
                    let id = new_id();
                    ids[i] = Some(id);
                    created_by_key.insert(key, i);
                    create.push(i);
                }
            }
        }
    }
    for (id, sid) in &attach {
        sqlx::query("UPDATE tracks SET spotify_id = $1 WHERE id = $2 AND spotify_id IS NULL")
            .bind(sid)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    if create.is_empty() {
        return Ok(ids.into_iter().map(Option::unwrap).collect());
    }

    // 3. Create the rest, with their albums (a track without one is its own single).
    let album_wants: Vec<(Id, String)> = create
        .iter()
        .map(|&i| {
            let w = &wants[i];
            (artist_of(w), w.album.unwrap_or(w.name).to_owned())
        })
        .collect();
    let albums = albums_by_name(tx, backend, &album_wants, now_ms).await?;
    let mut track_rows = Vec::with_capacity(create.len());
    let mut artist_rows = Vec::with_capacity(create.len());
    let mut grown: Vec<Id> = Vec::new();
    for (n, &i) in create.iter().enumerate() {
        let w = &wants[i];
        let (artist, album) = &album_wants[n];
        let album_id = albums[&(artist.clone(), name_key(album))].clone();
        grown.push(album_id.clone());
        let id = ids[i].clone().expect("assigned above");
        track_rows.push(vec![
            Value::Text(id.clone()),
            Value::Text(w.name.trim().to_owned()),
            Value::Text(name_key(w.name)),
            Value::Text(album_id),
            Value::Int(0),
            Value::OptText(w.spotify_id.map(str::to_owned)),
            Value::Int(now_ms),
        ]);
        artist_rows.push(vec![
            Value::Text(id),
            Value::Int(0),
            Value::Text(artist.clone()),
        ]);
    }
    let cols = [
        "id",
        "name",
        "name_key",
        "album_id",
        "duration_ms",
        "spotify_id",
        "created_at",
    ];
    insert_rows(tx, backend, "tracks", &cols, &track_rows).await?;
    let cols = ["track_id", "ord", "artist_id"];
    insert_rows(tx, backend, "track_artists", &cols, &artist_rows).await?;
    // Recount the albums that gained tracks.
    grown.sort_unstable();
    grown.dedup();
    for chunk in grown.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "UPDATE albums SET total_tracks = \
             (SELECT COUNT(*) FROM tracks WHERE tracks.album_id = albums.id) WHERE id IN ({})",
            params(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(ids.into_iter().map(Option::unwrap).collect())
}

async fn resolve_episodes(
    tx: &mut Transaction<'static, Any>,
    items: &[&PlayedItem],
    now_ms: i64,
) -> Result<Vec<Id>> {
    let mut ids = Vec::with_capacity(items.len());
    let mut shows: HashMap<(String, &'static str), Id> = HashMap::new();
    let mut memo: HashMap<String, Id> = HashMap::new();
    for item in items {
        let PlayedItem::Episode {
            spotify_id,
            name,
            show,
            audiobook,
        } = item
        else {
            unreachable!("episodes only")
        };
        let kind = if *audiobook { "audiobook" } else { "podcast" };
        let memo_key = format!(
            "{kind}\u{1f}{}\u{1f}{}\u{1f}{}",
            name_key(show),
            name_key(name),
            spotify_id.as_deref().unwrap_or("")
        );
        if let Some(id) = memo.get(&memo_key) {
            ids.push(id.clone());
            continue;
        }
        if let Some(sid) = spotify_id {
            let found: Option<Id> =
                sqlx::query_scalar("SELECT id FROM episodes WHERE spotify_id = $1")
                    .bind(sid)
                    .fetch_optional(&mut **tx)
                    .await?;
            if let Some(id) = found {
                memo.insert(memo_key, id.clone());
                ids.push(id);
                continue;
            }
        }
        let show_key = (name_key(show), kind);
        let show_id = match shows.get(&show_key) {
            Some(id) => id.clone(),
            None => {
                sqlx::query(
                    "INSERT INTO shows (id, name, name_key, kind, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, name_key) DO NOTHING",
                )
                .bind(new_id())
                .bind(show.trim())
                .bind(&show_key.0)
                .bind(kind)
                .bind(now_ms)
                .execute(&mut **tx)
                .await?;
                let id: Id =
                    sqlx::query_scalar("SELECT id FROM shows WHERE kind = $1 AND name_key = $2")
                        .bind(kind)
                        .bind(&show_key.0)
                        .fetch_one(&mut **tx)
                        .await?;
                shows.insert(show_key, id.clone());
                id
            }
        };
        let existing: Option<(Id, Option<String>)> = sqlx::query_as(
            "SELECT id, spotify_id FROM episodes WHERE show_id = $1 AND name_key = $2",
        )
        .bind(&show_id)
        .bind(name_key(name))
        .fetch_optional(&mut **tx)
        .await?;
        let id = match existing {
            Some((id, None)) if spotify_id.is_some() => {
                sqlx::query("UPDATE episodes SET spotify_id = $1 WHERE id = $2")
                    .bind(spotify_id.as_deref())
                    .bind(&id)
                    .execute(&mut **tx)
                    .await?;
                id
            }
            Some((id, _)) => id,
            None => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO episodes (id, name, name_key, show_id, spotify_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&id)
                .bind(name.trim())
                .bind(name_key(name))
                .bind(&show_id)
                .bind(spotify_id.as_deref())
                .bind(now_ms)
                .execute(&mut **tx)
                .await?;
                id
            }
        };
        memo.insert(memo_key, id.clone());
        ids.push(id);
    }
    Ok(ids)
}
