//! Catalog writes and the search index that follows them.

use std::collections::HashMap;
use std::sync::Arc;

use medley_domain::catalog::{Album, Artist, NewTrack, Track, MAX_TRACKS_PER_WRITE};
use medley_domain::Id;
use medley_events::Event;
use medley_search::{SearchIndex, TrackDoc};
use medley_store::Store;

use crate::cache::TrackJson;
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
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
        track_id: t.id.clone(),
        track_name: t.name.clone(),
        artists: t
            .artists
            .iter()
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect(),
        album_id: t.album.id.clone(),
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
    let mut after: Option<Id> = None;
    let mut count = 0;
    loop {
        let batch = store.tracks_after(after.as_deref(), 5000).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id.clone());
        count += batch.len();
        index_tracks(index, &batch)?;
    }
    Ok(count)
}

/// Artists for `ids`, in order, skipping unknown ids: from the cache, the rest from the store.
pub async fn artists(app: &App, ids: &[Id]) -> AppResult<Vec<Artist>> {
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
pub async fn albums(app: &App, ids: &[Id]) -> AppResult<Vec<Album>> {
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
async fn cached_by_id<T, Fut>(
    app: &App,
    ids: &[Id],
    cached: impl Fn(&str) -> Option<T>,
    load: impl FnOnce(Vec<Id>) -> Fut,
    remember: impl FnOnce(u64, &[T]),
    id_of: impl Fn(&T) -> &Id,
) -> AppResult<Vec<T>>
where
    Fut: std::future::Future<Output = medley_store::Result<Vec<T>>>,
{
    let seen = app.caches.catalog_generation();
    let found: Vec<Option<T>> = ids.iter().map(|id| cached(id)).collect();
    let missing: Vec<Id> = ids
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
    let mut loaded: HashMap<Id, T> = loaded.into_iter().map(|x| (id_of(&x).clone(), x)).collect();
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
    ids: &[Id],
    render: impl Fn(&Track) -> serde_json::Result<Box<serde_json::value::RawValue>>,
) -> AppResult<Vec<Option<TrackJson>>> {
    let mut out: Vec<Option<TrackJson>> = ids.iter().map(|id| app.caches.tracks.get(id)).collect();
    let missing: Vec<Id> = ids
        .iter()
        .zip(&out)
        .filter(|(_, t)| t.is_none())
        .map(|(id, _)| id.clone())
        .collect();
    if missing.is_empty() {
        return Ok(out);
    }
    let mut loaded: HashMap<Id, TrackJson> = HashMap::new();
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
