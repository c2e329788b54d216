//! Saved albums: `GET|PUT|DELETE /v1/me/albums` and `/v1/me/albums/contains`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use medley_domain::paging::Page;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::catalog::{album_object, PageParams};
use super::split_ids;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Query};
use crate::objects::{timestamp, AlbumObject, Paging};
use crate::state::AppState;
use medley_app::now_ms;

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
    let (rows, total) = state
        .app
        .store
        .saved_albums(&auth.user.id, page.limit, page.offset)
        .await?;
    let ids: Vec<String> = rows.iter().map(|(id, _)| id.clone()).collect();
    let albums = state.app.store.albums(&ids).await?;
    let mut items = Vec::with_capacity(rows.len());
    for (id, at) in &rows {
        if let Some(album) = albums.iter().find(|a| &a.id == id) {
            items.push(SavedAlbum {
                added_at: timestamp(*at),
                album: album_object(&state, album).await?,
            });
        }
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
    let ids = split_ids(&p.ids, MAX_IDS)?;
    let known = state.app.store.albums(&ids).await?;
    if let Some(missing) = ids.iter().find(|id| !known.iter().any(|a| &a.id == *id)) {
        return Err(ApiError::BadRequest(format!(
            "`{missing}` is not an album in the catalog"
        )));
    }
    state
        .app
        .store
        .save_albums(&auth.user.id, &ids, now_ms())
        .await?;
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
    let ids = split_ids(&p.ids, MAX_IDS)?;
    state.app.store.unsave_albums(&auth.user.id, &ids).await?;
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
    let ids = split_ids(&p.ids, MAX_IDS)?;
    Ok(axum::Json(
        state
            .app
            .store
            .saved_albums_contain(&auth.user.id, &ids)
            .await?,
    ))
}
