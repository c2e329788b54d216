//! `stream`, `download` and `getCoverArt`: the bytes, with ranges and conditional requests,
//! through the same responder as `GET /v1/tracks/{id}/stream`.
//!
//! `stream` takes `maxBitRate`, `format` and `timeOffset` (checked here) and serves the
//! original file: Medley transcodes only where its stream use case does, and `format=raw`
//! always asks for the original. `download` is always the original.

use axum::http::{header, HeaderValue};
use medley_app::subsonic::browse::not_found;
use medley_app::subsonic::covers::cover;
use medley_app::subsonic::library::current;

use super::response::{Failure, Reply};
use super::Call;
use crate::error::ApiError;
use crate::routes::stream::respond;

/// What a failure of the stream responder is in Subsonic's codes.
fn failure(e: ApiError) -> Failure {
    match e {
        ApiError::NotFound(m) => Failure::new(70, m),
        ApiError::Forbidden(m) => Failure::new(50, m),
        ApiError::Unauthorized(m) => Failure::new(40, m),
        ApiError::Internal(e) => Failure::from(medley_app::AppError::Internal(e)),
        other => Failure::invalid(other.to_string()),
    }
}

/// The song `id` names, which must be in the library.
async fn song_id(c: &Call) -> Result<String, Failure> {
    let id = c.params.required("id")?;
    let lib = current(&c.state.app).await?;
    lib.song(id)
        .map(|s| s.id.clone())
        .ok_or_else(|| not_found("song", id).into())
}

pub async fn stream(c: &Call) -> Result<Reply, Failure> {
    let id = song_id(c).await?;
    if let Some(rate) = c.params.opt_int("maxBitRate")? {
        if rate < 0 {
            return Err(Failure::invalid(format!(
                "`maxBitRate` is in kbps, 0 for no limit, not {rate}"
            )));
        }
    }
    if let Some(offset) = c.params.opt_int("timeOffset")? {
        if offset < 0 {
            return Err(Failure::invalid(format!(
                "`timeOffset` is in seconds from the start, not {offset}"
            )));
        }
    }
    let response = respond(&c.state, &id, &c.method, &c.headers)
        .await
        .map_err(failure)?;
    Ok(Reply::Raw(response))
}

pub async fn download(c: &Call) -> Result<Reply, Failure> {
    let id = song_id(c).await?;
    let mut response = respond(&c.state, &id, &c.method, &c.headers)
        .await
        .map_err(failure)?;
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    Ok(Reply::Raw(response))
}

pub async fn cover_art(c: &Call) -> Result<Reply, Failure> {
    let id = c.params.required("id")?;
    let size = c.params.opt_int("size")?;
    if let Some(size) = size {
        if size <= 0 {
            return Err(Failure::invalid(format!(
                "`size` is a width in pixels, not {size}"
            )));
        }
    }
    let lib = current(&c.state.app).await?;
    let found = cover(&c.state.app, &lib, id, size).await?;
    Ok(Reply::Raw(crate::routes::covers::answer(
        found,
        &c.headers,
        "private, max-age=86400",
    )))
}
