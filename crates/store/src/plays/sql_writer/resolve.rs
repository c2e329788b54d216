//! Finding or creating the catalog items of plays through sqlx, in bulk: the candidates of a
//! whole batch are looked up at once, the rule of [`catalog_match`] chooses item after item
//! in input order (seeing what earlier items of the batch adopted or created, as the SQLite
//! writer sees it in its database), then the new tracks are written together.
//!
//! [`catalog_match`]: crate::plays::catalog_match

use std::collections::HashMap;

use medley_domain::catalog::name_key;
use medley_domain::{new_id, Id};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::bulk::{by_keys, insert_rows, lookup, Tx, Value};
use crate::error::Result;
use crate::plays::catalog_match::{
    choose_episode, choose_track, Choice, EpisodeRow, TrackRow, WantedTrack,
};
use crate::plays::statements::track_row;
use crate::plays::{PlayedItem, LOOKUP_CHUNK};
use crate::sql::{params, Backend};

/// The [`TrackRow`] in the columns of a row from `first` on (see `statements::track_row`).
fn track_row(row: &AnyRow, first: usize) -> Result<TrackRow> {
    Ok(TrackRow {
        id: row.try_get(first)?,
        spotify_id: row.try_get(first + 1)?,
        album_key: row.try_get(first + 2)?,
        created_at_ms: row.try_get(first + 3)?,
    })
}

/// The catalog tracks of `wants`, in order, found or created.
pub(super) async fn resolve_tracks(
    tx: &mut Tx,
    backend: Backend,
    wants: &[WantedTrack<'_>],
    now_ms: i64,
) -> Result<Vec<Id>> {
    // The candidates: tracks with the plays' Spotify ids, then tracks with the first artist
    // and title of the plays not found by id.
    let sids: Vec<&str> = wants.iter().filter_map(|w| w.spotify_id).collect();
    let select = concat!(
        "SELECT ",
        track_row!(),
        " FROM tracks t JOIN albums al ON al.id = t.album_id WHERE t.spotify_id"
    );
    let mut by_sid: HashMap<String, TrackRow> = HashMap::new();
    for row in by_keys(tx, backend, select, &sids).await? {
        let found = track_row(&row, 0)?;
        by_sid.insert(found.spotify_id.clone().unwrap_or_default(), found);
    }
    let titles: Vec<String> = wants
        .iter()
        .filter(|w| w.spotify_id.is_none_or(|sid| !by_sid.contains_key(sid)))
        .map(|w| name_key(w.name))
        .collect();
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    let select = concat!(
        "SELECT a.name_key, t.name_key, ",
        track_row!(),
        " FROM tracks t \
         JOIN track_artists ta ON ta.track_id = t.id AND ta.ord = 0 \
         JOIN artists a ON a.id = ta.artist_id JOIN albums al ON al.id = t.album_id \
         WHERE t.name_key"
    );
    let mut by_name: HashMap<(String, String), Vec<TrackRow>> = HashMap::new();
    for row in by_keys(tx, backend, select, &titles).await? {
        let key = (row.try_get(0)?, row.try_get(1)?);
        by_name.entry(key).or_default().push(track_row(&row, 2)?);
    }

    // The choices, item after item.
    let mut ids = Vec::with_capacity(wants.len());
    let mut adopted: Vec<(Id, String)> = Vec::new();
    let mut created: Vec<usize> = Vec::new();
    for (i, w) in wants.iter().enumerate() {
        if let Some(found) = w.spotify_id.and_then(|sid| by_sid.get(sid)) {
            match choose_track(w, std::slice::from_ref(found)) {
                Choice::Take(row) => {
                    ids.push(row.id.clone());
                    continue;
                }
                _ => unreachable!("a track with the play's Spotify id is taken"),
            }
        }
        let group = by_name
            .entry((name_key(w.artist), name_key(w.name)))
            .or_default();
        let id = match choose_track(w, group).map(|row| row.id.clone()) {
            Choice::Take(id) => id,
            Choice::Adopt(id) => {
                let sid = w.spotify_id.expect("only a play with a Spotify id adopts");
                let row = group.iter_mut().find(|row| row.id == id).expect("chosen");
                row.spotify_id = Some(sid.to_owned());
                by_sid.insert(sid.to_owned(), row.clone());
                adopted.push((id.clone(), sid.to_owned()));
                id
            }
            Choice::Create => {
                let row = TrackRow {
                    id: new_id(),
                    spotify_id: w.spotify_id.map(str::to_owned),
                    album_key: name_key(w.album_name()),
                    created_at_ms: now_ms,
                };
                if let Some(sid) = w.spotify_id {
                    by_sid.insert(sid.to_owned(), row.clone());
                }
                group.push(row.clone());
                created.push(i);
                row.id
            }
        };
        ids.push(id);
    }

    for (id, sid) in &adopted {
        sqlx::query("UPDATE tracks SET spotify_id = $1 WHERE id = $2 AND spotify_id IS NULL")
            .bind(sid)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    if !created.is_empty() {
        create_tracks(tx, backend, wants, &ids, &created, now_ms).await?;
    }
    Ok(ids)
}

/// Writes the tracks `created` (indices into `wants` and `ids`) with their artists and
/// albums (a track without an album is its own single).
async fn create_tracks(
    tx: &mut Tx,
    backend: Backend,
    wants: &[WantedTrack<'_>],
    ids: &[Id],
    created: &[usize],
    now_ms: i64,
) -> Result<()> {
    let artist_names: Vec<&str> = created.iter().map(|&i| wants[i].artist).collect();
    let artists = artists_by_name(tx, backend, &artist_names, now_ms).await?;
    let album_wants: Vec<(Id, String)> = created
        .iter()
        .map(|&i| {
            let w = &wants[i];
            (
                artists[&name_key(w.artist)].clone(),
                w.album_name().to_owned(),
            )
        })
        .collect();
    let albums = albums_by_name(tx, backend, &album_wants, now_ms).await?;
    let mut track_rows = Vec::with_capacity(created.len());
    let mut artist_rows = Vec::with_capacity(created.len());
    let mut grown: Vec<Id> = Vec::new();
    for (n, &i) in created.iter().enumerate() {
        let w = &wants[i];
        let (artist, album) = &album_wants[n];
        let album_id = albums[&(artist.clone(), name_key(album))].clone();
        grown.push(album_id.clone());
        track_rows.push(vec![
            Value::Text(ids[i].clone()),
            Value::Text(w.name.trim().to_owned()),
            Value::Text(name_key(w.name)),
            Value::Text(album_id),
            Value::Int(0),
            Value::OptText(w.spotify_id.map(str::to_owned)),
            Value::Int(now_ms),
        ]);
        artist_rows.push(vec![
            Value::Text(ids[i].clone()),
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
    Ok(())
}

/// Finds or creates artists (or shows) by name; returns name key -> id.
async fn artists_by_name(
    tx: &mut Tx,
    backend: Backend,
    names: &[&str],
    now_ms: i64,
) -> Result<HashMap<String, Id>> {
    let mut wanted: HashMap<String, &str> = HashMap::new();
    for n in names {
        wanted.entry(name_key(n)).or_insert(n);
    }
    let select = "SELECT name_key, id FROM artists WHERE name_key";
    let keys: Vec<&str> = wanted.keys().map(String::as_str).collect();
    let mut found = lookup(tx, backend, select, &keys).await?;
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
        found.extend(lookup(tx, backend, select, &keys).await?);
    }
    Ok(found)
}

/// Finds or creates albums by (artist id, name); returns (artist id, name key) -> id.
async fn albums_by_name(
    tx: &mut Tx,
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

/// The catalog episodes (podcast episodes or audiobook chapters) of `items`, in order, found
/// or created with their shows.
pub(super) async fn resolve_episodes(
    tx: &mut Tx,
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
        let mut candidates = Vec::new();
        if let Some(sid) = spotify_id {
            let found: Option<(Id, Option<String>)> =
                sqlx::query_as("SELECT id, spotify_id FROM episodes WHERE spotify_id = $1")
                    .bind(sid)
                    .fetch_optional(&mut **tx)
                    .await?;
            candidates.extend(found.map(|(id, spotify_id)| EpisodeRow { id, spotify_id }));
        }
        // Looked up only when no episode has the play's Spotify id.
        let mut show_id = None;
        if candidates.is_empty() {
            let id = show_of(tx, &mut shows, show, kind, now_ms).await?;
            let found: Option<(Id, Option<String>)> = sqlx::query_as(
                "SELECT id, spotify_id FROM episodes WHERE show_id = $1 AND name_key = $2",
            )
            .bind(&id)
            .bind(name_key(name))
            .fetch_optional(&mut **tx)
            .await?;
            candidates.extend(found.map(|(id, spotify_id)| EpisodeRow { id, spotify_id }));
            show_id = Some(id);
        }
        let id = match choose_episode(spotify_id.as_deref(), &candidates).map(|r| r.id.clone()) {
            Choice::Take(id) => id,
            Choice::Adopt(id) => {
                sqlx::query("UPDATE episodes SET spotify_id = $1 WHERE id = $2")
                    .bind(spotify_id.as_deref())
                    .bind(&id)
                    .execute(&mut **tx)
                    .await?;
                id
            }
            Choice::Create => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO episodes (id, name, name_key, show_id, spotify_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&id)
                .bind(name.trim())
                .bind(name_key(name))
                .bind(show_id.expect("nothing found: the show was looked up"))
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

/// The show `name` of `kind`, created if new; `shows` keeps those found so far.
async fn show_of(
    tx: &mut Tx,
    shows: &mut HashMap<(String, &'static str), Id>,
    name: &str,
    kind: &'static str,
    now_ms: i64,
) -> Result<Id> {
    let key = (name_key(name), kind);
    if let Some(id) = shows.get(&key) {
        return Ok(id.clone());
    }
    sqlx::query(
        "INSERT INTO shows (id, name, name_key, kind, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, name_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(name.trim())
    .bind(&key.0)
    .bind(kind)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    let id: Id = sqlx::query_scalar("SELECT id FROM shows WHERE kind = $1 AND name_key = $2")
        .bind(kind)
        .bind(&key.0)
        .fetch_one(&mut **tx)
        .await?;
    shows.insert(key, id.clone());
    Ok(id)
}
