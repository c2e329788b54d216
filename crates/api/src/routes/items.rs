//! A playlist's items: `GET|POST|PUT|DELETE /v1/playlists/{id}/items`, with `/tracks` kept as
//! an alias for older clients.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use medley_domain::paging::Page;
use medley_domain::playlist::{Playlist, MAX_URIS_PER_WRITE};
use medley_domain::{PlaylistId, TrackId};
use medley_store::ItemsEdit;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, JsonOrEmpty, Path, Query};
use crate::objects::{timestamp, Origin, Paging, PlaylistTrack, SnapshotId};
use crate::state::AppState;
use medley_app::compositions;
use medley_app::playlists::{self, edit, resolve_tracks, visible};

pub fn routes() -> Router<AppState> {
    let items = || get(list).post(add).put(reorder_or_replace).delete(remove);
    Router::new()
        .route("/v1/playlists/{id}/items", items())
        .route("/v1/playlists/{id}/tracks", items())
}

/// A page of a playlist's items with their tracks.
pub async fn items_page(
    state: &AppState,
    p: &Playlist,
    page: Page,
) -> ApiResult<Paging<PlaylistTrack>> {
    let items = playlists::items(&state.app, &p.id, page).await?;
    let ids: Vec<TrackId> = items.iter().map(|i| i.track_id.clone()).collect();
    let tracks = state.track_objects(&ids).await?;
    let origins = if p.composite {
        compositions::origins(&state.app, &p.id, &ids).await?
    } else {
        HashMap::new()
    };
    let mut adders: HashMap<&str, _> = HashMap::new();
    let rendered = items
        .iter()
        .zip(tracks)
        .filter_map(|(item, track)| {
            let track = track?;
            let added_by = adders
                .entry(item.added_by.as_str())
                .or_insert_with(|| state.render.playlist_user(&item.added_by, None))
                .clone();
            Some(PlaylistTrack {
                added_at: timestamp(item.added_at_ms),
                added_by,
                is_local: false,
                item: track.clone(),
                track,
                origin: origins.get(&item.track_id).map(|o| Origin {
                    sources: o.sources.clone(),
                    direct: o.direct,
                }),
            })
        })
        .collect();
    Ok(state.render.paging(
        &format!("playlists/{}/items", p.id),
        page,
        p.item_count,
        rendered,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct ItemsParams {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
    /// Accepted for compatibility.
    pub market: Option<String>,
    /// Accepted for compatibility; the whole object is returned.
    pub fields: Option<String>,
    /// Accepted for compatibility; Medley playlists hold tracks.
    pub additional_types: Option<String>,
}

/// A page of the playlist's items, in order (`limit` up to 100).
#[utoipa::path(get, path = "/v1/playlists/{id}/items", tag = "playlists", params(ItemsParams, ("id" = String, Path)), responses((status = 200, body = Paging<PlaylistTrack>), (status = 404)), security((), ("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<PlaylistId>,
    Query(q): Query<ItemsParams>,
) -> ApiResult<Response> {
    let page = Page::new(q.limit, q.offset, 20, 100)?;
    let (p, _) = visible(&state.app, &id, auth.as_ref().map(|a| &a.user)).await?;
    // A snapshot's items never change, so a page rendered for it can be served again as is.
    // Not for composites: an item's origin can change while the items stay the same.
    let key = (p.id.clone(), p.snapshot_id.clone(), page.offset, page.limit);
    let cached = if p.composite {
        None
    } else {
        state.pages.get(&key)
    };
    let body = match cached {
        Some(body) => body,
        None => {
            let rendered = serde_json::to_vec(&items_page(&state, &p, page).await?)
                .map_err(|e| anyhow::anyhow!("rendering a page of items: {e}"))?;
            let body = Bytes::from(rendered);
            if !p.composite {
                state.pages.insert(key, body.clone());
            }
            body
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
pub struct UrisParams {
    /// Comma-separated URIs (prefer the body: long query strings fail).
    pub uris: Option<String>,
    pub position: Option<i64>,
}

/// `{"uris": [...], "position": n}`, or (as spotipy sends it) a bare array of URIs.
#[derive(ToSchema, Default)]
pub struct AddBody {
    pub uris: Option<Vec<String>>,
    pub position: Option<i64>,
}

impl<'de> Deserialize<'de> for AddBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<AddBody, D::Error> {
        #[derive(Deserialize)]
        struct Object {
            uris: Option<Vec<String>>,
            position: Option<i64>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Uris(Vec<String>),
            Object(Object),
        }
        match Shape::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "expected {\"uris\": [\"medley:track:…\"], \"position\": n} or an array of URIs",
            )
        })? {
            Shape::Uris(uris) => Ok(AddBody {
                uris: Some(uris),
                position: None,
            }),
            Shape::Object(o) => Ok(AddBody {
                uris: o.uris,
                position: o.position,
            }),
        }
    }
}

/// The URIs of a write: the body's `uris`, else the query's. A query `uris` that names no URI
/// (`?uris=`) is refused rather than read as an empty list, so that a request missing its
/// body never empties a playlist; an empty list is said with the body `{"uris": []}`.
fn uri_list(body: Option<Vec<String>>, query: Option<&str>) -> ApiResult<Option<Vec<String>>> {
    let uris = match (body, query) {
        (Some(b), _) => Some(b),
        (None, Some(q)) => {
            let list: Vec<String> = q
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if list.is_empty() {
                return Err(ApiError::BadRequest(
                    "the query parameter `uris` names no URI: give comma-separated URIs, or send \
                     the body {\"uris\": []} to empty the playlist; nothing was changed"
                        .into(),
                ));
            }
            Some(list)
        }
        (None, None) => None,
    };
    if let Some(list) = &uris {
        if list.len() > MAX_URIS_PER_WRITE {
            return Err(ApiError::BadRequest(format!(
                "at most {MAX_URIS_PER_WRITE} URIs per request (got {}): send them in several requests",
                list.len()
            )));
        }
    }
    Ok(uris)
}

/// Add up to 100 tracks, at the end or at `position`.
#[utoipa::path(post, path = "/v1/playlists/{id}/items", tag = "playlists", params(UrisParams, ("id" = String, Path)), request_body(content = Option<AddBody>, description = "The URIs, unless the query gives them"),
    responses((status = 201, body = SnapshotId), (status = 400), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
    Query(q): Query<UrisParams>,
    JsonOrEmpty(body): JsonOrEmpty<AddBody>,
) -> ApiResult<(StatusCode, axum::Json<SnapshotId>)> {
    let uris = uri_list(body.uris, q.uris.as_deref())?
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            ApiError::BadRequest("give the tracks to add in `uris` (1 to 100 URIs)".into())
        })?;
    let track_ids = resolve_tracks(&state.app, &uris).await?;
    let position = body.position.or(q.position);
    let outcome = edit(
        &state.app,
        &auth.user,
        &id,
        None,
        ItemsEdit::Add {
            track_ids,
            position,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(SnapshotId {
            snapshot_id: outcome.playlist.snapshot_id,
        }),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    pub uris: Option<Vec<String>>,
    #[schema(minimum = 0)]
    pub range_start: Option<i64>,
    #[schema(minimum = 0)]
    pub insert_before: Option<i64>,
    #[schema(minimum = 1)]
    pub range_length: Option<i64>,
    pub snapshot_id: Option<String>,
}

/// Reorder (`range_start`, `insert_before`, `range_length`, optional `snapshot_id`) or replace
/// (`uris`) the items; the two cannot be combined.
#[utoipa::path(put, path = "/v1/playlists/{id}/items", tag = "playlists", params(UrisParams, ("id" = String, Path)), request_body(content = Option<UpdateBody>, description = "Unless the query gives `uris` to replace the items with"),
    responses((status = 200, body = SnapshotId), (status = 400), (status = 403), (status = 404), (status = 409, description = "stale snapshot")), security(("bearer" = [])))]
pub async fn reorder_or_replace(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
    Query(q): Query<UrisParams>,
    JsonOrEmpty(body): JsonOrEmpty<UpdateBody>,
) -> ApiResult<axum::Json<SnapshotId>> {
    let uris = uri_list(body.uris, q.uris.as_deref())?;
    let reorder =
        body.range_start.is_some() || body.insert_before.is_some() || body.range_length.is_some();
    let (snapshot, change) = match (uris, reorder) {
        (Some(_), true) => {
            return Err(ApiError::BadRequest("replace (`uris`) and reorder (`range_start`…) cannot be combined in one request".into()))
        }
        (Some(uris), false) => (None, ItemsEdit::Replace { track_ids: resolve_tracks(&state.app, &uris).await? }),
        (None, true) => {
            let (Some(range_start), Some(insert_before)) = (body.range_start, body.insert_before) else {
                return Err(ApiError::BadRequest("a reorder needs both `range_start` and `insert_before`".into()));
            };
            let range_length = body.range_length.unwrap_or(1);
            (body.snapshot_id, ItemsEdit::Reorder { range_start, range_length, insert_before })
        }
        (None, false) => {
            return Err(ApiError::BadRequest("give `uris` to replace the items, or `range_start` and `insert_before` to reorder them".into()))
        }
    };
    let outcome = edit(&state.app, &auth.user, &id, snapshot.as_deref(), change).await?;
    Ok(axum::Json(SnapshotId {
        snapshot_id: outcome.playlist.snapshot_id,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveEntry {
    pub uri: String,
    /// Medley extension (and Spotify's older API): remove only these occurrences; needs `snapshot_id`.
    pub positions: Option<Vec<i64>>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RemoveBody {
    pub items: Option<Vec<RemoveEntry>>,
    /// The older name of `items`.
    pub tracks: Option<Vec<RemoveEntry>>,
    pub snapshot_id: Option<String>,
}

/// Remove tracks: every occurrence of each URI, or (with `positions` and `snapshot_id`) exactly
/// the items at those positions, refused with 409 if the playlist changed since that snapshot.
#[utoipa::path(delete, path = "/v1/playlists/{id}/items", params(("id" = String, Path)), tag = "playlists", request_body = RemoveBody,
    responses((status = 200, body = SnapshotId), (status = 400), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
    JsonOrEmpty(body): JsonOrEmpty<RemoveBody>,
) -> ApiResult<axum::Json<SnapshotId>> {
    let entries = body.items.or(body.tracks).unwrap_or_default();
    if entries.is_empty() || entries.len() > MAX_URIS_PER_WRITE {
        return Err(ApiError::BadRequest(format!("`items` must list 1 to {MAX_URIS_PER_WRITE} objects like {{\"uri\": \"medley:track:…\"}}")));
    }
    let uris: Vec<String> = entries.iter().map(|e| e.uri.clone()).collect();
    let track_ids = resolve_tracks(&state.app, &uris).await?;
    let with_positions = entries.iter().filter(|e| e.positions.is_some()).count();
    let (snapshot, change) = if with_positions == 0 {
        (None, ItemsEdit::RemoveTracks { track_ids })
    } else if with_positions < entries.len() {
        return Err(ApiError::BadRequest(
            "either every entry of `items` carries `positions` or none does".into(),
        ));
    } else {
        let snapshot = body.snapshot_id.ok_or_else(|| {
            ApiError::BadRequest(
                "removing by `positions` needs the `snapshot_id` those positions refer to".into(),
            )
        })?;
        let items = entries
            .iter()
            .zip(track_ids)
            .flat_map(|(e, t)| e.positions.iter().flatten().map(move |p| (*p, t.clone())))
            .collect();
        (Some(snapshot), ItemsEdit::RemoveAt { items })
    };
    let outcome = edit(&state.app, &auth.user, &id, snapshot.as_deref(), change).await?;
    Ok(axum::Json(SnapshotId {
        snapshot_id: outcome.playlist.snapshot_id,
    }))
}
