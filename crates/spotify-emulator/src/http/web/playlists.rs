//! `GET /playlists/{id}` (metadata for anyone, items for owner and collaborators) and
//! `PUT /playlists/{id}` (details).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde_json::Value;

use super::input::{check_id, json_body, require_scope, Params, MODIFY_PLAYLISTS};
use super::items::items_page;
use crate::http::error::{WebError, WebResult};
use crate::http::gate::StaleSnapshot;
use crate::http::AppState;
use crate::render::playlist::{full, show_stale_snapshot};
use crate::render::Links;
use crate::world::playlists::Details;
use crate::world::Caller;

/// Size of the first page of items embedded in a playlist object.
pub const EMBEDDED_PAGE: usize = 50;

pub async fn get_playlist(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(StaleSnapshot(stale)): Extension<StaleSnapshot>,
    Path(id): Path<String>,
    Query(q): Query<Params>,
) -> WebResult<Json<Value>> {
    check_id(&id)?;
    let api = state.api();
    let links = Links { api: &api };
    let world = state.lock();
    let p = world.playlist(&id)?;
    let page = p
        .can_edit(&caller.user)
        .then(|| items_page(links, &world, p, &q, 0, EMBEDDED_PAGE, false));
    let mut v = full(links, &world, p, page);
    if stale {
        show_stale_snapshot(&mut v, p);
    }
    Ok(Json(v))
}

pub async fn change_details(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> WebResult<()> {
    check_id(&id)?;
    require_scope(&caller, MODIFY_PLAYLISTS)?;
    let body = json_body(&body)?.unwrap_or(Value::Object(Default::default()));
    let details: Details =
        serde_json::from_value(body).map_err(|_| WebError::bad("Error parsing JSON."))?;
    state.lock().change_details(&id, &caller.user, details)?;
    Ok(())
}
