//! `/playlists/{id}/items` (and the older `/tracks` alias): read, add, replace or reorder,
//! remove.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::input::{
    check_id, index, json_body, limit, list, offset, page_range, require_scope, Params,
    MODIFY_PLAYLISTS,
};
use crate::http::error::{WebError, WebResult};
use crate::http::gate::ShortPage;
use crate::http::AppState;
use crate::render::paging::page;
use crate::render::playlist::item;
use crate::render::Links;
use crate::world::playlists::Via;
use crate::world::{Caller, Playlist, World};

/// At most this many URIs per add, replace or remove.
pub const MAX_URIS: usize = 100;

/// One page of a playlist's items, carrying `additional_types` and `market` into the links.
pub fn items_page(
    links: Links,
    world: &World,
    p: &Playlist,
    q: &Params,
    offset: usize,
    limit: usize,
    short: bool,
) -> Value {
    let types = q.get("additional_types").cloned();
    let episodes = types
        .as_deref()
        .is_some_and(|t| t.split(',').any(|t| t.trim() == "episode"));
    let extra: Vec<(&str, String)> = [
        ("additional_types", types),
        ("market", q.get("market").cloned()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let items = p.entries[page_range(p.entries.len(), offset, limit, short)]
        .iter()
        .map(|e| item(links, world, e, episodes))
        .collect();
    let path = format!("{}/items", links.href("playlist", &p.id));
    page(&path, &extra, offset, limit, p.entries.len(), items)
}

pub async fn get_items(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ShortPage(short)): Extension<ShortPage>,
    Path(id): Path<String>,
    Query(q): Query<Params>,
) -> WebResult<Json<Value>> {
    check_id(&id)?;
    let (limit, offset) = (limit(&q, 20, 50)?, offset(&q)?);
    let api = state.api();
    let world = state.lock();
    let p = world.playlist(&id)?;
    if !p.can_edit(&caller.user) {
        return Err(WebError::new(
            403,
            "Forbidden: playlist items are readable only by the owner and collaborators",
        ));
    }
    Ok(Json(items_page(
        Links { api: &api },
        &world,
        p,
        &q,
        offset,
        limit,
        short,
    )))
}

fn snapshot(snapshot_id: String) -> Json<Value> {
    Json(json!({ "snapshot_id": snapshot_id }))
}

fn check_count(uris: &[String], verb: &str) -> WebResult<()> {
    if uris.len() > MAX_URIS {
        return Err(WebError::bad(format!(
            "You can {verb} a maximum of {MAX_URIS} items per request"
        )));
    }
    Ok(())
}

pub async fn add_items(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<Params>,
    body: Bytes,
) -> WebResult<(StatusCode, Json<Value>)> {
    check_id(&id)?;
    require_scope(&caller, MODIFY_PLAYLISTS)?;
    let body = json_body(&body)?;
    let uris = list(&q, body.as_ref(), "uris")?.unwrap_or_default();
    if uris.is_empty() {
        return Err(WebError::bad("No uris provided"));
    }
    check_count(&uris, "add")?;
    let position = index(&q, body.as_ref(), "position")?;
    let now = state.now();
    let s = state
        .lock()
        .add_items(now, &id, &caller.user, &uris, position, Via::WebApi)?;
    Ok((StatusCode::CREATED, snapshot(s)))
}

pub async fn update_items(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<Params>,
    body: Bytes,
) -> WebResult<Json<Value>> {
    check_id(&id)?;
    require_scope(&caller, MODIFY_PLAYLISTS)?;
    let body = json_body(&body)?;
    let uris = list(&q, body.as_ref(), "uris")?;
    let range_start = index(&q, body.as_ref(), "range_start")?;
    let insert_before = index(&q, body.as_ref(), "insert_before")?;
    let range_length = index(&q, body.as_ref(), "range_length")?;
    let now = state.now();
    let mut world = state.lock();
    let s = match (uris, range_start, insert_before) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(WebError::bad(
                "Replace and reorder cannot be combined in one request",
            ))
        }
        (Some(uris), None, None) => {
            check_count(&uris, "set")?;
            world.replace_items(now, &id, &caller.user, &uris, Via::WebApi)?
        }
        (None, Some(start), Some(before)) => {
            world.reorder_items(&id, &caller.user, start, before, range_length.unwrap_or(1))?
        }
        (None, _, _) => {
            return Err(WebError::bad(
                "Missing uris, or range_start and insert_before",
            ))
        }
    };
    Ok(snapshot(s))
}

pub async fn remove_items(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> WebResult<Json<Value>> {
    check_id(&id)?;
    require_scope(&caller, MODIFY_PLAYLISTS)?;
    let body = json_body(&body)?.unwrap_or(Value::Null);
    let Some(Value::Array(objects)) = body.get("items").or_else(|| body.get("tracks")) else {
        return Err(WebError::bad("Missing items"));
    };
    let uris = objects
        .iter()
        .map(|o| {
            o.get("uri")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| WebError::bad("Invalid item: each needs a uri"))
        })
        .collect::<WebResult<Vec<_>>>()?;
    check_count(&uris, "remove")?;
    let s = state.lock().remove_items(&id, &caller.user, &uris)?;
    Ok(snapshot(s))
}
