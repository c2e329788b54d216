//! ListenBrainz listens, as its "export listens" gives them: JSON lines (or a JSON array) of
//! `{"listened_at": <unix s>, "track_metadata": {"artist_name", "track_name", "release_name",
//! "additional_info": {"spotify_id"?, "duration_ms"?, "duration"?, …}}, …}`.
//!
//! `listened_at` is when the listen started. ListenBrainz does not say how long it played:
//! `ms_played` is the track's duration when `additional_info` gives one (0 otherwise) and
//! [`Play::ms_played_measured`] is false, so no zero-length skip applies. `additional_info` is
//! free-form, submitted by scrobblers: a duration of the wrong type or out of range counts as
//! unknown rather than rejecting the listen.
use serde::Deserialize;
use serde_json::{Map, Number, Value};

use crate::error::SkipReason;
use crate::error::{row_type_error, NotPlay, RowError};
use crate::play::{Format, Item, Play};
use crate::read::ReadOptions;
use crate::values::{check_time, text, EARLIEST_LISTENBRAINZ_MS, MAX_MS_PLAYED};

#[derive(Deserialize)]
struct Row {
    listened_at: Option<Number>,
    track_metadata: Option<TrackMetadata>,
}

#[derive(Deserialize)]
struct TrackMetadata {
    artist_name: Option<String>,
    track_name: Option<String>,
    release_name: Option<String>,
    additional_info: Option<Map<String, Value>>,
}

/// Converts one raw ListenBrainz listen.
pub(crate) fn convert(raw: &str, options: &ReadOptions) -> Result<Play, NotPlay> {
    let row: Row = serde_json::from_str(raw).map_err(row_type_error)?;
    let at = row.listened_at.ok_or(RowError::Missing("listened_at"))?;
    let seconds = at
        .as_i64()
        .or_else(|| at.as_f64().map(|f| f as i64))
        .ok_or_else(|| RowError::Type(format!("`listened_at` is not a number: {at}")))?;
    let started = check_time(
        "listened_at",
        seconds.saturating_mul(1000),
        EARLIEST_LISTENBRAINZ_MS,
        options.now_ms,
    )?;
    let meta = row
        .track_metadata
        .ok_or(RowError::Missing("track_metadata"))?;
    let info = meta.additional_info.unwrap_or_default();
    let (artist, name) = (text(meta.artist_name), text(meta.track_name));
    if artist.is_none() && name.is_none() {
        return Err(NotPlay::Skip(SkipReason::NoTrack));
    }
    let ms_played = duration_ms(&info);
    let platform = ["media_player", "listening_from", "submission_client"]
        .iter()
        .find_map(|k| info.get(*k).and_then(Value::as_str))
        .map(str::to_owned);
    let item = Item::Track {
        name,
        artist,
        album: text(meta.release_name),
        uri: info
            .get("spotify_id")
            .and_then(Value::as_str)
            .and_then(spotify_track_uri),
    };
    let mut play = Play::bare(
        Format::ListenBrainz,
        started + ms_played as i64,
        started,
        ms_played,
        false,
        item,
    );
    play.platform = text(platform);
    Ok(play)
}

/// `duration_ms`, else `duration` in seconds, else 0.
fn duration_ms(info: &Map<String, Value>) -> u64 {
    let ms = info
        .get("duration_ms")
        .and_then(Value::as_i64)
        .or_else(|| {
            info.get("duration")
                .and_then(Value::as_i64)
                .map(|s| s.saturating_mul(1000))
        })
        .unwrap_or(0);
    if (0..=MAX_MS_PLAYED).contains(&ms) {
        ms as u64
    } else {
        0
    }
}

/// `https://open.spotify.com/track/<id>?si=…` or `spotify:track:<id>` → `spotify:track:<id>`.
pub fn spotify_track_uri(id: &str) -> Option<String> {
    let id = id.trim();
    let bare = if let Some(rest) = id.strip_prefix("spotify:track:") {
        rest
    } else {
        let (_, rest) = id.split_once("open.spotify.com/")?;
        let rest = rest.split(['?', '#']).next()?;
        let mut parts = rest.split('/').filter(|p| !p.is_empty());
        let mut kind = parts.next()?;
        if kind.starts_with("intl-") {
            kind = parts.next()?;
        }
        if kind != "track" {
            return None;
        }
        parts.next()?
    };
    let valid = !bare.is_empty() && bare.chars().all(|c| c.is_ascii_alphanumeric());
    valid.then(|| format!("spotify:track:{bare}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spotify_ids_become_uris() {
        let uri = Some("spotify:track:4uLU6hMCjMI75M1A2tKUQC".to_owned());
        for id in [
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/intl-de/track/4uLU6hMCjMI75M1A2tKUQC?si=abc",
            "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
        ] {
            assert_eq!(spotify_track_uri(id), uri, "{id}");
        }
        assert_eq!(spotify_track_uri("https://open.spotify.com/album/x"), None);
        assert_eq!(spotify_track_uri("nonsense"), None);
    }
}
