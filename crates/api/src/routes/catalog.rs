//! Reading the catalog in Spotify's shapes, and adding to it.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use medley_domain::catalog::NewTrack;
use medley_domain::paging::Page;
use medley_domain::{AlbumId, ArtistId, TrackId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::split_ids_of;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Path, Query};
use crate::objects::{AlbumObject, ArtistObject, DiscographyAlbum, Paging, TrackObject};
use crate::state::AppState;
use medley_app::cache::TrackJson;
use medley_app::catalog;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/tracks", get(several_tracks))
        .route("/v1/tracks/{id}", get(track))
        .route("/v1/albums/{id}", get(album))
        .route("/v1/albums/{id}/tracks", get(album_tracks))
        .route("/v1/artists/{id}", get(artist))
        .route("/v1/artists/{id}/albums", get(artist_albums))
        .route("/v1/library/tracks", post(add))
}

#[derive(Deserialize, IntoParams)]
pub struct PageParams {
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct IdsParams {
    /// Comma-separated ids (at most 50).
    pub ids: String,
}

#[derive(Serialize, ToSchema)]
pub struct Tracks {
    #[schema(value_type = Vec<Option<TrackObject>>)]
    pub tracks: Vec<Option<TrackJson>>,
}

/// One track.
#[utoipa::path(get, path = "/v1/tracks/{id}", params(("id" = String, Path)), tag = "catalog", responses((status = 200, body = TrackObject), (status = 404)))]
pub async fn track(
    State(state): State<AppState>,
    Path(id): Path<TrackId>,
) -> ApiResult<axum::Json<TrackJson>> {
    let found = state.track_objects(std::slice::from_ref(&id)).await?;
    found
        .into_iter()
        .flatten()
        .next()
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(&format!("track `{id}`")))
}

/// Several tracks; unknown ids give `null` entries, as on Spotify.
#[utoipa::path(get, path = "/v1/tracks", tag = "catalog", params(IdsParams), responses((status = 200, body = Tracks), (status = 400)))]
pub async fn several_tracks(
    State(state): State<AppState>,
    Query(p): Query<IdsParams>,
) -> ApiResult<axum::Json<Tracks>> {
    let ids: Vec<TrackId> = split_ids_of(&p.ids, 50)?;
    Ok(axum::Json(Tracks {
        tracks: state.track_objects(&ids).await?,
    }))
}

async fn album_page(
    state: &AppState,
    id: &AlbumId,
    page: Page,
    total: i64,
) -> ApiResult<Paging<TrackObject>> {
    let tracks = catalog::album_tracks(&state.app, id, page).await?;
    let items = tracks.iter().map(|t| state.render.track(t)).collect();
    Ok(state
        .render
        .paging(&format!("albums/{id}/tracks"), page, total, items))
}

/// One album with the first page of its tracks.
#[utoipa::path(get, path = "/v1/albums/{id}", params(("id" = String, Path)), tag = "catalog", responses((status = 200, body = AlbumObject), (status = 404)))]
pub async fn album(
    State(state): State<AppState>,
    Path(id): Path<AlbumId>,
) -> ApiResult<axum::Json<AlbumObject>> {
    let album = catalog::album(&state.app, &id).await?;
    Ok(axum::Json(album_object(&state, &album).await?))
}

/// The full album object: the album and the first 50 of its tracks.
pub(crate) async fn album_object(
    state: &AppState,
    album: &medley_domain::catalog::Album,
) -> ApiResult<AlbumObject> {
    let page = Page {
        limit: 50,
        offset: 0,
    };
    let tracks = album_page(state, &album.id, page, album.total_tracks).await?;
    Ok(AlbumObject {
        base: state.render.album(album),
        tracks,
        copyrights: vec![],
        external_ids: Default::default(),
        genres: vec![],
        label: String::new(),
        popularity: 0,
    })
}

/// A page of an album's tracks.
#[utoipa::path(get, path = "/v1/albums/{id}/tracks", tag = "catalog", params(PageParams, ("id" = String, Path)), responses((status = 200, body = Paging<TrackObject>), (status = 404)))]
pub async fn album_tracks(
    State(state): State<AppState>,
    Path(id): Path<AlbumId>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Paging<TrackObject>>> {
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let album = catalog::album(&state.app, &id).await?;
    Ok(axum::Json(
        album_page(&state, &id, page, album.total_tracks).await?,
    ))
}

/// One artist, with Medley's birth date, country and status.
#[utoipa::path(get, path = "/v1/artists/{id}", params(("id" = String, Path)), tag = "catalog", responses((status = 200, body = ArtistObject), (status = 404)))]
pub async fn artist(
    State(state): State<AppState>,
    Path(id): Path<ArtistId>,
) -> ApiResult<axum::Json<ArtistObject>> {
    let artist = catalog::artist(&state.app, &id).await?;
    Ok(axum::Json(state.render.artist(&artist)))
}

/// A page of an artist's albums, newest first.
#[utoipa::path(get, path = "/v1/artists/{id}/albums", tag = "catalog", params(PageParams, ("id" = String, Path)), responses((status = 200, body = Paging<DiscographyAlbum>), (status = 404)))]
pub async fn artist_albums(
    State(state): State<AppState>,
    Path(id): Path<ArtistId>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Paging<DiscographyAlbum>>> {
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let (albums, total) = catalog::artist_albums(&state.app, &id, page).await?;
    let items = albums
        .iter()
        .map(|a| DiscographyAlbum {
            album: state.render.album(a),
            album_group: if a.artists.iter().any(|x| x.id == id) {
                "album"
            } else {
                "appears_on"
            },
        })
        .collect();
    Ok(axum::Json(state.render.paging(
        &format!("artists/{id}/albums"),
        page,
        total,
        items,
    )))
}

/// A track to add: artists and album are found or created by name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackInput {
    #[serde(alias = "title")]
    pub name: String,
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub duration_ms: i64,
    pub isrc: Option<String>,
    pub release_date: Option<String>,
    #[serde(default)]
    pub explicit: bool,
    pub track_number: Option<i64>,
    /// Other ids, e.g. `{"spotify": "4uLU6hMCjMI75M1A2tKUQC"}` or `{"spotify": "spotify:track:…"}`.
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
}

/// One track or an array of up to 1,000.
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum TrackInputs {
    One(TrackInput),
    Many(Vec<TrackInput>),
}

/// Reads one object or an array, with the index of a bad entry in the message.
fn parse_inputs(body: serde_json::Value) -> ApiResult<Vec<TrackInput>> {
    let one = |i: Option<usize>, v: serde_json::Value| {
        serde_json::from_value::<TrackInput>(v).map_err(|e| {
            let at = i.map(|i| format!("track {i}: ")).unwrap_or_default();
            ApiError::BadRequest(format!("{at}{e}"))
        })
    };
    match body {
        serde_json::Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| one(Some(i), v))
            .collect(),
        v @ serde_json::Value::Object(_) => Ok(vec![one(None, v)?]),
        _ => Err(ApiError::BadRequest(
            "send a track object or an array of track objects".into(),
        )),
    }
}

impl From<TrackInput> for NewTrack {
    fn from(t: TrackInput) -> NewTrack {
        let mut external_ids = t.external_ids;
        let spotify_id = external_ids.remove("spotify").map(|s| {
            s.strip_prefix("spotify:track:")
                .map(str::to_owned)
                .unwrap_or(s)
        });
        NewTrack {
            name: t.name,
            artists: t.artists,
            album: t.album,
            duration_ms: t.duration_ms,
            isrc: t.isrc.map(|s| s.to_uppercase()),
            release_date: t.release_date,
            explicit: t.explicit,
            track_number: t.track_number,
            spotify_id,
            external_ids,
            artist_details: Default::default(),
        }
    }
}

/// Add tracks to the catalog (administrators only).
#[utoipa::path(post, path = "/v1/library/tracks", tag = "catalog", request_body = TrackInputs,
    responses((status = 201, body = Tracks), (status = 400), (status = 403)), security(("bearer" = [])))]
pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<serde_json::Value>,
) -> ApiResult<(StatusCode, axum::Json<Tracks>)> {
    catalog::may_add(&auth.user)?;
    let inputs = parse_inputs(body)?;
    let inputs = inputs.into_iter().map(NewTrack::from).collect();
    let stored = catalog::add_tracks_as(&state.app, &auth.user, inputs).await?;
    let ids: Vec<TrackId> = stored.iter().map(|t| t.id.clone()).collect();
    let tracks = state.track_objects(&ids).await?;
    Ok((StatusCode::CREATED, axum::Json(Tracks { tracks })))
}
