//! Extended streaming history rows (`Streaming_History_Audio_*`, older `endsong_*`).
//!
//! One row is one stream; `ts` is when it ended. Both eras share the fields read here; the
//! older one adds `username`, `ip_addr_decrypted` and `user_agent_decrypted`, which stats never
//! need and which are not kept. Track fields are null for podcasts, audiobooks and unavailable
//! items; a row that names nothing is skipped as `no_track`.
use serde::Deserialize;

use crate::error::SkipReason;
use crate::error::{row_type_error, NotPlay, RowError};
use crate::play::{Format, Item, Play};
use crate::read::ReadOptions;
use crate::values::{
    check_time, duration, offline_ms, owned, parse_instant, Text, EARLIEST_SPOTIFY_MS,
};

/// One row, its strings borrowed from the record's text (see [`Text`]).
#[derive(Deserialize)]
struct Row<'a> {
    #[serde(borrow)]
    ts: Option<Text<'a>>,
    #[serde(borrow)]
    platform: Option<Text<'a>>,
    ms_played: Option<i64>,
    #[serde(borrow)]
    conn_country: Option<Text<'a>>,
    #[serde(borrow)]
    master_metadata_track_name: Option<Text<'a>>,
    #[serde(borrow)]
    master_metadata_album_artist_name: Option<Text<'a>>,
    #[serde(borrow)]
    master_metadata_album_album_name: Option<Text<'a>>,
    #[serde(borrow)]
    spotify_track_uri: Option<Text<'a>>,
    #[serde(borrow)]
    episode_name: Option<Text<'a>>,
    #[serde(borrow)]
    episode_show_name: Option<Text<'a>>,
    #[serde(borrow)]
    spotify_episode_uri: Option<Text<'a>>,
    #[serde(borrow)]
    audiobook_title: Option<Text<'a>>,
    #[serde(borrow)]
    audiobook_uri: Option<Text<'a>>,
    #[serde(borrow)]
    audiobook_chapter_uri: Option<Text<'a>>,
    #[serde(borrow)]
    audiobook_chapter_title: Option<Text<'a>>,
    #[serde(borrow)]
    reason_start: Option<Text<'a>>,
    #[serde(borrow)]
    reason_end: Option<Text<'a>>,
    shuffle: Option<bool>,
    skipped: Option<bool>,
    offline: Option<bool>,
    offline_timestamp: Option<i64>,
    incognito_mode: Option<bool>,
}

/// Converts one raw Extended-history record.
pub(crate) fn convert(raw: &str, format: Format, options: &ReadOptions) -> Result<Play, NotPlay> {
    let row: Row = serde_json::from_str(raw).map_err(row_type_error)?;
    let ts = row.ts.ok_or(RowError::Missing("ts"))?;
    let ended = parse_instant("ts", ts.as_str())?;
    let ended = check_time("ts", ended, EARLIEST_SPOTIFY_MS, options.now_ms)?;
    let ms_played = duration("ms_played", row.ms_played)?;
    if row.incognito_mode == Some(true) {
        return Err(NotPlay::Skip(SkipReason::Incognito));
    }
    let item = item(
        [
            row.master_metadata_track_name,
            row.master_metadata_album_artist_name,
            row.master_metadata_album_album_name,
            row.spotify_track_uri,
        ],
        [
            row.episode_name,
            row.episode_show_name,
            row.spotify_episode_uri,
        ],
        [
            row.audiobook_title,
            row.audiobook_chapter_title,
            row.audiobook_uri,
            row.audiobook_chapter_uri,
        ],
    )
    .ok_or(NotPlay::Skip(SkipReason::NoTrack))?;
    if ms_played == 0 {
        return Err(NotPlay::Skip(SkipReason::ZeroLength));
    }
    Ok(Play {
        source: format,
        ended_at_ms: ended,
        started_at_ms: ended - ms_played as i64,
        ms_played,
        ms_played_measured: true,
        item,
        platform: owned(row.platform),
        country: owned(row.conn_country),
        reason_start: owned(row.reason_start),
        reason_end: owned(row.reason_end),
        shuffle: row.shuffle,
        skipped: row.skipped,
        offline: row.offline,
        offline_timestamp_ms: offline_ms(row.offline_timestamp),
        incognito: row.incognito_mode,
    })
}

/// The first kind whose fields are not all empty: track, then episode, then audiobook.
fn item(
    track: [Option<Text<'_>>; 4],
    episode: [Option<Text<'_>>; 3],
    book: [Option<Text<'_>>; 4],
) -> Option<Item> {
    let [name, artist, album, uri] = track.map(owned);
    if name.is_some() || uri.is_some() {
        return Some(Item::Track {
            name,
            artist,
            album,
            uri,
        });
    }
    let [name, show, uri] = episode.map(owned);
    if name.is_some() || uri.is_some() {
        return Some(Item::Episode { name, show, uri });
    }
    let [title, chapter_title, uri, chapter_uri] = book.map(owned);
    if title.is_some() || uri.is_some() || chapter_uri.is_some() {
        return Some(Item::Audiobook {
            title,
            chapter_title,
            uri,
            chapter_uri,
        });
    }
    None
}
