//! `stream`, `download` and `getCoverArt`: the bytes, with ranges and conditional requests,
//! through the same responder as `GET /v1/tracks/{id}/stream`.
//!
//! `stream` honours `format` (`mp3`, `opus`, `aac`; `raw` is the original), `maxBitRate` (kbps,
//! 0 for no limit: an original above it is transcoded, to MP3 unless `format` says otherwise)
//! and `timeOffset` (seconds: a transcode from there), through the same transcoder as
//! `GET /v1/tracks/{id}/stream?format=`. A server without ffmpeg plays the original instead,
//! as Subsonic servers do. `download` is always the original.

use axum::http::{header, HeaderValue};
use medley_app::library::streams;
use medley_app::subsonic::browse::not_found;
use medley_app::subsonic::covers::cover;
use medley_app::subsonic::library::current;
use medley_audio::{Spec, Target};
use medley_domain::TrackId;

use super::response::{Failure, Reply};
use super::Call;
use crate::error::ApiError;
use crate::routes::stream::{respond, Asked, Listener};

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
async fn song_id(c: &Call) -> Result<TrackId, Failure> {
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
    let spec = transcode_for(c, &id).await?;
    let listener = Listener {
        user_id: &c.user.id,
        playback: None,
    };
    let response = respond(&c.state, &id, asked(c), spec, Some(listener))
        .await
        .map_err(failure)?;
    Ok(Reply::Raw(response))
}

/// The transcode a `stream` call asks for, if any (and if this server can make it).
async fn transcode_for(c: &Call, id: &TrackId) -> Result<Option<Spec>, Failure> {
    let format = c.params.get("format").map(str::trim).unwrap_or_default();
    let max = c.params.opt_int("maxBitRate")?.unwrap_or(0);
    let offset = c.params.opt_int("timeOffset")?.unwrap_or(0);
    if format.eq_ignore_ascii_case("raw") {
        return Ok(None);
    }
    let target = match format {
        "" => None,
        name => Some(Target::parse(name).ok_or_else(|| {
            Failure::invalid(format!(
                "`format` must be `mp3`, `opus`, `aac` or `raw`, not `{name}`"
            ))
        })?),
    };
    let transcoder = &c.state.app.audio.transcoder;
    let wanted = target.unwrap_or(Target::Mp3);
    if transcoder.check(wanted).is_err() {
        return Ok(None);
    }
    let playable = streams::locate(&c.state.app, id)
        .await
        .map_err(|e| failure(e.into()))?;
    let original_kbps = playable.file.bitrate_kbps.unwrap_or(i64::MAX);
    let same_format = target.is_some_and(|t| t.name() == playable.file.format);
    let over_limit = max > 0 && original_kbps > max;
    if offset == 0 && !over_limit && (target.is_none() || same_format) {
        return Ok(None);
    }
    let range = wanted.bitrates();
    let bitrate_kbps = if max > 0 {
        (max.clamp(*range.start() as i64, *range.end() as i64)) as u32
    } else {
        wanted.default_bitrate()
    };
    let offset_ms = offset as u64 * 1000;
    if playable.file.duration_ms > 0 && offset_ms >= playable.file.duration_ms as u64 {
        return Err(Failure::invalid(format!(
            "`timeOffset` {offset} s is past the end of the song ({} s)",
            playable.file.duration_ms / 1000
        )));
    }
    Ok(Some(Spec {
        target: wanted,
        bitrate_kbps,
        offset_ms,
    }))
}

/// The request as the stream's answer needs it.
fn asked(c: &Call) -> Asked<'_> {
    Asked {
        method: &c.method,
        headers: &c.headers,
        zero_copy: c.zero_copy.as_ref(),
    }
}

pub async fn download(c: &Call) -> Result<Reply, Failure> {
    let id = song_id(c).await?;
    let mut response = respond(&c.state, &id, asked(c), None, None)
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
    Ok(Reply::Raw(crate::routes::album_covers::answer(
        found,
        &c.headers,
        "private, max-age=86400",
    )))
}
