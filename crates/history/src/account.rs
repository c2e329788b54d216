//! Account data rows (`StreamingHistory_music_*.json`, `StreamingHistory*.json`, podcast
//! files): `endTime` is `YYYY-MM-DD HH:MM` in UTC, minute precision, and there are no ids.
//! Music rows carry `artistName`/`trackName`; podcast rows `podcastName`/`episodeName`.
//! Such rows overlap Extended history; [`crate::dedup::account_row_matches`] pairs them.
use serde::Deserialize;

use crate::error::SkipReason;
use crate::error::{row_type_error, NotPlay, RowError};
use crate::play::{Format, Item, Play};
use crate::read::ReadOptions;
use crate::values::{check_time, duration, parse_minute, text, EARLIEST_SPOTIFY_MS};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    end_time: Option<String>,
    artist_name: Option<String>,
    track_name: Option<String>,
    podcast_name: Option<String>,
    episode_name: Option<String>,
    ms_played: Option<i64>,
}

/// Converts one raw Account-data record.
pub(crate) fn convert(raw: &str, options: &ReadOptions) -> Result<Play, NotPlay> {
    let row: Row = serde_json::from_str(raw).map_err(row_type_error)?;
    let end = row.end_time.ok_or(RowError::Missing("endTime"))?;
    let ended = parse_minute("endTime", &end)?;
    let ended = check_time("endTime", ended, EARLIEST_SPOTIFY_MS, options.now_ms)?;
    let ms_played = duration("msPlayed", row.ms_played)?;
    let (artist, track) = (text(row.artist_name), text(row.track_name));
    let unknown =
        artist.as_deref() == Some("Unknown Artist") && track.as_deref() == Some("Unknown Track");
    let item = if unknown {
        None
    } else if artist.is_some() || track.is_some() {
        Some(Item::Track {
            name: track,
            artist,
            album: None,
            uri: None,
        })
    } else {
        let (show, name) = (text(row.podcast_name), text(row.episode_name));
        (show.is_some() || name.is_some()).then_some(Item::Episode {
            name,
            show,
            uri: None,
        })
    };
    let item = item.ok_or(NotPlay::Skip(SkipReason::NoTrack))?;
    if ms_played == 0 {
        return Err(NotPlay::Skip(SkipReason::ZeroLength));
    }
    Ok(Play::bare(
        Format::AccountData,
        ended,
        ended - ms_played as i64,
        ms_played,
        true,
        item,
    ))
}
