//! What a show may tune; [`Settings::default`] is the protocol's defaults.

use serde::{Deserialize, Serialize};

use crate::limits::{
    DEFAULT_SLOW_MODE_SECONDS, EPHEMERAL_INTERVAL_MS, LARGE_AUDIENCE, PLAYBACK_LEAD_MS,
    REPLAY_MAX_EVENTS, REPLAY_WINDOW_MS,
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Whether moderators control playback too ("if the show allows"); the creator always does.
    pub moderators_control_playback: bool,
    /// How far ahead of the event a playback change takes effect (`at`).
    pub playback_lead_ms: i64,
    /// Slow mode when the show starts: seconds between two comments of one person.
    pub slow_mode_seconds: u32,
    /// Reactions and audience counts are merged over this interval.
    pub ephemeral_interval_ms: i64,
    /// Above this many present, listeners are counted, not listed or announced.
    pub large_audience: usize,
    /// How long reliable events stay replayable.
    pub replay_window_ms: i64,
    /// How many reliable events at most stay replayable.
    pub replay_max_events: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            moderators_control_playback: false,
            playback_lead_ms: PLAYBACK_LEAD_MS,
            slow_mode_seconds: DEFAULT_SLOW_MODE_SECONDS,
            ephemeral_interval_ms: EPHEMERAL_INTERVAL_MS,
            large_audience: LARGE_AUDIENCE,
            replay_window_ms: REPLAY_WINDOW_MS,
            replay_max_events: REPLAY_MAX_EVENTS,
        }
    }
}
