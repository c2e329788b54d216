//! What a question is asked about: a window, a time zone, and what counts as a play.

use chrono_tz::Tz;
use serde::Serialize;
use thiserror::Error;

use crate::history::{History, Kind};

/// Plays shorter than this do not count by default (Spotify counts a stream from 30 s).
pub const DEFAULT_MIN_MS: u32 = 30_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Query {
    /// Start of the window (inclusive), on the listens' start times, Unix ms.
    pub from_ms: i64,
    /// End of the window (exclusive).
    pub to_ms: i64,
    /// The user's time zone: days, weeks, hours are local to it.
    pub tz: Tz,
    /// A listen counts as a play only from this many ms played, unless it is a confirmed
    /// listen ([`crate::Listen::confirmed`]), whose time was not measured.
    pub min_ms: u32,
    /// Whether podcast episodes and audiobook chapters count (tracks always do).
    pub podcasts: bool,
}

impl Query {
    /// All time, UTC, defaults.
    pub fn all_time() -> Query {
        Query {
            from_ms: i64::MIN / 2,
            to_ms: i64::MAX / 2,
            tz: Tz::UTC,
            min_ms: DEFAULT_MIN_MS,
            podcasts: false,
        }
    }

    pub fn validate(&self) -> Result<(), StatsError> {
        if self.from_ms >= self.to_ms {
            return Err(StatsError::EmptyWindow);
        }
        Ok(())
    }

    /// Whether listen `i` passes the kind filter.
    pub(crate) fn kind_counts(&self, h: &History, i: usize) -> bool {
        self.podcasts || h.kind(i) == Kind::Track
    }

    /// Whether listen `i` counts as a play: played long enough, or confirmed by its source.
    pub(crate) fn counts(&self, h: &History, i: usize) -> bool {
        (h.ms[i] >= self.min_ms || h.confirmed(i)) && self.kind_counts(h, i)
    }
}

/// Which entity a ranking is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// Tracks (and episodes when podcasts count).
    Track,
    /// Artists (and shows).
    Artist,
    Album,
}

impl Entity {
    pub(crate) fn values(self, h: &History) -> &[u32] {
        match self {
            Entity::Track => &h.item,
            Entity::Artist => &h.artist,
            Entity::Album => &h.album,
        }
    }

    pub(crate) fn bound(self, h: &History) -> usize {
        h.bounds[self as usize]
    }
}

/// What a ranking orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    Plays,
    Time,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StatsError {
    #[error("the window is empty: `from` must be before `to`")]
    EmptyWindow,
    #[error("`limit` must be between 1 and {max}")]
    Limit { max: usize },
}

/// Checks a page size.
pub fn check_limit(limit: usize, max: usize) -> Result<(), StatsError> {
    if limit == 0 || limit > max {
        return Err(StatsError::Limit { max });
    }
    Ok(())
}
