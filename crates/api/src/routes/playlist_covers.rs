//! Playlist cover images: `GET|PUT /v1/playlists/{id}/images` (Spotify's shapes: the upload is
//! a base64-encoded JPEG of at most 256 KB) and the image itself.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use medley_domain::PlaylistId;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Path};
use crate::objects::Image;
use crate::state::AppState;
use medley_app::playlist_covers;
use medley_app::playlists::owned;

/// Spotify's limit on the base64 text of a cover.
pub const MAX_COVER_BYTES: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/playlists/{id}/images", get(images).put(upload))
        .route("/v1/playlists/{id}/images/{file}", get(image))
}

/// The playlist's cover: one image, or none before one was uploaded.
#[utoipa::path(get, path = "/v1/playlists/{id}/images", params(("id" = String, Path)), tag = "playlists",
    responses((status = 200, body = Vec<Image>), (status = 401), (status = 404)), security((), ("bearer" = [])))]
pub async fn images(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<PlaylistId>,
) -> ApiResult<axum::Json<Vec<Image>>> {
    let info = playlist_covers::info(&state.app, auth.as_ref().map(|a| &a.user), &id).await?;
    Ok(axum::Json(
        info.map(|(width, height, version)| Image {
            url: state.render.playlist_cover_url(&id, version),
            height: Some(height),
            width: Some(width),
        })
        .into_iter()
        .collect(),
    ))
}

/// Replace the playlist's cover (its owner only). The body is the JPEG in base64, sent as
/// `Content-Type: image/jpeg`, at most 256 KB. The playlist gets a new snapshot.
#[utoipa::path(put, path = "/v1/playlists/{id}/images", params(("id" = String, Path)), tag = "playlists",
    request_body(content = String, content_type = "image/jpeg", description = "The JPEG, base64-encoded (at most 256 KB)"),
    responses((status = 202, description = "stored"),
        (status = 400, description = "not base64, or not a JPEG"), (status = 401),
        (status = 403, description = "not the playlist's owner"), (status = 404),
        (status = 413, description = "more than 256 KB"),
        (status = 415, description = "not sent as `image/jpeg`")),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<StatusCode> {
    owned(&state.app, &id, &auth.user).await?;
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = kind.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("image/jpeg") {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the cover as `Content-Type: image/jpeg` (base64-encoded JPEG), not `{kind}`"
        )));
    }
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "a cover may be at most {MAX_COVER_BYTES} bytes of base64 (256 KB); nothing was stored"
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_COVER_BYTES as u64) {
        return Err(too_large());
    }
    let text = axum::body::to_bytes(body, MAX_COVER_BYTES)
        .await
        .map_err(|_| too_large())?;
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return Err(ApiError::BadRequest(
            "the body is empty: send the JPEG, base64-encoded".into(),
        ));
    }
    let jpeg = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| {
            ApiError::BadRequest(format!(
                "the body is not base64 ({e}): send the JPEG base64-encoded"
            ))
        })?;
    let (width, height) = crate::jpeg::dimensions(&jpeg)
        .ok_or_else(|| ApiError::BadRequest("the decoded body is not a JPEG image".into()))?;
    playlist_covers::set(
        &state.app,
        &auth.user,
        &id,
        &jpeg,
        width.into(),
        height.into(),
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// The cover image itself, for whoever may see the playlist.
pub async fn image(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path((id, file)): Path<(PlaylistId, String)>,
) -> ApiResult<Response> {
    let wanted = file
        .strip_suffix(".jpg")
        .and_then(|v| v.parse::<i64>().ok());
    let viewer = auth.as_ref().map(|a| &a.user);
    let (playlist, cover) = playlist_covers::image(&state.app, viewer, &id, wanted).await?;
    let cache = if playlist.public {
        "public, max-age=31536000, immutable"
    } else {
        "private, max-age=31536000, immutable"
    };
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, cache),
        ],
        cover.jpeg,
    )
        .into_response())
}
