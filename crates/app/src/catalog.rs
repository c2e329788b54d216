//! Catalog writes and the search index that follows them.

use std::collections::HashMap;
use std::sync::Arc;

use medley_domain::catalog::{Album, Artist, NewTrack, Track, MAX_TRACKS_PER_WRITE};
use medley_domain::paging::Page;
use medley_domain::user::User;
use medley_domain::{AlbumId, ArtistId, Id, TrackId};
use medley_events::Event;
use medley_search::{SearchIndex, TrackDoc};
use medley_store::plays::PodcastEntity;
use medley_store::Store;

use crate::cache::TrackJson;
use crate::clock::now_ms;
use crate::error::{admin_only, AppError, AppResult};
use crate::App;

/// Validates and adds tracks, then indexes them for search before answering, so a search
/// right after the write finds them.
pub async fn add_tracks(app: &App, tracks: Vec<NewTrack>) -> AppResult<Vec<Track>> {
    if tracks.is_empty() || tracks.len() > MAX_TRACKS_PER_WRITE {
        return Err(AppError::Invalid(format!(
            "send 1 to {MAX_TRACKS_PER_WRITE} tracks per request (got {})",
            tracks.len()
        )));
    }
    for (i, t) in tracks.iter().enumerate() {
        t.validate()
            .map_err(|e| AppError::Invalid(format!("track {i}: {e}")))?;
    }
    let ids = app.store.upsert_tracks(&tracks, now_ms()).await?;
    let stored = app.store.tracks(&ids).await?;
    index_tracks(&app.search, &stored)?;
    app.caches.forget_tracks(&ids);
    app.bus.publish(Event::TracksUpserted { track_ids: ids });
    Ok(stored)
}

fn doc(t: &Track) -> TrackDoc {
    TrackDoc {
        track_id: t.id.to_string(),
        track_name: t.name.clone(),
        artists: t
            .artists
            .iter()
            .map(|a| (a.id.to_string(), a.name.clone()))
            .collect(),
        album_id: t.album.id.to_string(),
        album_name: t.album.name.clone(),
        album_artists: t.album.artists.iter().map(|a| a.name.clone()).collect(),
    }
}

pub fn index_tracks(index: &SearchIndex, tracks: &[Track]) -> AppResult<()> {
    let docs: Vec<TrackDoc> = tracks.iter().map(doc).collect();
    index
        .index_tracks(&docs)
        .map_err(|e| AppError::internal(e, "indexing tracks"))
}

/// Fills an empty index from the whole catalog, in batches, then merges the index into one
/// segment per kind (searches are faster on one). Returns the number of tracks.
pub async fn rebuild_search_index(store: &dyn Store, index: &SearchIndex) -> AppResult<usize> {
    index.pause_merges();
    let loaded = load_search_index(store, index).await;
    let merged = index
        .merge_segments()
        .map_err(|e| AppError::internal(e, "merging the search index"));
    let count = loaded?;
    merged?;
    Ok(count)
}

async fn load_search_index(store: &dyn Store, index: &SearchIndex) -> AppResult<usize> {
    let mut after: Option<TrackId> = None;
    let mut count = 0;
    loop {
        let batch = store.tracks_after(after.as_ref(), 5000).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id.clone());
        count += batch.len();
        index_tracks(index, &batch)?;
    }
    Ok(count)
}

/// Artists for `ids`, in order, skipping unknown ids: from the cache, the rest from the store.
pub async fn artists(app: &App, ids: &[ArtistId]) -> AppResult<Vec<Artist>> {
    cached_by_id(
        app,
        ids,
        |id| app.caches.artist(id),
        |missing| async move { app.store.artists(&missing).await },
        |seen, loaded| app.caches.remember_artists(seen, loaded),
        |a| &a.id,
    )
    .await
}

/// Albums for `ids`, in order, skipping unknown ids: from the cache, the rest from the store.
pub async fn albums(app: &App, ids: &[AlbumId]) -> AppResult<Vec<Album>> {
    cached_by_id(
        app,
        ids,
        |id| app.caches.album(id),
        |missing| async move { app.store.albums(&missing).await },
        |seen, loaded| app.caches.remember_albums(seen, loaded),
        |a| &a.id,
    )
    .await
}

/// Objects for `ids`, in order, skipping unknown ids: what `cached` has, the rest from `load`,
/// which `remember` keeps unless a catalog write overlapped the load.
async fn cached_by_id<K, T, Fut>(
    app: &App,
    ids: &[K],
    cached: impl Fn(&K) -> Option<T>,
    load: impl FnOnce(Vec<K>) -> Fut,
    remember: impl FnOnce(u64, &[T]),
    id_of: impl Fn(&T) -> &K,
) -> AppResult<Vec<T>>
where
    K: Clone + Eq + std::hash::Hash,
    Fut: std::future::Future<Output = medley_store::Result<Vec<T>>>,
{
    let seen = app.caches.catalog_generation();
    let found: Vec<Option<T>> = ids.iter().map(&cached).collect();
    let missing: Vec<K> = ids
        .iter()
        .zip(&found)
        .filter(|(_, c)| c.is_none())
        .map(|(id, _)| id.clone())
        .collect();
    if missing.is_empty() {
        return Ok(found.into_iter().flatten().collect());
    }
    let loaded = load(missing).await?;
    remember(seen, &loaded);
    let mut loaded: HashMap<K, T> = loaded.into_iter().map(|x| (id_of(&x).clone(), x)).collect();
    Ok(ids
        .iter()
        .zip(found)
        .filter_map(|(id, c)| c.or_else(|| loaded.remove(id)))
        .collect())
}

/// Rendered track objects for `ids`, in order, `None` where a track does not exist. Served
/// from the track cache; only the missing ones are read and rendered with `render` (the edge's
/// JSON shape).
pub async fn track_objects(
    app: &App,
    ids: &[TrackId],
    render: impl Fn(&Track) -> serde_json::Result<Box<serde_json::value::RawValue>>,
) -> AppResult<Vec<Option<TrackJson>>> {
    let mut out: Vec<Option<TrackJson>> = ids.iter().map(|id| app.caches.tracks.get(id)).collect();
    let missing: Vec<TrackId> = ids
        .iter()
        .zip(&out)
        .filter(|(_, t)| t.is_none())
        .map(|(id, _)| id.clone())
        .collect();
    if missing.is_empty() {
        return Ok(out);
    }
    let mut loaded: HashMap<TrackId, TrackJson> = HashMap::new();
    for track in app.store.tracks(&missing).await? {
        let json = render(&track).map_err(|e| AppError::internal(e, "rendering a track"))?;
        let json: TrackJson = Arc::from(json);
        app.caches.tracks.insert(track.id.clone(), json.clone());
        loaded.insert(track.id, json);
    }
    for (slot, id) in out.iter_mut().zip(ids) {
        if slot.is_none() {
            *slot = loaded.get(id).cloned();
        }
    }
    Ok(out)
}

/// A catalog track as the composite engine sees it.
pub fn engine_track(t: &Track) -> medley_compose::Track {
    medley_compose::Track {
        id: t.id.clone(),
        isrc: t.isrc.clone(),
        name: t.name.clone(),
        artists: t.artists.iter().map(|a| a.name.clone()).collect(),
        duration_ms: t.duration_ms,
        explicit: t.explicit,
    }
}

/// Whether `user` may add to the catalog: administrators only. A front end asks before it
/// reads what to add, so that anyone else is told so whatever they sent.
pub fn may_add(user: &User) -> AppResult<()> {
    admin_only(user, "only administrators may add to the catalog")
}

/// Adds tracks to the catalog on behalf of `user`, who must be an administrator.
pub async fn add_tracks_as(app: &App, user: &User, tracks: Vec<NewTrack>) -> AppResult<Vec<Track>> {
    may_add(user)?;
    add_tracks(app, tracks).await
}

/// Tracks for `ids` as stored now (unknown ids left out, each track once).
pub async fn tracks(app: &App, ids: &[TrackId]) -> AppResult<Vec<Track>> {
    Ok(app.store.tracks(ids).await?)
}

/// Which of `ids` are catalog tracks.
pub async fn existing_tracks(app: &App, ids: &[TrackId]) -> AppResult<Vec<TrackId>> {
    Ok(app.store.existing_tracks(ids).await?)
}

/// `ids` if every one is a catalog track; else the first that is not, named.
pub async fn known_tracks(app: &App, ids: Vec<TrackId>) -> AppResult<Vec<TrackId>> {
    let existing = existing_tracks(app, &ids).await?;
    if let Some(missing) = ids.iter().find(|id| !existing.contains(id)) {
        return Err(AppError::Invalid(format!(
            "`{missing}` is not a track in the catalog"
        )));
    }
    Ok(ids)
}

/// Albums for `ids` as stored now, bypassing the cache (unknown ids left out): what a write
/// just made shows at once.
pub async fn stored_albums(app: &App, ids: &[AlbumId]) -> AppResult<Vec<Album>> {
    Ok(app.store.albums(ids).await?)
}

/// Artists for `ids` as stored now, bypassing the cache (unknown ids left out).
pub async fn stored_artists(app: &App, ids: &[ArtistId]) -> AppResult<Vec<Artist>> {
    Ok(app.store.artists(ids).await?)
}

/// Podcast shows and episodes for `ids` (the entities plays of podcasts name), by id.
pub async fn podcast_entities(app: &App, ids: &[Id]) -> AppResult<HashMap<Id, PodcastEntity>> {
    Ok(app.store.podcast_entities(ids).await?)
}

/// One album, or not found.
pub async fn album(app: &App, id: &AlbumId) -> AppResult<Album> {
    app.store
        .album(id)
        .await?
        .ok_or_else(|| AppError::not_found(&format!("album `{id}`")))
}

/// A page of an album's tracks, in disc and track order.
pub async fn album_tracks(app: &App, id: &AlbumId, page: Page) -> AppResult<Vec<Track>> {
    let ids = app
        .store
        .album_track_ids(id, page.limit, page.offset)
        .await?;
    Ok(app.store.tracks(&ids).await?)
}

/// One artist, or not found.
pub async fn artist(app: &App, id: &ArtistId) -> AppResult<Artist> {
    app.store
        .artist(id)
        .await?
        .ok_or_else(|| AppError::not_found(&format!("artist `{id}`")))
}

/// A page of an artist's albums, newest first, and their count; not found for an unknown
/// artist.
pub async fn artist_albums(app: &App, id: &ArtistId, page: Page) -> AppResult<(Vec<Album>, i64)> {
    artist(app, id).await?;
    Ok(app.store.artist_albums(id, page.limit, page.offset).await?)
}

/// An artist's `limit` most played tracks on this server (plays of at least `min_ms` by every
/// listener, ties by name); not found for an unknown artist.
pub async fn artist_top_tracks(
    app: &App,
    id: &ArtistId,
    min_ms: i64,
    limit: i64,
) -> AppResult<Vec<TrackId>> {
    artist(app, id).await?;
    Ok(app.store.artist_top_tracks(id, min_ms, limit).await?)
}
