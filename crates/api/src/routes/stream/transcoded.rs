//! The answer to a stream request with `format`: from the transcode cache with every range and
//! validator of a file, or as ffmpeg makes it (200, chunked, its ETag already known: the
//! output is bit-exact).

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use medley_app::library::streams::Playable;
use medley_app::library::transcodes::{self, transcode};
use medley_audio::transcode::Transcoded;
use medley_audio::Spec;

use super::ranges::{plan, whole_seconds, Current, Plan};
use super::{serve, stream_headers, validators, Asked, Bytes, Whole};
use crate::error::ApiResult;
use crate::state::AppState;

pub async fn respond(
    state: &AppState,
    playable: &Playable,
    spec: &Spec,
    asked: Asked<'_>,
) -> ApiResult<Response> {
    let Asked {
        method, headers, ..
    } = asked;
    transcodes::check(&state.app, spec.target)?;
    let etag = transcodes::key(playable, spec);
    let content_type = spec.target.mime();
    let v = validators(headers);
    // Whether the client already has it is known before anything is made.
    let unknown_size = Current {
        size: u64::MAX,
        etag: &etag,
        modified_s: whole_seconds(playable.last_modified_ms),
    };
    let decision = plan(&v, &unknown_size);
    if decision == Plan::NotModified {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        stream_headers(r.headers_mut(), &etag, playable.last_modified_ms);
        return Ok(r);
    }
    let cached = state.app.audio.transcoder.cached(&etag);
    if method == Method::HEAD && cached.is_none() {
        // HEAD makes nothing: the size is unknown until a GET has made the transcode.
        let mut r = Response::new(Body::empty());
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        stream_headers(r.headers_mut(), &etag, playable.last_modified_ms);
        return Ok(r);
    }
    // A range of bytes (a seek, a resumed download) needs the whole transcode first.
    let whole = matches!(decision, Plan::Partial(_));
    let made = match cached {
        Some(file) => Transcoded::Cached(file),
        None => transcode(&state.app, playable, spec, whole).await?,
    };
    match made {
        Transcoded::Cached(file) => {
            let whole = Whole {
                size: file.size,
                etag,
                last_modified_ms: playable.last_modified_ms,
                content_type,
                bytes: Bytes::Cached(file.path),
            };
            serve(state, &whole, asked).await
        }
        Transcoded::Live(bytes) => {
            let mut r = Response::new(Body::from_stream(bytes));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            stream_headers(r.headers_mut(), &etag, playable.last_modified_ms);
            Ok(r)
        }
    }
}
