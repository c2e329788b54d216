//! Catalog writes and the search index that follows them.

use std::collections::HashMap;
use std::sync::Arc;

use medley_domain::catalog::{NewTrack, Track, MAX_TRACKS_PER_WRITE};
use medley_domain::Id;
use medley_events::Event;
use medley_search::{SearchIndex, TrackDoc};
use medley_store::Store;

use crate::cache::TrackJson;
use crate::error::{ApiError, ApiResult};
use crate::state::{now_ms, AppState};

/// Validates and adds tracks, then indexes them for search before answering, so a search
/// right after the write finds them.
pub async fn add_tracks(state: &AppState, tracks: Vec<NewTrack>) -> ApiResult<Vec<Track>> {
    if tracks.is_empty() || tracks.len() > MAX_TRACKS_PER_WRITE {
        return Err(ApiError::BadRequest(format!(
            "send 1 to {MAX_TRACKS_PER_WRITE} tracks per request (got {})",
            tracks.len()
        )));
    }
    for (i, t) in tracks.iter().enumerate() {
        t.validate()
            .map_err(|e| ApiError::BadRequest(format!("track {i}: {e}")))?;
    }
    let ids = state.store.upsert_tracks(&tracks, now_ms()).await?;
    let stored = state.store.tracks(&ids).await?;
    index_tracks(&state.search, &stored)?;
    state.caches.forget_tracks(&ids);
    state.bus.publish(Event::TracksUpserted { track_ids: ids });
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

pub fn index_tracks(index: &SearchIndex, tracks: &[Track]) -> ApiResult<()> {
    let docs: Vec<TrackDoc> = tracks.iter().map(doc).collect();
    index
        .index_tracks(&docs)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("indexing tracks: {e}")))
}

/// Fills an empty index from the whole catalog, in batches. Returns the number of tracks.
pub async fn rebuild_search_index(store: &dyn Store, index: &SearchIndex) -> ApiResult<usize> {
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

/// Rendered track objects for `ids`, in order, `None` where a track does not exist. Served
/// from the track cache; only the missing ones are read and rendered.
pub async fn track_objects(state: &AppState, ids: &[Id]) -> ApiResult<Vec<Option<TrackJson>>> {
    let mut out: Vec<Option<TrackJson>> =
        ids.iter().map(|id| state.caches.tracks.get(id)).collect();
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
    for track in state.store.tracks(&missing).await? {
        let json = serde_json::value::to_raw_value(&state.render.track(&track))
            .map_err(|e| anyhow::anyhow!("rendering track {}: {e}", track.id))?;
        let json: TrackJson = Arc::from(json);
        state.caches.tracks.insert(track.id.clone(), json.clone());
        loaded.insert(track.id, json);
    }
    for (slot, id) in out.iter_mut().zip(ids) {
        if slot.is_none() {
            *slot = loaded.get(id).cloned();
        }
    }
    Ok(out)
}
