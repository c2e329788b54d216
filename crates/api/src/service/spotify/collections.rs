//! Spotify collections (playlists and Liked Songs) as sources and targets: reading them into
//! catalog tracks through the owner's connection, reusing the last read while the sweep says
//! nothing changed, and adding to them in batches.
//!
//! A read that fails for any reason (no connection, a refused token, a 403, a short page, the
//! quota) is a failure of that source, never an empty one: callers freeze its contributions.

use std::collections::HashMap;

use medley_compose::SourceItem;
use medley_domain::catalog::{NewTrack, MAX_TRACKS_PER_WRITE};
use medley_domain::user::User;
use medley_spotify::objects::Playable;
use medley_spotify::{uri, Collection, Kind, SpotifyError};
use medley_store::Connection;

use crate::error::{ApiError, ApiResult};
use crate::service::catalog::add_tracks;
use crate::service::compositions::engine_track;
use crate::state::{now_ms, AppState};

/// Requests spent on Spotify by one piece of work (a sync-job run), summed over its sessions.
#[derive(Debug, Default)]
pub struct Spent(pub u64);

/// The connection through which `owner` reaches `collection`: for Liked Songs the one linked
/// to that very account; for a playlist the first active one.
pub async fn connection_for(
    state: &AppState,
    owner_id: &str,
    collection: &Collection,
) -> ApiResult<Option<Connection>> {
    let mut connections = state.store.connections(owner_id).await?;
    connections.sort_by_key(|c| c.status != "active");
    Ok(connections.into_iter().find(|c| match collection {
        Collection::LikedSongs { user_id } => &c.spotify_user_id == user_id,
        Collection::Playlist(_) => true,
    }))
}

fn no_connection(collection: &Collection) -> String {
    match collection {
        Collection::LikedSongs { user_id } => format!(
            "no Spotify account `{user_id}` is connected: link it with POST /v1/connections/spotify"
        ),
        Collection::Playlist(_) => {
            "no Spotify account is connected: link one with POST /v1/connections/spotify".into()
        }
    }
}

/// Reads a collection for `owner`: `Ok(Err(reason))` when it cannot be read now.
pub async fn read(
    state: &AppState,
    owner: &User,
    collection: &Collection,
    spent: &mut Spent,
) -> ApiResult<Result<Vec<SourceItem>, String>> {
    let spotify = state.spotify()?;
    let Some(connection) = connection_for(state, &owner.id, collection).await? else {
        return Ok(Err(no_connection(collection)));
    };
    let uri = collection.uri();
    let cached = state.store.collection(&connection.id, &uri).await?;
    if cached.fresh() {
        if let Some(items) = decode(cached.items.as_deref()) {
            return Ok(Ok(source_items(state, &items).await?));
        }
    }
    let session = match spotify.session(&state.store, &connection).await {
        Ok(s) => s,
        Err(ApiError::Conflict(m)) => return Ok(Err(m)),
        Err(e) => return Err(e),
    };
    let read: Result<Vec<(Playable, Option<i64>)>, SpotifyError> = match collection {
        Collection::Playlist(id) => session.playlist_items(id).await.map(|c| {
            c.items
                .into_iter()
                .filter(|i| i.kind == Kind::Track)
                .map(|i| {
                    // Compare and remove by the URI the playlist holds (relinked tracks).
                    let mut p = i.playable;
                    p.uri = i.uri;
                    (p, None)
                })
                .collect()
        }),
        Collection::LikedSongs { .. } => session.liked_tracks().await.map(|saved| {
            // Spotify lists Liked Songs newest first; Medley keeps them oldest first, the
            // order in which they were added, like a playlist.
            saved
                .into_iter()
                .rev()
                .filter_map(|s| Some((s.track?, s.added_at.as_deref().and_then(parse_time))))
                .collect()
        }),
    };
    spotify
        .settle(state.store.as_ref(), &connection, &session, &read)
        .await?;
    spent.0 += session.meter().total();
    let read = match read {
        Ok(r) => r,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let ids = catalog_ids(state, read.iter().map(|(p, _)| p)).await?;
    let items: Vec<(String, Option<i64>)> = ids
        .into_iter()
        .zip(read.iter().map(|(_, at)| *at))
        .filter_map(|(id, at)| Some((id?, at)))
        .collect();
    let json = serde_json::to_string(&items).expect("items serialise");
    state
        .store
        .put_collection_read(
            &connection.id,
            &uri,
            cached.seen_snapshot.as_deref(),
            &json,
            now_ms(),
        )
        .await?;
    Ok(Ok(source_items(state, &items).await?))
}

/// Adds catalog tracks to a collection the owner may change, 100 (playlists) or 50 (Liked
/// Songs) a request. Tracks Spotify does not know (no Spotify id) are left out and counted.
/// Returns how many were left out.
pub async fn add(
    state: &AppState,
    owner: &User,
    collection: &Collection,
    track_ids: &[String],
    spent: &mut Spent,
) -> ApiResult<usize> {
    let spotify = state.spotify()?;
    let connection = connection_for(state, &owner.id, collection)
        .await?
        .ok_or_else(|| ApiError::Conflict(no_connection(collection)))?;
    let tracks = state.store.tracks(track_ids).await?;
    let spotify_ids: Vec<String> = tracks.iter().filter_map(|t| t.spotify_id.clone()).collect();
    let left_out = track_ids.len() - spotify_ids.len();
    if spotify_ids.is_empty() {
        return Ok(left_out);
    }
    let uri = collection.uri();
    let cached = state.store.collection(&connection.id, &uri).await?;
    let session = spotify.session(&state.store, &connection).await?;
    // Whatever happens to the write, the stored read no longer describes the collection.
    state
        .store
        .saw_snapshots(&connection.id, &[(uri.clone(), "writing".into())])
        .await?;
    let written = match collection {
        Collection::Playlist(id) => {
            let uris: Vec<String> = spotify_ids
                .iter()
                .map(|i| format!("spotify:track:{i}"))
                .collect();
            session.add_items(id, &uris, None).await.map(Some)
        }
        Collection::LikedSongs { .. } => session.save_tracks(&spotify_ids).await.map(|()| None),
    };
    spotify
        .settle(state.store.as_ref(), &connection, &session, &written)
        .await?;
    spent.0 += session.meter().total();
    let snapshot = written.map_err(|e| ApiError::Unavailable(format!("Spotify: {e}")))?;
    // Composites reading this collection follow it, as they follow Medley playlists.
    let now = now_ms();
    for composite in state.store.composites_using(&uri).await? {
        state
            .store
            .enqueue(crate::service::compositions::KIND, &composite, "", now, now)
            .await?;
        state.wake_worker.notify_one();
    }
    // What the collection now holds, if Medley knew it before: no need to read it again
    // while the sweep sees the snapshot the write produced.
    if let (Some(snapshot), true) = (snapshot.flatten(), cached.fresh()) {
        if let Some(mut items) = decode(cached.items.as_deref()) {
            items.extend(
                tracks
                    .iter()
                    .filter(|t| t.spotify_id.is_some())
                    .map(|t| (t.id.clone(), Some(now))),
            );
            let json = serde_json::to_string(&items).expect("items serialise");
            state
                .store
                .put_collection_read(&connection.id, &uri, Some(&snapshot), &json, now)
                .await?;
        }
    }
    Ok(left_out)
}

fn decode(items: Option<&str>) -> Option<Vec<(String, Option<i64>)>> {
    serde_json::from_str(items?).ok()
}

fn parse_time(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

async fn source_items(
    state: &AppState,
    items: &[(String, Option<i64>)],
) -> ApiResult<Vec<SourceItem>> {
    let ids: Vec<String> = items.iter().map(|(id, _)| id.clone()).collect();
    let tracks = state.store.tracks(&ids).await?;
    let by_id: HashMap<&str, _> = tracks.iter().map(|t| (t.id.as_str(), t)).collect();
    Ok(items
        .iter()
        .filter_map(|(id, at)| {
            by_id.get(id.as_str()).map(|t| SourceItem {
                track: engine_track(t),
                added_at_ms: *at,
            })
        })
        .collect())
}

/// Catalog track ids for Spotify tracks, creating the ones the catalog lacks (with their
/// Spotify id and ISRC). `None` for what cannot be a catalog track.
pub async fn catalog_ids<'a>(
    state: &AppState,
    playables: impl Iterator<Item = &'a Playable>,
) -> ApiResult<Vec<Option<String>>> {
    let playables: Vec<&Playable> = playables.collect();
    let spotify_ids: Vec<Option<String>> = playables
        .iter()
        .map(|p| uri::track_id(&p.uri).map(str::to_owned))
        .collect();
    let wanted: Vec<String> = spotify_ids.iter().flatten().cloned().collect();
    let mut known = state.store.tracks_by_spotify_ids(&wanted).await?;
    let mut missing: Vec<NewTrack> = Vec::new();
    let mut queued = std::collections::HashSet::new();
    for (p, id) in playables.iter().zip(&spotify_ids) {
        let Some(id) = id else { continue };
        if known.contains_key(id) || !queued.insert(id.clone()) {
            continue;
        }
        let track = new_track(p, id);
        if track.validate().is_ok() {
            missing.push(track);
        }
    }
    for chunk in missing.chunks(MAX_TRACKS_PER_WRITE) {
        for t in add_tracks(state, chunk.to_vec()).await? {
            if let Some(sid) = t.spotify_id.clone() {
                known.insert(sid, t.id);
            }
        }
    }
    Ok(spotify_ids
        .into_iter()
        .map(|id| id.and_then(|id| known.get(&id).cloned()))
        .collect())
}

fn new_track(p: &Playable, spotify_id: &str) -> NewTrack {
    NewTrack {
        name: p.name.clone(),
        artists: p.artists.iter().map(|a| a.name.clone()).collect(),
        album: p.album.as_ref().map(|a| a.name.clone()),
        duration_ms: p.duration_ms as i64,
        isrc: p.isrc().map(str::to_owned),
        explicit: p.explicit,
        spotify_id: Some(spotify_id.to_owned()),
        ..NewTrack::default()
    }
}

/// Checks, when a composite or a job is set up, that `owner` can read (or, with `write`,
/// change) a Spotify collection: a connected account that reaches it, and for a playlist one
/// it owns or collaborates on, since Spotify shows other playlists' items to no app.
pub async fn check(
    state: &AppState,
    owner: &User,
    collection: &Collection,
    write: bool,
) -> ApiResult<()> {
    let Some(spotify) = &state.spotify else {
        return Err(ApiError::BadRequest(format!(
            "`{collection}` is on Spotify, and this server has no Spotify app configured (its \
             operator sets MEDLEY_SPOTIFY_CLIENT_ID)"
        )));
    };
    let connection = connection_for(state, &owner.id, collection)
        .await?
        .ok_or_else(|| ApiError::Conflict(no_connection(collection)))?;
    let Collection::Playlist(id) = collection else {
        return Ok(());
    };
    let session = spotify.session(&state.store, &connection).await?;
    let meta = session.playlist(id).await;
    spotify
        .settle(state.store.as_ref(), &connection, &session, &meta)
        .await?;
    let uri = collection.uri();
    let meta = match meta {
        Ok(m) => m,
        Err(SpotifyError::NotFound(_)) | Err(SpotifyError::BadRequest(_)) => {
            return Err(ApiError::NotFound(format!(
                "`{uri}` does not exist on Spotify or is not visible to `{}`",
                connection.spotify_user_id
            )))
        }
        Err(e) => return Err(ApiError::Unavailable(format!("Spotify: {e}"))),
    };
    let owns = meta.owner.id == connection.spotify_user_id;
    if !owns && !meta.collaborative {
        let what = if write { "change" } else { "read the items of" };
        return Err(ApiError::Forbidden(format!(
            "Spotify lets apps {what} only playlists the account owns or collaborates on; \
             `{uri}` belongs to `{}`. Copy it into a playlist of your own in Spotify first",
            meta.owner.id
        )));
    }
    Ok(())
}
