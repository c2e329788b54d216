//! Listening statistics as pure code: no I/O, no clock, no database.
//!
//! The server keeps each user's history in memory as a [`History`] (sorted struct-of-arrays,
//! about 25 bytes a listen) and answers every question by scanning the window it asks
//! about, so any window, time zone and threshold is as fast as any other: no pre-computed
//! rollups to keep in sync, nothing decided at import time.
//!
//! Layout: [`history`] (the data), [`query`] (window, time zone, what counts as a play),
//! [`clock`] (local time from a zone's offset segments), [`totals`], [`rank`] (top, skip
//! rates, comparison, forgotten favourites), [`calendar`] (timeline, heatmap, streaks,
//! discoveries).
#![forbid(unsafe_code)]

pub mod calendar;
pub mod clock;
pub mod history;
pub mod query;
pub mod rank;
pub mod totals;

pub use calendar::{
    discoveries, heatmap, streaks, timeline, Bucket, Discoveries, Heatmap, Point, Run, Streaks,
};
pub use history::{History, Kind, Listen, NONE};
pub use query::{check_limit, By, Entity, Query, StatsError, DEFAULT_MIN_MS};
pub use rank::{
    compare, forgotten, skips, top, Comparison, Forgotten, Ranked, SkipRate, Skips, Top,
};
pub use totals::{totals, Totals};
