//! Streams in another format: `format`, `bitrate` and `offset` checked into a [`Spec`], and the
//! transcode of a playable file made (or found in the cache) by the node's [`Transcoder`].
//!
//! ffmpeg reads a file on this machine directly (seeking to the offset before decoding), this
//! node's copy of a hot object likewise; an object in S3 is piped to it.

use std::time::Duration;

use medley_audio::transcode::{Source, TranscodeError, Transcoded};
use medley_audio::{Location, Spec, Target};

use super::streams::{open, Playable};
use crate::error::{AppError, AppResult};
use crate::App;

/// The longest offset accepted, whatever the track's known duration (24 hours).
const MAX_OFFSET_MS: u64 = 24 * 3_600_000;

/// Checks the `format`, `bitrate` (kbps) and `offset` (seconds, decimals allowed) of a stream
/// request. `None`: no `format`, the original plays (and then neither of the others may be
/// given).
pub fn spec(
    format: Option<&str>,
    bitrate: Option<&str>,
    offset: Option<&str>,
) -> AppResult<Option<Spec>> {
    let Some(format) = format.map(str::trim).filter(|f| !f.is_empty()) else {
        for (name, value) in [("bitrate", bitrate), ("offset", offset)] {
            if value.is_some() {
                return Err(AppError::Invalid(format!(
                    "`{name}` applies to a transcode: add `format=opus`, `mp3` or `aac` (the \
                     original is sent byte for byte; seek in it with a Range header)"
                )));
            }
        }
        return Ok(None);
    };
    let target = Target::parse(format).ok_or_else(|| {
        AppError::Invalid(format!(
            "`format` must be `opus`, `mp3` or `aac` (or absent for the original), not `{format}`"
        ))
    })?;
    let allowed = target.bitrates();
    let bitrate_kbps = match bitrate.map(str::trim) {
        None | Some("") => target.default_bitrate(),
        Some(text) => {
            let kbps: u32 = text.parse().map_err(|_| {
                AppError::Invalid(format!("`bitrate` is a whole number of kbps, not `{text}`"))
            })?;
            if !allowed.contains(&kbps) {
                return Err(AppError::Invalid(format!(
                    "`bitrate` for {} must be between {} and {} kbps, not {kbps}",
                    target.name(),
                    allowed.start(),
                    allowed.end()
                )));
            }
            kbps
        }
    };
    let offset_ms = match offset.map(str::trim) {
        None | Some("") => 0,
        Some(text) => {
            let seconds: f64 = text
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite())
                .ok_or_else(|| {
                    AppError::Invalid(format!(
                        "`offset` is a number of seconds from the start (e.g. 90 or 12.5), \
                         not `{text}`"
                    ))
                })?;
            if seconds < 0.0 {
                return Err(AppError::Invalid(format!(
                    "`offset` counts seconds from the start of the track and cannot be \
                     negative ({text})"
                )));
            }
            let ms = (seconds * 1000.0).round();
            if ms > MAX_OFFSET_MS as f64 {
                return Err(AppError::Invalid(format!(
                    "`offset` of {text} s is past the end of any track"
                )));
            }
            ms as u64
        }
    };
    Ok(Some(Spec {
        target,
        bitrate_kbps,
        offset_ms,
    }))
}

/// The cache key of `spec` of `playable`, which is also its entity tag.
pub fn key(playable: &Playable, spec: &Spec) -> String {
    spec.key(&playable.etag)
}

/// Whether this server can make `target` (501 otherwise, saying why).
pub fn check(app: &App, target: Target) -> AppResult<()> {
    app.audio.transcoder.check(target).map_err(error)
}

/// The transcode `spec` of `playable`: cached, or being made (returned once its first bytes
/// are there). With `whole`, only once complete (for a byte range of it).
pub async fn transcode(
    app: &App,
    playable: &Playable,
    spec: &Spec,
    whole: bool,
) -> AppResult<Transcoded> {
    let duration_ms = playable.file.duration_ms;
    if duration_ms > 0 && spec.offset_ms >= duration_ms as u64 {
        return Err(AppError::Invalid(format!(
            "`offset` {:.3} s is past the end of the track, which lasts {:.3} s",
            spec.offset_ms as f64 / 1000.0,
            duration_ms as f64 / 1000.0
        )));
    }
    let source = || async {
        if let Some(path) = app.audio.storage.local_file(&playable.location) {
            return Ok(Source::File(path));
        }
        if let (Some(hot), Location::Object(key)) = (&app.audio.hot, &playable.location) {
            if let Some(path) = hot.hit(key) {
                return Ok(Source::File(path));
            }
        }
        match open(app, playable, None).await {
            Ok(bytes) => Ok(Source::Stream(bytes)),
            Err(e) => Err(medley_audio::StorageError::Io(std::io::Error::other(
                e.to_string(),
            ))),
        }
    };
    app.audio
        .transcoder
        .transcode(&key(playable, spec), spec, source, whole)
        .await
        .map_err(error)
}

fn error(e: TranscodeError) -> AppError {
    match e {
        TranscodeError::Unavailable(m) => AppError::NotImplemented(m),
        e @ TranscodeError::Busy(_) => AppError::Busy {
            message: e.to_string(),
            retry_after: Duration::from_secs(2),
        },
        e => AppError::internal(e, "transcoding a stream"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(format: Option<&str>, bitrate: Option<&str>, offset: Option<&str>) -> String {
        match spec(format, bitrate, offset) {
            Err(AppError::Invalid(m)) => m,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn good_requests_become_specs_with_defaults() {
        assert_eq!(spec(None, None, None).unwrap(), None);
        let s = spec(Some("opus"), None, None).unwrap().unwrap();
        assert_eq!(
            (s.target, s.bitrate_kbps, s.offset_ms),
            (Target::Opus, 128, 0)
        );
        let s = spec(Some("MP3"), Some("320"), Some("12.5"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.target, s.bitrate_kbps, s.offset_ms),
            (Target::Mp3, 320, 12_500)
        );
    }

    #[test]
    fn bad_requests_say_which_parameter_and_what_is_allowed() {
        assert!(refused(Some("flac"), None, None).contains("`format` must be"));
        assert!(refused(Some("mp3"), Some("999"), None).contains("between 32 and 320"));
        assert!(refused(Some("opus"), Some("12"), None).contains("between 16 and 256"));
        assert!(refused(Some("mp3"), Some("fast"), None).contains("whole number"));
        assert!(refused(Some("aac"), None, Some("-3")).contains("cannot be negative"));
        assert!(refused(Some("aac"), None, Some("NaN")).contains("number of seconds"));
        assert!(refused(Some("aac"), None, Some("1e9")).contains("past the end"));
        assert!(refused(None, Some("128"), None).contains("add `format="));
        assert!(refused(None, None, Some("10")).contains("`offset` applies"));
    }
}
