//! `GET /me`, `GET /me/playlists`, `POST /me/playlists`.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::Value;

use super::input::{json_body, limit, offset, page_range, require_scope, Params, MODIFY_PLAYLISTS};
use crate::http::error::{WebError, WebResult};
use crate::http::gate::{ShortPage, StaleSnapshot};
use crate::http::AppState;
use crate::render::paging::page;
use crate::render::playlist::{full, show_stale_snapshot, simplified};
use crate::render::user::private_user;
use crate::render::Links;
use crate::world::playlists::Details;
use crate::world::{Caller, Playlist};

pub async fn get_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> WebResult<Json<Value>> {
    let api = state.api();
    let world = state.lock();
    Ok(Json(private_user(
        Links { api: &api },
        world.user(&caller.user)?,
    )))
}

/// Private playlists need `playlist-read-private`, collaborative ones
/// `playlist-read-collaborative`, as on Spotify.
fn visible(caller: &Caller, p: &Playlist) -> bool {
    if p.collaborative {
        caller.has_any(&["playlist-read-collaborative"])
            || (p.owner == caller.user && caller.has_any(&["playlist-read-private"]))
    } else if !p.public {
        caller.has_any(&["playlist-read-private"])
    } else {
        true
    }
}

pub async fn my_playlists(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ShortPage(short)): Extension<ShortPage>,
    Extension(StaleSnapshot(stale)): Extension<StaleSnapshot>,
    Query(q): Query<Params>,
) -> WebResult<Json<Value>> {
    let (limit, offset) = (limit(&q, 20, 50)?, offset(&q)?);
    let api = state.api();
    let links = Links { api: &api };
    let world = state.lock();
    let user = world.user(&caller.user)?;
    let lists: Vec<&Playlist> = user
        .library
        .iter()
        .filter_map(|id| world.playlists.get(id))
        .filter(|p| visible(&caller, p))
        .collect();
    let items = lists[page_range(lists.len(), offset, limit, short)]
        .iter()
        .map(|p| {
            let mut v = simplified(links, &world, p);
            if stale {
                show_stale_snapshot(&mut v, p);
            }
            v
        })
        .collect();
    Ok(Json(page(
        &format!("{api}/me/playlists"),
        &[],
        offset,
        limit,
        lists.len(),
        items,
    )))
}

pub async fn create_playlist(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> WebResult<(StatusCode, Json<Value>)> {
    require_scope(&caller, MODIFY_PLAYLISTS)?;
    let body = json_body(&body)?.ok_or_else(|| WebError::bad("Missing required field: name"))?;
    let details: Details =
        serde_json::from_value(body).map_err(|_| WebError::bad("Error parsing JSON."))?;
    let api = state.api();
    let links = Links { api: &api };
    let mut world = state.lock();
    let id = world.create_playlist(&caller.user, None, details)?;
    let p = world.playlist(&id)?;
    let items = page(
        &format!("{}/items", links.href("playlist", &id)),
        &[],
        0,
        50,
        0,
        Vec::new(),
    );
    Ok((
        StatusCode::CREATED,
        Json(full(links, &world, p, Some(items))),
    ))
}
