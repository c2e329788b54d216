//! One normalized play, whatever file it came from.
//!
//! A [`Play`] keeps the raw facts of the export (how long it played, why it started and ended,
//! shuffle, skipped, offline, platform, country) so that "what counts as a play" (by default at
//! least 30 s) stays a query parameter and is never decided at import. IP addresses, user
//! agents and user names are dropped on purpose: stats never need them.
use serde::{Deserialize, Serialize};

/// The format a file was recognised as (by its fields, never its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Extended streaming history, 2023+ era (`Streaming_History_Audio_*.json`, `ip_addr`).
    ExtendedAudio,
    /// Extended streaming history, older era (`endsong_*.json`: `username`,
    /// `ip_addr_decrypted`, `user_agent_decrypted`).
    ExtendedLegacy,
    /// Extended streaming history of videos (`Streaming_History_Video_*.json`); its rows have
    /// the audio fields, so the caller says so with [`crate::ReadOptions::video`]; every row is
    /// skipped as `video`.
    ExtendedVideo,
    /// Account data (`StreamingHistory_music_*.json`, podcast files): minute precision, no ids.
    AccountData,
    /// ListenBrainz listen export (JSON lines or a JSON array of listens).
    ListenBrainz,
    /// An empty JSON array: nothing to recognise, nothing to import.
    Empty,
}

impl Format {
    /// A stable name for reports and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::ExtendedAudio => "extended_audio",
            Format::ExtendedLegacy => "extended_legacy",
            Format::ExtendedVideo => "extended_video",
            Format::AccountData => "account_data",
            Format::ListenBrainz => "listenbrainz",
            Format::Empty => "empty",
        }
    }
}

/// What was played. Rows that name nothing (all track, episode and audiobook fields null) are
/// skipped as `no_track` rather than becoming plays of an unknown item, so every [`Play`]
/// names something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    Track {
        name: Option<String>,
        /// The track's first artist (`master_metadata_album_artist_name`).
        artist: Option<String>,
        album: Option<String>,
        /// `spotify:track:<id>`.
        uri: Option<String>,
    },
    Episode {
        name: Option<String>,
        show: Option<String>,
        /// `spotify:episode:<id>`.
        uri: Option<String>,
    },
    Audiobook {
        title: Option<String>,
        chapter_title: Option<String>,
        uri: Option<String>,
        chapter_uri: Option<String>,
    },
}

/// The kind of [`Item`], for counting and filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayKind {
    Track,
    Episode,
    Audiobook,
}

impl Item {
    pub fn kind(&self) -> PlayKind {
        match self {
            Item::Track { .. } => PlayKind::Track,
            Item::Episode { .. } => PlayKind::Episode,
            Item::Audiobook { .. } => PlayKind::Audiobook,
        }
    }

    /// The most specific Spotify URI of the item, if the export gave one.
    pub fn uri(&self) -> Option<&str> {
        match self {
            Item::Track { uri, .. } | Item::Episode { uri, .. } => uri.as_deref(),
            Item::Audiobook {
                uri, chapter_uri, ..
            } => chapter_uri.as_deref().or(uri.as_deref()),
        }
    }

    /// (creator, title): artist and track, show and episode, book and chapter.
    pub fn names(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Item::Track { name, artist, .. } => (artist.as_deref(), name.as_deref()),
            Item::Episode { name, show, .. } => (show.as_deref(), name.as_deref()),
            Item::Audiobook {
                title,
                chapter_title,
                ..
            } => (title.as_deref(), chapter_title.as_deref()),
        }
    }
}

/// One play, normalized. Times are Unix milliseconds, UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Play {
    /// The format of the file the play came from.
    pub source: Format,
    /// When the stream ended (`ts`; Account data `endTime`, minute precision).
    pub ended_at_ms: i64,
    /// `ended_at_ms - ms_played` (DESIGN: start time = `ts - ms_played`). For ListenBrainz,
    /// `listened_at`, which is when the listen started.
    pub started_at_ms: i64,
    pub ms_played: u64,
    /// True when `ms_played` was measured by the player (Spotify formats); false when it is
    /// the track's duration (ListenBrainz `duration_ms`) or unknown (0). A play not measured
    /// is a listen its source vouched for: statistics count it whatever their threshold.
    pub ms_played_measured: bool,
    pub item: Item,
    pub platform: Option<String>,
    /// `conn_country`.
    pub country: Option<String>,
    pub reason_start: Option<String>,
    pub reason_end: Option<String>,
    pub shuffle: Option<bool>,
    /// Always false in Spotify exports between 2015 and 2022 (a known quirk): do not trust a
    /// `false` from that era.
    pub skipped: Option<bool>,
    pub offline: Option<bool>,
    /// `offline_timestamp` in milliseconds (the export mixes seconds and milliseconds; 0 means
    /// none).
    pub offline_timestamp_ms: Option<i64>,
    pub incognito: Option<bool>,
}

impl Play {
    /// A play with only what every format has: when it ended, how long, what. The details that
    /// only Extended streaming history carries are left unknown.
    pub fn bare(
        source: Format,
        ended_at_ms: i64,
        started_at_ms: i64,
        ms_played: u64,
        measured: bool,
        item: Item,
    ) -> Play {
        Play {
            source,
            ended_at_ms,
            started_at_ms,
            ms_played,
            ms_played_measured: measured,
            item,
            platform: None,
            country: None,
            reason_start: None,
            reason_end: None,
            shuffle: None,
            skipped: None,
            offline: None,
            offline_timestamp_ms: None,
            incognito: None,
        }
    }

    pub fn kind(&self) -> PlayKind {
        self.item.kind()
    }
}
