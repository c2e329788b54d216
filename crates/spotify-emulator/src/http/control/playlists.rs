//! Control: playlists as the user edits them in the Spotify app.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use crate::control::types::*;
use crate::http::error::{WebError, WebResult};
use crate::http::AppState;
use crate::ids::is_base62_id;
use crate::world::playlists::Via;
use crate::world::{Playlist, World};

pub fn playlist_state(p: &Playlist) -> PlaylistState {
    PlaylistState {
        id: p.id.clone(),
        owner: p.owner.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        public: p.public,
        collaborative: p.collaborative,
        collaborators: p.collaborators.iter().cloned().collect(),
        followers: p.followers.iter().cloned().collect(),
        snapshot_id: p.snapshot_id.clone(),
        items: p
            .entries
            .iter()
            .map(|e| EntryState {
                uri: e.uri.clone(),
                added_at_ms: e.added_at,
                added_by: e.added_by.clone(),
            })
            .collect(),
    }
}

fn actor(world: &World, playlist: &str, user: Option<String>) -> WebResult<String> {
    match user {
        Some(u) => Ok(u),
        None => Ok(world.playlist(playlist)?.owner.clone()),
    }
}

fn snapshot(snapshot_id: String) -> Json<Snapshot> {
    Json(Snapshot { snapshot_id })
}

pub async fn create(
    State(s): State<AppState>,
    Path(owner): Path<String>,
    Json(b): Json<NewPlaylist>,
) -> WebResult<(StatusCode, Json<PlaylistState>)> {
    if let Some(id) = b.id.as_deref().filter(|id| !is_base62_id(id)) {
        return Err(WebError::bad(format!(
            "playlist id {id:?} is not a 22-character base62 id"
        )));
    }
    let details = Details {
        name: Some(b.name),
        description: b.description,
        public: b.public,
        collaborative: b.collaborative,
    };
    let mut world = s.lock();
    let id = world.create_playlist(&owner, b.id, details)?;
    Ok((
        StatusCode::CREATED,
        Json(playlist_state(world.playlist(&id)?)),
    ))
}

pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> WebResult<Json<PlaylistState>> {
    Ok(Json(playlist_state(s.lock().playlist(&id)?)))
}

pub async fn details(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<DetailsEdit>,
) -> WebResult<Json<Snapshot>> {
    let mut world = s.lock();
    let user = actor(&world, &id, b.user_id)?;
    Ok(snapshot(world.change_details(&id, &user, b.details)?))
}

pub async fn add(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<ItemsEdit>,
) -> WebResult<Json<Snapshot>> {
    let now = s.now();
    let mut world = s.lock();
    let user = actor(&world, &id, b.user_id)?;
    Ok(snapshot(world.add_items(
        now,
        &id,
        &user,
        &b.uris,
        b.position,
        Via::App,
    )?))
}

pub async fn replace(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<ItemsEdit>,
) -> WebResult<Json<Snapshot>> {
    let now = s.now();
    let mut world = s.lock();
    let user = actor(&world, &id, b.user_id)?;
    Ok(snapshot(world.replace_items(
        now,
        &id,
        &user,
        &b.uris,
        Via::App,
    )?))
}

pub async fn remove(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<ItemsEdit>,
) -> WebResult<Json<Snapshot>> {
    let mut world = s.lock();
    let user = actor(&world, &id, b.user_id)?;
    Ok(snapshot(world.remove_items(&id, &user, &b.uris)?))
}

pub async fn reorder(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<Reorder>,
) -> WebResult<Json<Snapshot>> {
    let mut world = s.lock();
    let user = actor(&world, &id, b.user_id)?;
    let s = world.reorder_items(
        &id,
        &user,
        b.range_start,
        b.insert_before,
        b.range_length.unwrap_or(1),
    )?;
    Ok(snapshot(s))
}

pub async fn collaborator(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<UserRef>,
) -> WebResult<Json<Snapshot>> {
    Ok(snapshot(s.lock().add_collaborator(&id, &b.user_id)?))
}

pub async fn follower(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<UserRef>,
) -> WebResult<StatusCode> {
    s.lock().follow(&id, &b.user_id)?;
    Ok(StatusCode::NO_CONTENT)
}
