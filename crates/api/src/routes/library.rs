//! Liked songs: `GET|PUT|DELETE /v1/me/tracks` and `/v1/me/tracks/contains`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use medley_domain::paging::Page;
use medley_domain::TrackId;
use serde::Deserialize;
use utoipa::IntoParams;

use super::catalog::PageParams;
use super::split_ids_of;
use crate::error::ApiResult;
use crate::extract::{Auth, Query};
use crate::objects::{timestamp, Paging, SavedTrack};
use crate::state::AppState;
use medley_app::saved;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/me/tracks", get(saved).put(save).delete(unsave))
        .route("/v1/me/tracks/contains", get(contains))
}

#[derive(Deserialize, IntoParams)]
pub struct TrackIds {
    /// Comma-separated track ids (at most 50).
    pub ids: String,
}

/// The current user's liked songs, most recent first.
#[utoipa::path(get, path = "/v1/me/tracks", tag = "library", params(PageParams), responses((status = 200, body = Paging<SavedTrack>)), security(("bearer" = [])))]
pub async fn saved(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Paging<SavedTrack>>> {
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let (rows, total) = saved::tracks(&state.app, &auth.user, page).await?;
    let ids: Vec<TrackId> = rows.iter().map(|(id, _)| id.clone()).collect();
    let tracks = state.track_objects(&ids).await?;
    let items = rows
        .iter()
        .zip(tracks)
        .filter_map(|((_, at), t)| {
            t.map(|track| SavedTrack {
                added_at: timestamp(*at),
                track,
            })
        })
        .collect();
    Ok(axum::Json(state.render.paging(
        "me/tracks",
        page,
        total,
        items,
    )))
}

/// Like tracks.
#[utoipa::path(put, path = "/v1/me/tracks", tag = "library", params(TrackIds), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<TrackIds>,
) -> ApiResult<StatusCode> {
    let ids: Vec<TrackId> = split_ids_of(&p.ids, 50)?;
    saved::save_tracks(&state.app, &auth.user, ids).await?;
    Ok(StatusCode::OK)
}

/// Unlike tracks.
#[utoipa::path(delete, path = "/v1/me/tracks", tag = "library", params(TrackIds), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn unsave(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<TrackIds>,
) -> ApiResult<StatusCode> {
    let ids: Vec<TrackId> = split_ids_of(&p.ids, 50)?;
    saved::unsave_tracks(&state.app, &auth.user, &ids).await?;
    Ok(StatusCode::OK)
}

/// Whether each track is liked.
#[utoipa::path(get, path = "/v1/me/tracks/contains", tag = "library", params(TrackIds), responses((status = 200, body = Vec<bool>)), security(("bearer" = [])))]
pub async fn contains(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<TrackIds>,
) -> ApiResult<axum::Json<Vec<bool>>> {
    let ids: Vec<TrackId> = split_ids_of(&p.ids, 50)?;
    Ok(axum::Json(
        saved::tracks_contain(&state.app, &auth.user, &ids).await?,
    ))
}
