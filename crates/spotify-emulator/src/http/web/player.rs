//! `GET /me/player/recently-played`: cursor paging over the 50 most recent plays.

use axum::extract::{Query, State};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::input::{limit, require_scope, Params, READ_RECENT};
use crate::clock::iso_millis;
use crate::http::error::{WebError, WebResult};
use crate::http::AppState;
use crate::render::catalog::track_anywhere;
use crate::render::{external_urls, Links};
use crate::world::users::Play;
use crate::world::Caller;

fn cursor(q: &Params, key: &str) -> WebResult<Option<i64>> {
    q.get(key)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| WebError::bad(format!("Invalid {key}")))
        })
        .transpose()
}

fn context(links: Links, uri: &str) -> Value {
    let mut parts = uri.splitn(3, ':');
    let (kind, id) = (parts.nth(1).unwrap_or(""), parts.next().unwrap_or(""));
    json!({
        "type": kind,
        "href": links.href(kind, id),
        "external_urls": external_urls(kind, id),
        "uri": uri,
    })
}

pub async fn recently_played(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<Params>,
) -> WebResult<Json<Value>> {
    require_scope(&caller, READ_RECENT)?;
    let limit = limit(&q, 20, 50)?;
    let (before, after) = (cursor(&q, "before")?, cursor(&q, "after")?);
    if before.is_some() && after.is_some() {
        return Err(WebError::bad("Only one of before and after may be given"));
    }
    let api = state.api();
    let links = Links { api: &api };
    let world = state.lock();
    let plays: Vec<&Play> = world.user(&caller.user)?.plays.iter().collect();
    let chosen: Vec<&Play> = match (before, after) {
        (_, Some(after)) => {
            let newer: Vec<&Play> = plays
                .iter()
                .copied()
                .filter(|p| p.played_at > after)
                .collect();
            newer[newer.len().saturating_sub(limit)..].to_vec()
        }
        (Some(before), _) => plays
            .iter()
            .copied()
            .filter(|p| p.played_at < before)
            .take(limit)
            .collect(),
        (None, None) => plays.iter().copied().take(limit).collect(),
    };
    let mut href = format!("{api}/me/player/recently-played?limit={limit}");
    if let Some(b) = before {
        href.push_str(&format!("&before={b}"));
    }
    if let Some(a) = after {
        href.push_str(&format!("&after={a}"));
    }
    let oldest = chosen.last().map(|p| p.played_at);
    let newest = chosen.first().map(|p| p.played_at);
    let next = oldest
        .filter(|o| plays.iter().any(|p| p.played_at < *o))
        .map(|o| format!("{api}/me/player/recently-played?before={o}&limit={limit}"));
    let cursors = match (newest, oldest) {
        (Some(n), Some(o)) => json!({ "after": n.to_string(), "before": o.to_string() }),
        _ => Value::Null,
    };
    let items: Vec<Value> = chosen
        .iter()
        .map(|p| {
            json!({
                "track": track_anywhere(links, &world, &p.track_id),
                "played_at": iso_millis(p.played_at),
                "context": p.context_uri.as_deref().map(|u| context(links, u)),
            })
        })
        .collect();
    Ok(Json(json!({
        "href": href,
        "limit": limit,
        "next": next,
        "cursors": cursors,
        "items": items,
    })))
}
