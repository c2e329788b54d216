//! Several albums or artists at once, and an artist's top tracks.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use medley_domain::{AlbumId, ArtistId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::catalog::{album_object, Tracks};
use super::split_ids_of;
use crate::error::ApiResult;
use crate::extract::{Path, Query};
use crate::objects::{AlbumObject, ArtistObject};
use crate::state::AppState;
use medley_app::catalog;

/// How many plays an artist's top tracks are ranked by: plays of at least 30 s (Medley's
/// default meaning of "a play"), by every listener.
const TOP_MIN_MS: i64 = 30_000;
/// Spotify answers at most ten top tracks.
const TOP_TRACKS: i64 = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/albums", get(several_albums))
        .route("/v1/artists", get(several_artists))
        .route("/v1/artists/{id}/top-tracks", get(top_tracks))
}

#[derive(Deserialize, IntoParams)]
pub struct AlbumIds {
    /// Comma-separated album ids (at most 20).
    pub ids: String,
    /// Accepted for compatibility; Medley's catalog has no markets.
    pub market: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct ArtistIds {
    /// Comma-separated artist ids (at most 50).
    pub ids: String,
}

#[derive(Serialize, ToSchema)]
pub struct Albums {
    /// In the order asked; `null` for an unknown id.
    pub albums: Vec<Option<AlbumObject>>,
}

#[derive(Serialize, ToSchema)]
pub struct Artists {
    /// In the order asked; `null` for an unknown id.
    pub artists: Vec<Option<ArtistObject>>,
}

/// Several albums (at most 20); unknown ids give `null` entries, as on Spotify.
#[utoipa::path(get, path = "/v1/albums", tag = "catalog", params(AlbumIds),
    responses((status = 200, body = Albums), (status = 400, description = "no ids, or more than 20")))]
pub async fn several_albums(
    State(state): State<AppState>,
    Query(p): Query<AlbumIds>,
) -> ApiResult<axum::Json<Albums>> {
    let ids: Vec<AlbumId> = split_ids_of(&p.ids, 20)?;
    let found = catalog::stored_albums(&state.app, &ids).await?;
    let mut albums = Vec::with_capacity(ids.len());
    for id in &ids {
        albums.push(match found.iter().find(|a| &a.id == id) {
            Some(album) => Some(album_object(&state, album).await?),
            None => None,
        });
    }
    Ok(axum::Json(Albums { albums }))
}

/// Several artists (at most 50); unknown ids give `null` entries, as on Spotify.
#[utoipa::path(get, path = "/v1/artists", tag = "catalog", params(ArtistIds),
    responses((status = 200, body = Artists), (status = 400, description = "no ids, or more than 50")))]
pub async fn several_artists(
    State(state): State<AppState>,
    Query(p): Query<ArtistIds>,
) -> ApiResult<axum::Json<Artists>> {
    let ids: Vec<ArtistId> = split_ids_of(&p.ids, 50)?;
    let found = catalog::stored_artists(&state.app, &ids).await?;
    let artists = ids
        .iter()
        .map(|id| {
            found
                .iter()
                .find(|a| &a.id == id)
                .map(|a| state.render.artist(a))
        })
        .collect();
    Ok(axum::Json(Artists { artists }))
}

#[derive(Deserialize, IntoParams)]
pub struct MarketParam {
    /// Accepted for compatibility; Medley's catalog has no markets.
    pub market: Option<String>,
}

/// An artist's ten most played tracks on this server: plays of at least 30 s by every
/// listener, ties by name. An artist nobody played yet still has top tracks (by name).
#[utoipa::path(get, path = "/v1/artists/{id}/top-tracks", tag = "catalog", params(("id" = String, Path), MarketParam),
    responses((status = 200, body = Tracks), (status = 404)))]
pub async fn top_tracks(
    State(state): State<AppState>,
    Path(id): Path<ArtistId>,
    Query(_market): Query<MarketParam>,
) -> ApiResult<axum::Json<Tracks>> {
    let ids = catalog::artist_top_tracks(&state.app, &id, TOP_MIN_MS, TOP_TRACKS).await?;
    Ok(axum::Json(Tracks {
        tracks: state.track_objects(&ids).await?,
    }))
}
