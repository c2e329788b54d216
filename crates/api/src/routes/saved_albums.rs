//! Saved albums: `GET|PUT|DELETE /v1/me/albums` and `/v1/me/albums/contains`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use medley_domain::paging::Page;
use medley_domain::AlbumId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::catalog::{album_object, PageParams};
use super::split_ids_of;
use crate::error::ApiResult;
use crate::extract::{Auth, Query};
use crate::objects::{timestamp, AlbumObject, Paging};
use crate::state::AppState;
use medley_app::saved;

/// Spotify takes at most 20 album ids a request.
const MAX_IDS: usize = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/me/albums", get(saved).put(save).delete(unsave))
        .route("/v1/me/albums/contains", get(contains))
}

#[derive(Deserialize, IntoParams)]
pub struct AlbumIds {
    /// Comma-separated album ids (at most 20).
    pub ids: String,
}

#[derive(Serialize, ToSchema)]
pub struct SavedAlbum {
    pub added_at: String,
    pub album: AlbumObject,
}

/// The current user's saved albums, most recently saved first.
#[utoipa::path(get, path = "/v1/me/albums", tag = "library", params(PageParams),
    responses((status = 200, body = Paging<SavedAlbum>), (status = 400), (status = 401)), security(("bearer" = [])))]
pub async fn saved(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Paging<SavedAlbum>>> {
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let (rows, total) = saved::albums(&state.app, &auth.user, page).await?;
    let mut items = Vec::with_capacity(rows.len());
    for (album, at) in &rows {
        items.push(SavedAlbum {
            added_at: timestamp(*at),
            album: album_object(&state, album).await?,
        });
    }
    Ok(axum::Json(state.render.paging(
        "me/albums",
        page,
        total,
        items,
    )))
}

/// Save albums (already saved ones keep their date).
#[utoipa::path(put, path = "/v1/me/albums", tag = "library", params(AlbumIds),
    responses((status = 200), (status = 400, description = "no ids, more than 20, or an id that is not an album"), (status = 401)),
    security(("bearer" = [])))]
pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<AlbumIds>,
) -> ApiResult<StatusCode> {
    let ids: Vec<AlbumId> = split_ids_of(&p.ids, MAX_IDS)?;
    saved::save_albums(&state.app, &auth.user, &ids).await?;
    Ok(StatusCode::OK)
}

/// Remove albums from the saved ones.
#[utoipa::path(delete, path = "/v1/me/albums", tag = "library", params(AlbumIds),
    responses((status = 200), (status = 400), (status = 401)), security(("bearer" = [])))]
pub async fn unsave(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<AlbumIds>,
) -> ApiResult<StatusCode> {
    let ids: Vec<AlbumId> = split_ids_of(&p.ids, MAX_IDS)?;
    saved::unsave_albums(&state.app, &auth.user, &ids).await?;
    Ok(StatusCode::OK)
}

/// Whether each album is saved.
#[utoipa::path(get, path = "/v1/me/albums/contains", tag = "library", params(AlbumIds),
    responses((status = 200, body = Vec<bool>), (status = 400), (status = 401)), security(("bearer" = [])))]
pub async fn contains(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<AlbumIds>,
) -> ApiResult<axum::Json<Vec<bool>>> {
    let ids: Vec<AlbumId> = split_ids_of(&p.ids, MAX_IDS)?;
    Ok(axum::Json(
        saved::albums_contain(&state.app, &auth.user, &ids).await?,
    ))
}
