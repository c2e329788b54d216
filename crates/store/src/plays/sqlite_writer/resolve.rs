//! Finding or creating the catalog items of plays on the SQLite writer's connection, one item
//! at a time (each lookup is a call into SQLite in this thread, not a round trip): the
//! candidates are read here, the rule of [`catalog_match`] chooses among them.
//!
//! [`catalog_match`]: crate::plays::catalog_match

use std::collections::HashMap;

use medley_domain::catalog::name_key;
use medley_domain::{new_id, Id};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::plays::catalog_match::{
    choose_episode, choose_track, Choice, EpisodeRow, TrackRow, WantedTrack,
};
use crate::plays::statements::track_row;

/// Artists by name key and albums by (artist, name key) found or created so far: most
/// tracks of an export share them. Valid as long as the writer's transaction.
#[derive(Default)]
pub(super) struct Found {
    artists: HashMap<String, Id>,
    albums: HashMap<(Id, String), Id>,
}

fn track_row(r: &Row) -> rusqlite::Result<TrackRow> {
    Ok(TrackRow {
        id: r.get(0)?,
        spotify_id: r.get(1)?,
        album_key: r.get(2)?,
        created_at_ms: r.get(3)?,
    })
}

/// The catalog track `track` names (see [`catalog_match`]), created with its artist and
/// album if none fits (a track without an album is its own single). Albums that gained a
/// track are added to `grown`.
///
/// [`catalog_match`]: crate::plays::catalog_match
pub(super) fn resolve_track(
    conn: &Connection,
    found: &mut Found,
    track: &WantedTrack,
    now_ms: i64,
    grown: &mut Vec<Id>,
) -> rusqlite::Result<Id> {
    if let Some(sid) = track.spotify_id {
        let rows = conn
            .prepare_cached(concat!(
                "SELECT ",
                track_row!(),
                " FROM tracks t JOIN albums al ON al.id = t.album_id WHERE t.spotify_id = $1"
            ))?
            .query_map([sid], track_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if let Choice::Take(row) = choose_track(track, &rows) {
            return Ok(row.id.clone());
        }
    }
    let artist_key = name_key(track.artist);
    let artist_id = match found.artists.get(&artist_key) {
        Some(id) => id.clone(),
        None => {
            let id = artist(conn, track.artist, &artist_key, now_ms)?;
            found.artists.insert(artist_key, id.clone());
            id
        }
    };
    let title_key = name_key(track.name);
    // By title first (a handful of tracks), then their first artist: `CROSS JOIN` keeps
    // SQLite from starting at the artist, whose tracks can be many.
    let rows = conn
        .prepare_cached(concat!(
            "SELECT ",
            track_row!(),
            " FROM tracks t \
             CROSS JOIN track_artists ta ON ta.track_id = t.id AND ta.ord = 0 \
             CROSS JOIN albums al ON al.id = t.album_id \
             WHERE t.name_key = $1 AND ta.artist_id = $2"
        ))?
        .query_map([&title_key, &artist_id], track_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    match choose_track(track, &rows) {
        Choice::Take(row) => return Ok(row.id.clone()),
        Choice::Adopt(row) => {
            conn.prepare_cached("UPDATE tracks SET spotify_id = $1 WHERE id = $2")?
                .execute([track.spotify_id.unwrap_or_default(), &row.id])?;
            return Ok(row.id.clone());
        }
        Choice::Create => {}
    }
    let album_name = track.album_name();
    let album_key = (artist_id.clone(), name_key(album_name));
    let album_id = match found.albums.get(&album_key) {
        Some(id) => id.clone(),
        None => {
            let id = album(conn, &artist_id, album_name, &album_key.1, now_ms)?;
            found.albums.insert(album_key, id.clone());
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
pub(super) fn recount_albums(conn: &Connection, mut grown: Vec<Id>) -> rusqlite::Result<()> {
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

/// The catalog episode a play names (see [`catalog_match`]), created if none fits, with its
/// show when that is new too.
///
/// [`catalog_match`]: crate::plays::catalog_match
pub(super) fn resolve_episode(
    conn: &Connection,
    spotify_id: Option<&str>,
    name: &str,
    show: &str,
    kind: &str,
    now_ms: i64,
) -> rusqlite::Result<Id> {
    let episode_row = |r: &Row| {
        Ok(EpisodeRow {
            id: r.get(0)?,
            spotify_id: r.get(1)?,
        })
    };
    if let Some(sid) = spotify_id {
        let rows: Vec<EpisodeRow> = conn
            .prepare_cached("SELECT id, spotify_id FROM episodes WHERE spotify_id = $1")?
            .query_row([sid], episode_row)
            .optional()?
            .into_iter()
            .collect();
        if let Choice::Take(row) = choose_episode(spotify_id, &rows) {
            return Ok(row.id.clone());
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
    let rows: Vec<EpisodeRow> = conn
        .prepare_cached("SELECT id, spotify_id FROM episodes WHERE show_id = $1 AND name_key = $2")?
        .query_row([&show_id, &key], episode_row)
        .optional()?
        .into_iter()
        .collect();
    match choose_episode(spotify_id, &rows) {
        Choice::Take(row) => Ok(row.id.clone()),
        Choice::Adopt(row) => {
            conn.prepare_cached("UPDATE episodes SET spotify_id = $1 WHERE id = $2")?
                .execute([spotify_id.unwrap_or_default(), &row.id])?;
            Ok(row.id.clone())
        }
        Choice::Create => {
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
