//! Streams: `GET /v1/tracks/{id}/stream` (the original bytes, with ranges and conditional
//! requests) and `GET /v1/tracks/{id}/stream-url` (a short-lived signed URL for players that
//! cannot send an `Authorization` header, such as an `<audio>` element).

pub mod ranges;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use medley_app::library::streams::{self, Playable};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use self::ranges::{http_date, plan, whole_seconds, Current, Plan, Validators};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Path, Query};
use crate::objects::timestamp;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/tracks/{id}/stream", get(stream))
        .route("/v1/tracks/{id}/stream-url", get(stream_url))
}

/// The proof a signed stream URL carries (all three, or none with a Bearer token).
#[derive(Deserialize, IntoParams, Default)]
pub struct SignedParams {
    /// Whom the URL was signed for.
    pub user: Option<String>,
    /// Until when it is valid (Unix seconds).
    pub expires: Option<i64>,
    pub signature: Option<String>,
}

/// A signed stream URL.
#[derive(Serialize, ToSchema)]
pub struct StreamUrl {
    /// Fetch it without any header, e.g. as an `<audio>` element's `src`.
    pub url: String,
    pub expires_at: String,
    pub content_type: String,
    pub size: u64,
}

/// Who may fetch: the signed-in user, or the holder of a valid signed URL.
fn authorize(
    state: &AppState,
    track_id: &str,
    auth: Option<&Auth>,
    p: &SignedParams,
) -> ApiResult<()> {
    if auth.is_some() {
        return Ok(());
    }
    match (&p.user, p.expires, &p.signature) {
        (Some(user), Some(expires), Some(signature)) => Ok(streams::check_link(
            &state.app, track_id, user, expires, signature,
        )?),
        (None, None, None) => Err(ApiError::Unauthorized(
            "sign in (Authorization: Bearer <token>) or use a signed URL from \
             GET /v1/tracks/{id}/stream-url"
                .into(),
        )),
        _ => Err(ApiError::Unauthorized(
            "a signed stream URL carries `user`, `expires` and `signature`: use it as it was \
             given"
                .into(),
        )),
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Streams a track's audio: its original bytes with their media type. Byte ranges (206, and 416
/// past the end), `ETag` with `If-None-Match`, `Last-Modified` with `If-Modified-Since`, and
/// `If-Range`. Authorized by a Bearer token or by the query of a signed URL.
#[utoipa::path(get, path = "/v1/tracks/{id}/stream", tag = "library", params(SignedParams),
    responses((status = 200, description = "The audio", content_type = "audio/*"),
        (status = 206, description = "The requested range"), (status = 304),
        (status = 401), (status = 404, description = "No such track, or the track has no audio"),
        (status = 416, description = "The range starts past the end")),
    security(("bearer" = []), ()))]
pub async fn stream(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    auth: Option<Auth>,
    Query(p): Query<SignedParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    authorize(&state, &id, auth.as_ref(), &p)?;
    respond(&state, &id, &method, &headers).await
}

/// The answer to a request for a track's audio, once the caller is authorized: the bytes (or a
/// range of them, or 304, or 416) with their validators. The OpenSubsonic `stream` and
/// `download` methods answer through it too.
pub async fn respond(
    state: &AppState,
    id: &str,
    method: &Method,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let playable = streams::locate(&state.app, id).await?;
    let validators = Validators {
        if_none_match: header_text(headers, header::IF_NONE_MATCH),
        if_modified_since: header_text(headers, header::IF_MODIFIED_SINCE),
        range: header_text(headers, header::RANGE),
        if_range: header_text(headers, header::IF_RANGE),
    };
    let current = Current {
        size: playable.size,
        etag: &playable.etag,
        modified_s: whole_seconds(playable.last_modified_ms),
    };
    let decision = plan(&validators, &current);
    let mut response = match &decision {
        Plan::NotModified => StatusCode::NOT_MODIFIED.into_response(),
        Plan::Unsatisfiable => {
            let mut r = ApiError::RangeNotSatisfiable(format!(
                "the range `{}` starts past the end of the audio ({} bytes)",
                validators.range.unwrap_or_default(),
                playable.size
            ))
            .into_response();
            r.headers_mut().insert(
                header::CONTENT_RANGE,
                value(&format!("bytes */{}", playable.size)),
            );
            r
        }
        Plan::Full => body(state, &playable, None, method).await?,
        Plan::Partial(range) => body(state, &playable, Some(range.clone()), method).await?,
    };
    let h = response.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::ETAG, value(&format!("\"{}\"", playable.etag)));
    h.insert(
        header::LAST_MODIFIED,
        value(&http_date(playable.last_modified_ms)),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(response)
}

fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("header text is ASCII")
}

/// A 200 or 206 with the bytes (none for HEAD, which opens nothing).
async fn body(
    state: &AppState,
    playable: &Playable,
    range: Option<std::ops::Range<u64>>,
    method: &Method,
) -> ApiResult<Response> {
    let (status, len) = match &range {
        Some(r) => (StatusCode::PARTIAL_CONTENT, r.end - r.start),
        None => (StatusCode::OK, playable.size),
    };
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from_stream(streams::open(&state.app, playable, range.clone()).await?)
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(playable.content_type),
    );
    h.insert(header::CONTENT_LENGTH, value(&len.to_string()));
    if let Some(r) = range {
        h.insert(
            header::CONTENT_RANGE,
            value(&format!(
                "bytes {}-{}/{}",
                r.start,
                r.end - 1,
                playable.size
            )),
        );
    }
    Ok(response)
}

/// A short-lived signed URL that streams the track without an `Authorization` header, for
/// `<audio src>` and players like it. 404 when the track has no audio.
#[utoipa::path(get, path = "/v1/tracks/{id}/stream-url", tag = "library",
    responses((status = 200, body = StreamUrl), (status = 401), (status = 404)), security(("bearer" = [])))]
pub async fn stream_url(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<StreamUrl>> {
    let link = streams::link(&state.app, &auth.user.id, &id, &state.render.base).await?;
    Ok(axum::Json(StreamUrl {
        url: link.url,
        expires_at: timestamp(link.expires_at_s * 1000),
        content_type: link.content_type.into(),
        size: link.size,
    }))
}
