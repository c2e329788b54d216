//! What the engine reads: tracks, source reads, a composite's configuration.

use medley_domain::TrackId;
use serde::{Deserialize, Serialize};

/// What the engine needs to know of a track: its id, and the facts identity and filters use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    pub id: TrackId,
    pub isrc: Option<String>,
    pub name: String,
    pub artists: Vec<String>,
    pub duration_ms: i64,
    pub explicit: bool,
}

/// One item of a source playlist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceItem {
    pub track: Track,
    /// When it was added to the source, for the "added in the last N days" filter.
    pub added_at_ms: Option<i64>,
}

/// The result of reading a source: all of it, or a failure. A failed or partial read is never
/// "empty": it freezes what the source contributed before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    Complete(Vec<SourceItem>),
    Failed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Include,
    Exclude,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// `medley:playlist:<id>` or, later, `spotify:playlist:<id>`.
    pub uri: String,
    pub mode: Mode,
}

/// What "the same track" means.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// The same catalog track.
    #[default]
    Id,
    /// The same ISRC (tracks without one fall back to their id).
    Isrc,
    /// The same title and first artist (ignoring case, accents and punctuation), and durations
    /// within two seconds.
    Fuzzy,
}

/// Where newcomers go. Items already in the playlist never move.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ordering {
    /// At the end, in source order (first source first).
    #[default]
    Append,
    /// After the item that precedes them in their source, where that item is in the playlist.
    SourceOrder,
    /// At the end, taking one from each source in turn.
    Interleave,
}

/// Filters applied to what sources contribute (never to the owner's own additions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filters {
    /// `Some(false)`: leave explicit tracks out. `Some(true)`: only explicit tracks.
    pub explicit: Option<bool>,
    pub min_duration_ms: Option<i64>,
    pub max_duration_ms: Option<i64>,
    /// Only tracks with one of these artists (names, case-insensitive), when not empty.
    pub artists: Vec<String>,
    /// Never tracks with one of these artists.
    pub exclude_artists: Vec<String>,
    /// Only tracks a source added in the last N days.
    pub added_within_days: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    pub identity: Identity,
    /// Propagate additions only: nothing ever leaves because a source dropped it.
    pub archive: bool,
    /// Most items the composite may hold; what does not fit is reported, not silently dropped.
    pub cap: usize,
    pub filters: Filters,
    pub ordering: Ordering,
    /// Where the composite is written when not to its own Medley playlist:
    /// `spotify:playlist:<id>`, a Spotify playlist the owner's connected account owns or
    /// collaborates on. The Medley playlist then mirrors it.
    pub target: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            identity: Identity::Id,
            archive: false,
            cap: 10_000,
            filters: Filters::default(),
            ordering: Ordering::Append,
            target: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Composite {
    pub sources: Vec<Source>,
    pub options: Options,
}

impl Filters {
    /// Whether a contributed track passes, given when a source last added it.
    pub fn pass(&self, t: &Track, added_at_ms: Option<i64>, now_ms: i64) -> bool {
        let lower = |s: &str| s.to_lowercase();
        if self.explicit.is_some_and(|want| want != t.explicit) {
            return false;
        }
        if self.min_duration_ms.is_some_and(|m| t.duration_ms < m)
            || self.max_duration_ms.is_some_and(|m| t.duration_ms > m)
        {
            return false;
        }
        if !self.artists.is_empty() || !self.exclude_artists.is_empty() {
            let names: Vec<String> = t.artists.iter().map(|a| lower(a)).collect();
            if !self.artists.is_empty() && !self.artists.iter().any(|a| names.contains(&lower(a))) {
                return false;
            }
            if self
                .exclude_artists
                .iter()
                .any(|a| names.contains(&lower(a)))
            {
                return false;
            }
        }
        if let Some(days) = self.added_within_days {
            let horizon = now_ms - days * 86_400_000;
            if added_at_ms.is_none_or(|at| at < horizon) {
                return false;
            }
        }
        true
    }
}
