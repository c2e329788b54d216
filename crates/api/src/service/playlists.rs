//! Playlists: who may see and change them, track URI resolution, and item edits that publish
//! `PlaylistItemsChanged` once committed.

use std::collections::HashMap;

use medley_domain::id::is_id;
use medley_domain::playlist::{Access, Playlist};
use medley_domain::uri::{Kind, Namespace, Uri};
use medley_domain::user::User;
use medley_domain::Id;
use medley_events::{Event, ItemsChange};
use medley_store::{EditOutcome, ItemsEdit};

use crate::error::{ApiError, ApiResult};
use crate::state::{now_ms, AppState};

/// Loads a playlist and the caller's access to it; invisible playlists are "not found".
pub async fn visible(
    state: &AppState,
    id: &str,
    user: Option<&User>,
) -> ApiResult<(Playlist, Access)> {
    let not_found = || ApiError::not_found(&format!("playlist `{id}`"));
    if !is_id(id) {
        return Err(not_found());
    }
    let playlist = match state.caches.playlist(id) {
        Some(p) => p,
        None => {
            let seen = state.caches.playlist_generation();
            let p = state.store.playlist(id).await?.ok_or_else(not_found)?;
            state.caches.remember_playlist(seen, p.clone());
            p
        }
    };
    let user_id = user.map(|u| u.id.as_str());
    let is_collaborator = match user_id {
        Some(uid) if uid != playlist.owner_id => state.store.is_collaborator(id, uid).await?,
        _ => false,
    };
    match playlist.access(user_id, is_collaborator) {
        Access::None => Err(not_found()),
        access => Ok((playlist, access)),
    }
}

/// Like [`visible`], but the caller must be allowed to change the playlist.
pub async fn editable(state: &AppState, id: &str, user: &User) -> ApiResult<Playlist> {
    let (playlist, access) = visible(state, id, Some(user)).await?;
    if access != Access::Edit {
        return Err(ApiError::Forbidden(format!(
            "only the owner of playlist `{id}` (or a collaborator, when it is collaborative) may change it"
        )));
    }
    Ok(playlist)
}

/// Only the owner may change details, collaborators, or delete.
pub async fn owned(state: &AppState, id: &str, user: &User) -> ApiResult<Playlist> {
    let (playlist, _) = visible(state, id, Some(user)).await?;
    if playlist.owner_id != user.id {
        return Err(ApiError::Forbidden(format!(
            "only the owner of playlist `{id}` may do this"
        )));
    }
    Ok(playlist)
}

/// Resolves track URIs to catalog ids, in order. `spotify:track:<id>` means Medley's own
/// track when `<id>` is a Medley id (Spotify clients build such URIs from bare ids), and
/// otherwise the catalog track carrying that Spotify id. Unknown tracks are a 400 naming them.
pub async fn resolve_tracks(state: &AppState, uris: &[String]) -> ApiResult<Vec<Id>> {
    let parsed = uris
        .iter()
        .map(|s| Ok(Uri::parse_kind(s, Kind::Track)?))
        .collect::<ApiResult<Vec<Uri>>>()?;
    let candidates: Vec<Id> = parsed
        .iter()
        .filter(|u| is_id(&u.id))
        .map(|u| u.id.clone())
        .collect();
    let known: std::collections::HashSet<Id> = state
        .store
        .existing_tracks(&candidates)
        .await?
        .into_iter()
        .collect();
    let spotify_ids: Vec<String> = parsed
        .iter()
        .filter(|u| u.namespace == Namespace::Spotify && !known.contains(&u.id))
        .map(|u| u.id.clone())
        .collect();
    let by_spotify: HashMap<String, Id> = state.store.tracks_by_spotify_ids(&spotify_ids).await?;
    let mut ids = Vec::with_capacity(parsed.len());
    let mut unknown = Vec::new();
    for (uri, raw) in parsed.iter().zip(uris) {
        let found = if known.contains(&uri.id) {
            Some(uri.id.clone())
        } else if uri.namespace == Namespace::Spotify {
            by_spotify.get(&uri.id).cloned()
        } else {
            None
        };
        match found {
            Some(id) => ids.push(id),
            None => unknown.push(raw.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "no catalog track for {}: add it through POST /v1/library/tracks first",
            unknown
                .iter()
                .take(10)
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(ids)
}

/// Applies an items edit the caller may make, and publishes what changed.
pub async fn edit(
    state: &AppState,
    user: &User,
    id: &str,
    snapshot: Option<&str>,
    edit: ItemsEdit,
) -> ApiResult<EditOutcome> {
    let playlist = editable(state, id, user).await?;
    if playlist.composite {
        let target = state
            .store
            .composite(id)
            .await?
            .and_then(|c| c.composite.options.target);
        if let Some(target) = target {
            return Err(ApiError::Conflict(format!(
                "playlist `{id}` mirrors the Spotify playlist `{target}`: edit that one in Spotify, \
                 and Medley learns your changes at its next sync"
            )));
        }
    }
    let outcome = state
        .store
        .edit_items(
            id,
            &user.id,
            snapshot,
            edit,
            state.config.max_playlist_items,
            now_ms(),
        )
        .await;
    state.caches.forget_playlist(id);
    let outcome = outcome?;
    announce(state, &outcome, &user.id, false);
    Ok(outcome)
}

/// Tells the bus about a committed items edit (`automatic` when Medley made it, not a person).
pub fn announce(state: &AppState, outcome: &EditOutcome, actor_id: &str, automatic: bool) {
    state.bus.publish(Event::PlaylistItemsChanged(ItemsChange {
        playlist_id: outcome.playlist.id.clone(),
        owner_id: outcome.playlist.owner_id.clone(),
        actor_id: actor_id.to_owned(),
        snapshot_id: outcome.playlist.snapshot_id.clone(),
        added: outcome.added.clone(),
        removed: outcome.removed.clone(),
        reordered: outcome.reordered,
        item_count: outcome.playlist.item_count,
        automatic,
    }));
}
