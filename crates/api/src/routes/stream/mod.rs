//! Streams: `GET /v1/tracks/{id}/stream` (the original bytes, with ranges and conditional
//! requests) and `GET /v1/tracks/{id}/stream-url` (a short-lived signed URL for players that
//! cannot send an `Authorization` header, such as an `<audio>` element).

pub mod ranges;
mod transcoded;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use medley_app::library::streams::{self, Playable};
use medley_app::library::transcodes;
use medley_app::stream_plays;
use medley_audio::{LocalRange, Location, Spec};
use medley_domain::{TrackId, UserId};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use self::ranges::{http_date, plan, whole_seconds, Current, Plan, Validators};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Path, Query};
use crate::objects::timestamp;
use crate::state::AppState;
use crate::zero_copy::ZeroCopy;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/tracks/{id}/stream", get(stream))
        .route("/v1/tracks/{id}/stream-url", get(stream_url))
}

/// The proof a signed stream URL carries (all three, or none with a Bearer token), and what to
/// stream: the original, or a transcode.
#[derive(Deserialize, IntoParams, Default)]
pub struct StreamParams {
    /// Whom the URL was signed for.
    #[param(value_type = Option<String>)]
    pub user: Option<UserId>,
    /// Until when it is valid (Unix seconds).
    pub expires: Option<i64>,
    pub signature: Option<String>,
    /// Transcode to `opus` (Ogg), `mp3` or `aac` (ADTS) through ffmpeg; absent: the original.
    /// 501 when this server has no ffmpeg (`/readyz` says).
    pub format: Option<String>,
    /// The transcode's bit rate in kbps (opus 16–256, default 128; mp3 and aac 32–320,
    /// default 192).
    pub bitrate: Option<String>,
    /// Start the transcode this many seconds into the track (decimals allowed).
    pub offset: Option<String>,
    /// Names one playback (any text up to 64 characters; `stream-url` makes one): streams
    /// with the same id are one listening, counted as one play (docs/API.md, "Plays").
    pub playback: Option<String>,
}

/// What `stream-url` signs: the transcode the URL should ask for, if any.
#[derive(Deserialize, IntoParams, Default)]
pub struct LinkParams {
    /// As for `stream`: `opus`, `mp3` or `aac`; absent: the original.
    pub format: Option<String>,
    pub bitrate: Option<String>,
    pub offset: Option<String>,
}

/// A signed stream URL.
#[derive(Serialize, ToSchema)]
pub struct StreamUrl {
    /// Fetch it without any header, e.g. as an `<audio>` element's `src`.
    pub url: String,
    pub expires_at: String,
    pub content_type: String,
    /// The original's size in bytes; absent for a transcode (its size is known once made).
    pub size: Option<u64>,
}

/// Who may fetch: the signed-in user, or the holder of a valid signed URL.
fn authorize(
    state: &AppState,
    track_id: &TrackId,
    auth: Option<&Auth>,
    p: &StreamParams,
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

/// Streams a track's audio: its original bytes with their media type, or with `format` a
/// transcode through ffmpeg (sent as ffmpeg makes it, then kept in a cache). Byte ranges (206,
/// and 416 past the end), `ETag` with `If-None-Match`, `Last-Modified` with
/// `If-Modified-Since`, and `If-Range`; a range of a transcode is answered once it is complete.
/// Authorized by a Bearer token or by the query of a signed URL.
#[utoipa::path(get, path = "/v1/tracks/{id}/stream", tag = "library", params(StreamParams, ("id" = String, Path)),
    responses((status = 200, description = "The audio", content_type = "audio/*"),
        (status = 206, description = "The requested range"), (status = 304),
        (status = 400, description = "A bad `format`, `bitrate` or `offset`"),
        (status = 401), (status = 404, description = "No such track, or the track has no audio"),
        (status = 416, description = "The range starts past the end"),
        (status = 501, description = "Transcoding is unavailable on this server (no ffmpeg)"),
        (status = 503, description = "Every transcoding slot is busy (Retry-After)")),
    security(("bearer" = []), ()))]
pub async fn stream(
    State(state): State<AppState>,
    Path(id): Path<TrackId>,
    method: Method,
    auth: Option<Auth>,
    Query(p): Query<StreamParams>,
    zero_copy: Option<Extension<ZeroCopy>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    authorize(&state, &id, auth.as_ref(), &p)?;
    let spec = transcodes::spec(
        p.format.as_deref(),
        p.bitrate.as_deref(),
        p.offset.as_deref(),
    )?;
    if p.playback.as_ref().is_some_and(|id| id.len() > 64) {
        return Err(ApiError::BadRequest(
            "`playback` is an id of at most 64 characters".into(),
        ));
    }
    // `authorize` let through a signed-in user or a URL signed for one.
    let Some(user_id) = auth.as_ref().map(|a| &a.user.id).or(p.user.as_ref()) else {
        return Err(ApiError::Unauthorized(
            "sign in (Authorization: Bearer <token>) or use a signed URL".into(),
        ));
    };
    let listener = Listener {
        user_id,
        playback: p.playback.as_deref(),
    };
    let asked = Asked {
        method: &method,
        headers: &headers,
        zero_copy: zero_copy.as_deref(),
    };
    respond(&state, &id, asked, spec, Some(listener)).await
}

/// A request for a track's audio: its method and headers, and how its connection sends files
/// without a copy, where it can.
#[derive(Clone, Copy)]
pub struct Asked<'a> {
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    pub zero_copy: Option<&'a ZeroCopy>,
}

/// The answer to a request for a track's audio, once the caller is authorized: the original
/// bytes (or a range of them, or 304, or 416) with their validators, or a transcode when `spec`
/// asks for one. The OpenSubsonic `stream` and `download` methods answer through it too.
pub async fn respond(
    state: &AppState,
    id: &TrackId,
    asked: Asked<'_>,
    spec: Option<Spec>,
    listener: Option<Listener<'_>>,
) -> ApiResult<Response> {
    let method = asked.method;
    let remembered = match spec {
        None => remembered_range(state, id, asked).await?,
        Some(_) => None,
    };
    let (response, playable) = match remembered {
        Some(answered) => answered,
        None => {
            let playable = streams::locate(&state.app, id).await?;
            let response = match spec {
                Some(spec) => transcoded::respond(state, &playable, &spec, asked).await?,
                None => match offloaded(state, &playable) {
                    Some(offloaded) => offloaded,
                    None => serve(state, &whole(&playable), asked).await?,
                },
            };
            (response, playable)
        }
    };
    let sent = matches!(
        response.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT
    );
    if let (Some(who), true, true) = (listener, sent, method == Method::GET) {
        stream_plays::stream_started(
            &state.app,
            who.user_id,
            &playable.file.track_id,
            playable.file.duration_ms,
            who.playback,
        );
    }
    Ok(response)
}

fn whole(playable: &Playable) -> Whole<'_> {
    Whole {
        size: playable.size,
        etag: playable.etag.clone(),
        last_modified_ms: playable.last_modified_ms,
        content_type: playable.content_type,
        bytes: Bytes::Original(playable),
    }
}

/// What a player asks for while it plays, the original of a file on this machine or a range of
/// it, answered from what the node remembers of the track's files, with the file checked in
/// the same trip to the blocking pool that reads its bytes or finds them in the page cache
/// (sent from there when the connection can: [`ZeroCopy`]). Anything else (HEAD, 304, 416, a
/// transcode, a file sent by nginx or kept in S3, a range over [`medley_audio::ONE_READ`] that
/// is not cached), or a file changed or gone since it was recorded, is left to the full path:
/// `None`.
async fn remembered_range(
    state: &AppState,
    id: &TrackId,
    asked: Asked<'_>,
) -> ApiResult<Option<(Response, Playable)>> {
    if asked.method != Method::GET || state.app.audio.settings.offload_prefix.is_some() {
        return Ok(None);
    }
    let Some(remembered) = streams::remembered(&state.app, id).await? else {
        return Ok(None);
    };
    let whole = whole(&remembered.playable);
    let (range, partial) = match plan(&validators(asked.headers), &current(&whole)) {
        Plan::Partial(range) => (range, true),
        Plan::Full => (0..whole.size, false),
        Plan::NotModified | Plan::Unsatisfiable => return Ok(None),
    };
    if asked.zero_copy.is_none() && range.end - range.start > medley_audio::ONE_READ {
        return Ok(None);
    }
    let found =
        streams::read_remembered(&remembered, range.clone(), asked.zero_copy.is_some()).await?;
    let Some(body) = local_range_body(found, asked, range.clone()) else {
        return Ok(None);
    };
    let mut response = with_body(&whole, partial.then_some(range), body);
    stream_headers(response.headers_mut(), &whole.etag, whole.last_modified_ms);
    Ok(Some((response, remembered.playable)))
}

fn current<'a>(whole: &'a Whole<'_>) -> Current<'a> {
    Current {
        size: whole.size,
        etag: &whole.etag,
        modified_s: whole_seconds(whole.last_modified_ms),
    }
}

/// Bytes of a path in `X-Accel-Redirect` that are written `%XX`: what a URI path cannot hold
/// as it is (non-ASCII bytes always are).
const PATH_ESCAPED: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// With a front server that sends files itself (`offload_prefix`), the original of a file on
/// this node's disk is answered by naming it (`X-Accel-Redirect`): nginx sends the bytes with
/// `sendfile`, and answers ranges and conditional requests with its own validators. `None`
/// where Medley sends the bytes: no front server, an object in S3, a path that is not UTF-8.
fn offloaded(state: &AppState, playable: &Playable) -> Option<Response> {
    let prefix = state.app.audio.settings.offload_prefix.as_deref()?;
    let path = state.app.audio.storage.local_file(&playable.location)?;
    let path = path.to_str()?.trim_start_matches('/');
    let target = format!("{prefix}{}", utf8_percent_encode(path, PATH_ESCAPED));
    let mut response = StatusCode::OK.into_response();
    let h = response.headers_mut();
    h.insert("x-accel-redirect", value(&target));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(playable.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Some(response)
}

/// Who is listening to a stream (its plays are counted for them), and the URL's playback id.
#[derive(Clone, Copy)]
pub struct Listener<'a> {
    pub user_id: &'a UserId,
    pub playback: Option<&'a str>,
}

/// Where the bytes of a complete representation come from.
pub(crate) enum Bytes<'a> {
    /// The track's file (gone from disk: marked missing).
    Original(&'a Playable),
    /// A file of this node's cache.
    Cached(std::path::PathBuf),
}

/// A representation whose every byte is there: served with ranges and validators.
pub(crate) struct Whole<'a> {
    pub size: u64,
    pub etag: String,
    pub last_modified_ms: i64,
    pub content_type: &'static str,
    pub bytes: Bytes<'a>,
}

pub(crate) fn validators(headers: &HeaderMap) -> Validators<'_> {
    Validators {
        if_none_match: header_text(headers, header::IF_NONE_MATCH),
        if_modified_since: header_text(headers, header::IF_MODIFIED_SINCE),
        range: header_text(headers, header::RANGE),
        if_range: header_text(headers, header::IF_RANGE),
    }
}

/// The headers every stream answer carries: ranges accepted, validators, caching.
pub(crate) fn stream_headers(h: &mut HeaderMap, etag: &str, last_modified_ms: i64) {
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::ETAG, value(&format!("\"{etag}\"")));
    h.insert(header::LAST_MODIFIED, value(&http_date(last_modified_ms)));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
}

/// Serves a complete representation: 200, 206, 304 or 416.
pub(crate) async fn serve(
    state: &AppState,
    whole: &Whole<'_>,
    asked: Asked<'_>,
) -> ApiResult<Response> {
    let validators = validators(asked.headers);
    let decision = plan(&validators, &current(whole));
    let mut response = match &decision {
        Plan::NotModified => StatusCode::NOT_MODIFIED.into_response(),
        Plan::Unsatisfiable => {
            let mut r = ApiError::RangeNotSatisfiable(format!(
                "the range `{}` starts past the end of the audio ({} bytes)",
                validators.range.unwrap_or_default(),
                whole.size
            ))
            .into_response();
            r.headers_mut().insert(
                header::CONTENT_RANGE,
                value(&format!("bytes */{}", whole.size)),
            );
            r
        }
        Plan::Full => body(state, whole, None, asked).await?,
        Plan::Partial(range) => body(state, whole, Some(range.clone()), asked).await?,
    };
    stream_headers(response.headers_mut(), &whole.etag, whole.last_modified_ms);
    Ok(response)
}

pub(crate) fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("header text is ASCII")
}

/// A 200 or 206 with the bytes (none for HEAD, which opens nothing).
async fn body(
    state: &AppState,
    whole: &Whole<'_>,
    range: Option<std::ops::Range<u64>>,
    asked: Asked<'_>,
) -> ApiResult<Response> {
    let body = if asked.method == Method::HEAD {
        Body::empty()
    } else {
        let wanted = range.clone().unwrap_or(0..whole.size);
        match &whole.bytes {
            Bytes::Original(playable) => {
                let hot = streams::hot_copy(&state.app, playable);
                let local = match &hot {
                    Some(path) => local_body(path, wanted, whole.size, asked).await,
                    None => None,
                };
                match local {
                    Some(body) => body,
                    None => Body::from_stream(
                        streams::open_from(&state.app, playable, hot, range.clone()).await?,
                    ),
                }
            }
            Bytes::Cached(path) => match local_body(path, wanted, whole.size, asked).await {
                Some(body) => body,
                None => Body::from_stream(
                    state
                        .app
                        .audio
                        .storage
                        .read(&Location::Disk(path.clone()), range.clone())
                        .await
                        .map_err(|e| anyhow::Error::new(e).context("reading a cached stream"))?,
                ),
            },
        }
    };
    Ok(with_body(whole, range, body))
}

/// `wanted` of a file this node keeps (a transcode, a hot copy of an S3 object: neither
/// changes in place) of `size` bytes: sent from the page cache when the connection can and
/// they are there, else read in one go when short. `None` for a longer range not cached, or a
/// file evicted a moment ago: the caller streams it, and finds out which.
async fn local_body(
    path: &std::path::Path,
    wanted: std::ops::Range<u64>,
    size: u64,
    asked: Asked<'_>,
) -> Option<Body> {
    let send_cached = asked.zero_copy.is_some();
    let found =
        medley_audio::read_range_if_unchanged(path, wanted.clone(), size, None, send_cached).await;
    local_range_body(found.ok().flatten(), asked, wanted)
}

/// The body of `range` of a local file as [`medley_audio::read_range_if_unchanged`] found it:
/// its bytes read, or sent from the page cache by the connection (found cached only when asked
/// with a connection that sends files). `None` when nothing was found.
fn local_range_body(
    found: Option<LocalRange>,
    asked: Asked<'_>,
    range: std::ops::Range<u64>,
) -> Option<Body> {
    match (found?, asked.zero_copy) {
        (LocalRange::Read(bytes), _) => Some(Body::from(bytes)),
        (LocalRange::Cached(file), Some(zero_copy)) => Some(zero_copy.body(file, range)),
        (LocalRange::Cached(_), None) => None,
    }
}

/// A 200 or 206 with `body`, the bytes of `range` of `whole` (all of them without a range).
fn with_body(whole: &Whole<'_>, range: Option<std::ops::Range<u64>>, body: Body) -> Response {
    let (status, len) = match &range {
        Some(r) => (StatusCode::PARTIAL_CONTENT, r.end - r.start),
        None => (StatusCode::OK, whole.size),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(whole.content_type),
    );
    h.insert(header::CONTENT_LENGTH, value(&len.to_string()));
    if let Some(r) = range {
        h.insert(
            header::CONTENT_RANGE,
            value(&format!("bytes {}-{}/{}", r.start, r.end - 1, whole.size)),
        );
    }
    response
}

/// A short-lived signed URL that streams the track without an `Authorization` header, for
/// `<audio src>` and players like it; with `format` (and `bitrate`, `offset`) the URL asks for
/// that transcode. 404 when the track has no audio.
#[utoipa::path(get, path = "/v1/tracks/{id}/stream-url", tag = "library", params(LinkParams, ("id" = String, Path)),
    responses((status = 200, body = StreamUrl), (status = 400), (status = 401), (status = 404),
        (status = 501, description = "A transcode was asked for and this server has no ffmpeg")),
    security(("bearer" = [])))]
pub async fn stream_url(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<TrackId>,
    Query(p): Query<LinkParams>,
) -> ApiResult<axum::Json<StreamUrl>> {
    let spec = transcodes::spec(
        p.format.as_deref(),
        p.bitrate.as_deref(),
        p.offset.as_deref(),
    )?;
    if let Some(spec) = &spec {
        transcodes::check(&state.app, spec.target)?;
    }
    let link = streams::link(&state.app, &auth.user.id, &id, &state.render.base).await?;
    // Each signed URL is one playback: its range requests count once, a new URL anew.
    let mut url = link.url.replacen(
        "/stream?",
        &format!("/stream?playback={}&", medley_domain::new_id()),
        1,
    );
    let mut content_type = link.content_type;
    let mut size = Some(link.size);
    if let Some(spec) = spec {
        url.push_str(&format!(
            "&format={}&bitrate={}",
            spec.target.name(),
            spec.bitrate_kbps
        ));
        if spec.offset_ms > 0 {
            url.push_str(&format!("&offset={}", spec.offset_ms as f64 / 1000.0));
        }
        content_type = spec.target.mime();
        size = None;
    }
    Ok(axum::Json(StreamUrl {
        url,
        expires_at: timestamp(link.expires_at_s * 1000),
        content_type: content_type.into(),
        size,
    }))
}
