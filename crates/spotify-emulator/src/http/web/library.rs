//! Liked Songs: `GET`, `PUT` and `DELETE /me/tracks`.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::input::{
    check_id, json_body, limit, list, offset, page_range, require_scope, Params, MODIFY_LIBRARY,
    READ_LIBRARY,
};
use crate::clock::iso_secs;
use crate::http::error::{WebError, WebResult};
use crate::http::gate::ShortPage;
use crate::http::AppState;
use crate::render::catalog::track_anywhere;
use crate::render::paging::page;
use crate::render::Links;
use crate::world::Caller;

/// At most this many ids per save or remove.
pub const MAX_IDS: usize = 50;

pub async fn liked(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ShortPage(short)): Extension<ShortPage>,
    Query(q): Query<Params>,
) -> WebResult<Json<Value>> {
    require_scope(&caller, READ_LIBRARY)?;
    let (limit, offset) = (limit(&q, 20, 50)?, offset(&q)?);
    let api = state.api();
    let links = Links { api: &api };
    let world = state.lock();
    let saved = &world.user(&caller.user)?.liked;
    let items = saved[page_range(saved.len(), offset, limit, short)]
        .iter()
        .map(|s| {
            json!({
                "added_at": iso_secs(s.added_at),
                "track": track_anywhere(links, &world, &s.track_id),
            })
        })
        .collect();
    Ok(Json(page(
        &format!("{api}/me/tracks"),
        &[],
        offset,
        limit,
        saved.len(),
        items,
    )))
}

fn ids(q: &Params, body: &Bytes) -> WebResult<Vec<String>> {
    let body = json_body(body)?;
    let ids = list(q, body.as_ref(), "ids")?.unwrap_or_default();
    if ids.is_empty() {
        return Err(WebError::bad("Missing required parameter: ids"));
    }
    if ids.len() > MAX_IDS {
        return Err(WebError::bad("Too many ids requested"));
    }
    ids.iter().try_for_each(|id| check_id(id))?;
    Ok(ids)
}

pub async fn save(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<Params>,
    body: Bytes,
) -> WebResult<()> {
    require_scope(&caller, MODIFY_LIBRARY)?;
    let ids = ids(&q, &body)?;
    let now = state.now();
    state.lock().like(now, &caller.user, &ids)?;
    Ok(())
}

pub async fn unsave(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<Params>,
    body: Bytes,
) -> WebResult<()> {
    require_scope(&caller, MODIFY_LIBRARY)?;
    let ids = ids(&q, &body)?;
    state.lock().unlike(&caller.user, &ids)?;
    Ok(())
}
