//! The catalog: artists, albums and tracks; found or created by name on write.

use std::collections::HashMap;

use async_trait::async_trait;
use medley_domain::catalog::{name_key, Album, Artist, ArtistRef, Cover, NewTrack, Track};
use medley_domain::{new_id, AlbumId, ArtistId, Id, TrackId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::sql::{flag, params, SqlStore};

#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Adds tracks, finding or creating their artists and album by name, in one transaction.
    /// A track already present (same Spotify id, same ISRC, or same name on the same album) is
    /// found rather than duplicated. Returns the track ids in input order.
    async fn upsert_tracks(&self, tracks: &[NewTrack], now_ms: i64) -> Result<Vec<TrackId>>;
    /// The tracks among `ids` that exist, in the order of `ids` (duplicates kept).
    async fn tracks(&self, ids: &[TrackId]) -> Result<Vec<Track>>;
    /// Track ids carrying the given Spotify ids, as `(spotify_id, track_id)` pairs.
    async fn tracks_by_spotify_ids(
        &self,
        spotify_ids: &[String],
    ) -> Result<HashMap<String, TrackId>>;
    /// Which of `ids` are catalog tracks.
    async fn existing_tracks(&self, ids: &[TrackId]) -> Result<Vec<TrackId>>;
    async fn album(&self, id: &AlbumId) -> Result<Option<Album>>;
    /// A page of an album's track ids in disc and track order, and the album's track count.
    async fn album_track_ids(&self, id: &AlbumId, limit: i64, offset: i64) -> Result<Vec<TrackId>>;
    async fn artist(&self, id: &ArtistId) -> Result<Option<Artist>>;
    /// A page of the albums whose primary artist this is, newest first, and their count.
    async fn artist_albums(
        &self,
        id: &ArtistId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Album>, i64)>;
    async fn albums(&self, ids: &[AlbumId]) -> Result<Vec<Album>>;
    async fn artists(&self, ids: &[ArtistId]) -> Result<Vec<Artist>>;
    /// Tracks in id order after `after`, for rebuilding the search index in batches.
    async fn tracks_after(&self, after: Option<&TrackId>, limit: i64) -> Result<Vec<Track>>;
    async fn track_count(&self) -> Result<i64>;
}

const TRACK_SELECT: &str =
    "SELECT t.id, t.name, t.duration_ms, t.isrc, t.explicit, t.track_number, \
     t.disc_number, t.popularity, t.spotify_id, t.external_ids, \
     al.id AS album_id, al.name AS album_name, al.release_date, al.album_type, al.total_tracks, \
     al.spotify_id AS album_spotify_id, ar.id AS album_artist_id, ar.name AS album_artist_name, \
     al.cover_hash, al.cover_width, al.cover_height \
     FROM tracks t JOIN albums al ON al.id = t.album_id JOIN artists ar ON ar.id = al.artist_id";

const ALBUM_SELECT: &str =
    "SELECT al.id, al.name, al.release_date, al.album_type, al.total_tracks, \
     al.spotify_id, ar.id AS artist_id, ar.name AS artist_name, \
     al.cover_hash, al.cover_width, al.cover_height \
     FROM albums al JOIN artists ar ON ar.id = al.artist_id";

const ARTIST_SELECT: &str = "SELECT id, name, birth_date, country, status, spotify_id FROM artists";

fn album_row(row: &AnyRow) -> Result<Album> {
    Ok(Album {
        id: row.try_get::<String, _>("id")?.into(),
        name: row.try_get("name")?,
        artists: vec![ArtistRef {
            id: row.try_get::<String, _>("artist_id")?.into(),
            name: row.try_get("artist_name")?,
        }],
        release_date: row.try_get("release_date")?,
        album_type: row.try_get("album_type")?,
        total_tracks: row.try_get("total_tracks")?,
        spotify_id: row.try_get("spotify_id")?,
        cover: cover_columns(row, "id")?,
    })
}

/// The cover of an album from the column `album` (its id), `cover_hash`, `cover_width` and
/// `cover_height` (of any select that names them so).
pub(crate) fn cover_columns(row: &AnyRow, album: &str) -> Result<Option<Cover>> {
    let hash: Option<String> = row.try_get("cover_hash")?;
    let width: Option<i64> = row.try_get("cover_width")?;
    let height: Option<i64> = row.try_get("cover_height")?;
    let Some(hash) = hash else {
        return Ok(None);
    };
    Ok(Some(Cover {
        album_id: row.try_get::<String, _>(album)?.into(),
        hash,
        width: width.unwrap_or(0),
        height: height.unwrap_or(0),
    }))
}

fn artist_row(row: &AnyRow) -> Result<Artist> {
    Ok(Artist {
        id: row.try_get::<String, _>("id")?.into(),
        name: row.try_get("name")?,
        birth_date: row.try_get("birth_date")?,
        country: row.try_get("country")?,
        status: row.try_get("status")?,
        spotify_id: row.try_get("spotify_id")?,
    })
}

fn track_row(row: &AnyRow) -> Result<Track> {
    let external: String = row.try_get("external_ids")?;
    Ok(Track {
        id: row.try_get::<String, _>("id")?.into(),
        name: row.try_get("name")?,
        album: Album {
            id: row.try_get::<String, _>("album_id")?.into(),
            name: row.try_get("album_name")?,
            artists: vec![ArtistRef {
                id: row.try_get::<String, _>("album_artist_id")?.into(),
                name: row.try_get("album_artist_name")?,
            }],
            release_date: row.try_get("release_date")?,
            album_type: row.try_get("album_type")?,
            total_tracks: row.try_get("total_tracks")?,
            spotify_id: row.try_get("album_spotify_id")?,
            cover: cover_columns(row, "album_id")?,
        },
        artists: Vec::new(),
        duration_ms: row.try_get("duration_ms")?,
        isrc: row.try_get("isrc")?,
        explicit: row.try_get::<i64, _>("explicit")? != 0,
        track_number: row.try_get("track_number")?,
        disc_number: row.try_get("disc_number")?,
        popularity: row.try_get("popularity")?,
        spotify_id: row.try_get("spotify_id")?,
        external_ids: serde_json::from_str(&external).unwrap_or_default(),
    })
}

impl SqlStore {
    /// Loads tracks by id with their artists: two queries whatever the number of tracks.
    async fn load_tracks(&self, where_sql: &str, binds: &[&str]) -> Result<Vec<Track>> {
        let sql = format!("{TRACK_SELECT} {where_sql}");
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(*b);
        }
        let rows = q.fetch_all(&self.read).await?;
        let mut tracks = rows.iter().map(track_row).collect::<Result<Vec<_>>>()?;
        if tracks.is_empty() {
            return Ok(tracks);
        }
        let sql = format!(
            "SELECT ta.track_id, a.id, a.name FROM track_artists ta JOIN artists a ON a.id = ta.artist_id \
             WHERE ta.track_id IN ({}) ORDER BY ta.track_id, ta.ord",
            params(1, tracks.len())
        );
        let mut q = sqlx::query(&sql);
        for t in &tracks {
            q = q.bind(t.id.as_str());
        }
        let mut by_track: HashMap<String, Vec<ArtistRef>> = HashMap::new();
        for row in q.fetch_all(&self.read).await? {
            by_track
                .entry(row.try_get(0)?)
                .or_default()
                .push(ArtistRef {
                    id: row.try_get::<String, _>(1)?.into(),
                    name: row.try_get(2)?,
                });
        }
        for t in &mut tracks {
            t.artists = by_track.remove(t.id.as_str()).unwrap_or_default();
        }
        Ok(tracks)
    }
}

/// Per-transaction memo of artists and albums already resolved by name.
#[derive(Default)]
pub(crate) struct NameCache {
    artists: HashMap<String, Id>,
    albums: HashMap<(Id, String), Id>,
}

async fn find_or_create_artist(
    tx: &mut Transaction<'_, Any>,
    cache: &mut NameCache,
    name: &str,
    track: &NewTrack,
    now_ms: i64,
) -> Result<Id> {
    let key = name_key(name);
    if let Some(id) = cache.artists.get(&key) {
        return Ok(id.clone());
    }
    let details = track.artist_details.get(name).cloned().unwrap_or_default();
    sqlx::query(
        "INSERT INTO artists (id, name, name_key, birth_date, country, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(name.trim())
    .bind(&key)
    .bind(details.birth_date)
    .bind(details.country)
    .bind(details.status)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    let id: String = sqlx::query_scalar("SELECT id FROM artists WHERE name_key = $1")
        .bind(&key)
        .fetch_one(&mut **tx)
        .await?;
    cache.artists.insert(key, id.clone());
    Ok(id)
}

async fn find_or_create_album(
    tx: &mut Transaction<'_, Any>,
    cache: &mut NameCache,
    artist_id: &str,
    name: &str,
    release_date: Option<&str>,
    now_ms: i64,
) -> Result<Id> {
    let key = (artist_id.to_owned(), name_key(name));
    if let Some(id) = cache.albums.get(&key) {
        return Ok(id.clone());
    }
    sqlx::query(
        "INSERT INTO albums (id, name, name_key, artist_id, release_date, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (artist_id, name_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(name.trim())
    .bind(&key.1)
    .bind(artist_id)
    .bind(release_date)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    let id: String =
        sqlx::query_scalar("SELECT id FROM albums WHERE artist_id = $1 AND name_key = $2")
            .bind(artist_id)
            .bind(&key.1)
            .fetch_one(&mut **tx)
            .await?;
    cache.albums.insert(key, id.clone());
    Ok(id)
}

async fn existing_track(
    tx: &mut Transaction<'_, Any>,
    t: &NewTrack,
    album_id: &str,
) -> Result<Option<TrackId>> {
    let q = match (&t.spotify_id, &t.isrc) {
        (Some(sid), _) => {
            sqlx::query_scalar::<_, String>("SELECT id FROM tracks WHERE spotify_id = $1")
                .bind(sid.clone())
        }
        (None, Some(isrc)) => {
            sqlx::query_scalar("SELECT id FROM tracks WHERE isrc = $1").bind(isrc.clone())
        }
        (None, None) => {
            sqlx::query_scalar("SELECT id FROM tracks WHERE name_key = $1 AND album_id = $2")
                .bind(name_key(&t.name))
                .bind(album_id.to_owned())
        }
    };
    Ok(q.fetch_optional(&mut **tx).await?.map(TrackId::from))
}

/// Finds or adds one track in `tx`: the album is the album artist's when one is given (a
/// compilation's tracks share the album of "Various Artists"), else the first artist's; a track
/// added gets `disc_number` when one is given.
pub(crate) async fn upsert_track(
    tx: &mut Transaction<'_, Any>,
    cache: &mut NameCache,
    t: &NewTrack,
    album_artist: Option<&str>,
    disc_number: Option<i64>,
    now_ms: i64,
) -> Result<TrackId> {
    let mut artist_ids = Vec::with_capacity(t.artists.len());
    for name in &t.artists {
        artist_ids.push(find_or_create_artist(tx, cache, name, t, now_ms).await?);
    }
    let album_artist_id = match album_artist {
        Some(name) => find_or_create_artist(tx, cache, name, t, now_ms).await?,
        None => artist_ids[0].clone(),
    };
    let album_name = t.album.as_deref().unwrap_or(&t.name);
    let album_id = find_or_create_album(
        tx,
        cache,
        &album_artist_id,
        album_name,
        t.release_date.as_deref(),
        now_ms,
    )
    .await?;
    if let Some(id) = existing_track(tx, t, &album_id).await? {
        return Ok(id);
    }
    let id = TrackId::new();
    let external = serde_json::to_string(&t.external_ids).expect("a string map serialises");
    sqlx::query(
        "INSERT INTO tracks (id, name, name_key, album_id, duration_ms, isrc, explicit, \
         track_number, spotify_id, external_ids, created_at, disc_number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, \
         COALESCE($8, (SELECT COUNT(*) + 1 FROM tracks WHERE album_id = $4)), $9, $10, $11, \
         COALESCE($12, 1))",
    )
    .bind(id.as_str())
    .bind(t.name.trim())
    .bind(name_key(&t.name))
    .bind(&album_id)
    .bind(t.duration_ms)
    .bind(&t.isrc)
    .bind(flag(t.explicit))
    .bind(t.track_number)
    .bind(&t.spotify_id)
    .bind(external)
    .bind(now_ms)
    .bind(disc_number)
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict(format!("a track with Spotify id {:?} exists", t.spotify_id))
        } else {
            e.into()
        }
    })?;
    for (ord, artist_id) in artist_ids.iter().enumerate() {
        sqlx::query("INSERT INTO track_artists (track_id, ord, artist_id) VALUES ($1, $2, $3)")
            .bind(id.as_str())
            .bind(ord as i64)
            .bind(artist_id)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE albums SET total_tracks = total_tracks + 1 WHERE id = $1")
        .bind(&album_id)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

#[async_trait]
impl CatalogStore for SqlStore {
    async fn upsert_tracks(&self, tracks: &[NewTrack], now_ms: i64) -> Result<Vec<TrackId>> {
        let mut tx = self.write.begin().await?;
        let mut cache = NameCache::default();
        let mut ids = Vec::with_capacity(tracks.len());
        for t in tracks {
            ids.push(upsert_track(&mut tx, &mut cache, t, None, None, now_ms).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn tracks(&self, ids: &[TrackId]) -> Result<Vec<Track>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut unique: Vec<&str> = ids.iter().map(TrackId::as_str).collect();
        unique.sort_unstable();
        unique.dedup();
        let found = self
            .load_tracks(
                &format!("WHERE t.id IN ({})", params(1, unique.len())),
                &unique,
            )
            .await?;
        let by_id: HashMap<&str, &Track> = found.iter().map(|t| (t.id.as_str(), t)).collect();
        Ok(ids
            .iter()
            .filter_map(|id| by_id.get(id.as_str()).map(|t| (*t).clone()))
            .collect())
    }

    async fn tracks_by_spotify_ids(
        &self,
        spotify_ids: &[String],
    ) -> Result<HashMap<String, TrackId>> {
        if spotify_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT spotify_id, id FROM tracks WHERE spotify_id IN ({})",
            params(1, spotify_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in spotify_ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get::<String, _>(1)?.into())))
            .collect()
    }

    async fn existing_tracks(&self, ids: &[TrackId]) -> Result<Vec<TrackId>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT id FROM tracks WHERE id IN ({})",
            params(1, ids.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for id in ids {
            q = q.bind(id.as_str());
        }
        Ok(q.fetch_all(&self.read)
            .await?
            .into_iter()
            .map(TrackId::from)
            .collect())
    }

    async fn album(&self, id: &AlbumId) -> Result<Option<Album>> {
        let row = sqlx::query(&format!("{ALBUM_SELECT} WHERE al.id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(album_row).transpose()
    }

    async fn album_track_ids(&self, id: &AlbumId, limit: i64, offset: i64) -> Result<Vec<TrackId>> {
        Ok(sqlx::query_scalar::<_, String>(
            "SELECT id FROM tracks WHERE album_id = $1 \
             ORDER BY disc_number, track_number, id LIMIT $2 OFFSET $3",
        )
        .bind(id.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?
        .into_iter()
        .map(TrackId::from)
        .collect())
    }

    async fn artist(&self, id: &ArtistId) -> Result<Option<Artist>> {
        let row = sqlx::query(&format!("{ARTIST_SELECT} WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(artist_row).transpose()
    }

    async fn artist_albums(
        &self,
        id: &ArtistId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Album>, i64)> {
        let rows = sqlx::query(&format!(
            "{ALBUM_SELECT} WHERE al.artist_id = $1 \
             ORDER BY al.release_date DESC, al.name, al.id LIMIT $2 OFFSET $3"
        ))
        .bind(id.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM albums WHERE artist_id = $1")
            .bind(id.as_str())
            .fetch_one(&self.read)
            .await?;
        Ok((rows.iter().map(album_row).collect::<Result<_>>()?, total))
    }

    async fn albums(&self, ids: &[AlbumId]) -> Result<Vec<Album>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!("{ALBUM_SELECT} WHERE al.id IN ({})", params(1, ids.len()));
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(&self.read).await?;
        let found = rows.iter().map(album_row).collect::<Result<Vec<_>>>()?;
        Ok(ids
            .iter()
            .filter_map(|id| found.iter().find(|a| &a.id == id).cloned())
            .collect())
    }

    async fn artists(&self, ids: &[ArtistId]) -> Result<Vec<Artist>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!("{ARTIST_SELECT} WHERE id IN ({})", params(1, ids.len()));
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(&self.read).await?;
        let found = rows.iter().map(artist_row).collect::<Result<Vec<_>>>()?;
        Ok(ids
            .iter()
            .filter_map(|id| found.iter().find(|a| &a.id == id).cloned())
            .collect())
    }

    async fn tracks_after(&self, after: Option<&TrackId>, limit: i64) -> Result<Vec<Track>> {
        let limit = limit.to_string();
        self.load_tracks(
            &format!("WHERE t.id > $1 ORDER BY t.id LIMIT {limit}"),
            &[after.map_or("", TrackId::as_str)],
        )
        .await
    }

    async fn track_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tracks")
            .fetch_one(&self.read)
            .await?)
    }
}
