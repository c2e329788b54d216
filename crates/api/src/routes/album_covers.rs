//! Cover art: `GET /v1/albums/{id}/image`, an album's cover as stored or resized, with
//! validators. The `images` of API objects point here with the cover's hash in the URL (`v`),
//! so such a URL always answers the same bytes and may be cached for a year.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use medley_app::library::covers::{album_image, check_size, Image};
use medley_domain::AlbumId;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/albums/{id}/image", get(image))
}

#[derive(Deserialize, IntoParams)]
pub struct ImageParams {
    /// The longest side in pixels, 64 to 1200 (the picture keeps its aspect and is never
    /// enlarged; JPEG). Without it, the picture as it was found.
    #[param(value_type = Option<i64>, minimum = 64, maximum = 1200)]
    pub size: Option<String>,
    /// The cover's version, as the `images` of API objects give it. When it is the current
    /// one, the answer may be cached for a year (`immutable`).
    pub v: Option<String>,
}

/// How long a cover answer may be kept: a year when the URL names the current cover, else
/// revalidated each time (the album's cover may change).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "public, no-cache";

/// An album's cover picture, resized when `size` is given.
#[utoipa::path(get, path = "/v1/albums/{id}/image", tag = "catalog", params(ImageParams, ("id" = String, Path)),
    responses((status = 200, description = "The picture", content_type = "image/jpeg"),
        (status = 304), (status = 400, description = "A size outside 64 to 1200"),
        (status = 404, description = "No such album, or it has no cover")))]
pub async fn image(
    State(state): State<AppState>,
    Path(id): Path<AlbumId>,
    Query(p): Query<ImageParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let size = match p.size.as_deref().map(str::trim) {
        None => None,
        Some(s) => Some(check_size(s.parse().map_err(|_| {
            ApiError::BadRequest(format!(
                "`size` is the longest side in pixels, from 64 to 1200, not `{s}`"
            ))
        })?)?),
    };
    let found = album_image(&state.app, &id, size).await?;
    let current =
        p.v.as_deref()
            .is_some_and(|v| v.len() >= 8 && found.etag.starts_with(v));
    let cache = if current { IMMUTABLE } else { REVALIDATE };
    Ok(answer(found, &headers, cache))
}

/// The answer for a cover: the bytes (or 304 when `If-None-Match` names them) with `ETag`,
/// `Content-Type` and `Cache-Control`. The OpenSubsonic `getCoverArt` answers through it too.
pub fn answer(found: Image, headers: &HeaderMap, cache_control: &'static str) -> Response {
    let etag = format!("\"{}\"", found.etag);
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = found.bytes.into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(found.mime));
        r
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response
}
