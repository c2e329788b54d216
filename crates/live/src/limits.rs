//! The protocol's fixed numbers (LIVE.md) and the defaults of what a show may tune.

/// The protocol version this crate speaks (`hello.d.v`).
pub const PROTOCOL_VERSION: u32 = 1;

/// A client frame is at most this many bytes of text.
pub const MAX_FRAME_BYTES: usize = 4 * 1024;

/// A comment is at most this many characters (Unicode scalar values, not bytes).
pub const MAX_COMMENT_CHARS: usize = 500;

/// How many of the latest comments a show holds and a `welcome` carries.
pub const KEEP_COMMENTS: usize = 50;

/// Above this many people present, listeners are counted, not listed: `welcome` names only the
/// creator, moderators and speakers, and listeners' comings and goings show only in `audience`.
pub const LARGE_AUDIENCE: usize = 100;

/// Reliable events stay replayable this long (a dropped client may resume within it).
pub const REPLAY_WINDOW_MS: i64 = 120_000;

/// At most this many reliable events are kept for replay, however young.
pub const REPLAY_MAX_EVENTS: usize = 10_000;

/// How far in the future a `playback` event's `at` lies, so every listener starts together.
pub const PLAYBACK_LEAD_MS: i64 = 500;

/// Reactions (and audience counts) are merged over this interval before they are sent.
pub const EPHEMERAL_INTERVAL_MS: i64 = 250;

/// Slow mode when a show starts: one comment a second per person (LIVE.md's default).
pub const DEFAULT_SLOW_MODE_SECONDS: u32 = 1;

/// The longest slow mode a moderator may set (`slow_mode.set`), in seconds.
pub const MAX_SLOW_MODE_SECONDS: u32 = 3_600;

/// An emoji (`react.d.emoji`) is at most this many characters: enough for joined sequences.
pub const MAX_EMOJI_CHARS: usize = 16;

/// At most this many different emoji are merged per interval; more are dropped (reactions are
/// ephemeral), which bounds what a flood of invented "emoji" can cost.
pub const MAX_PENDING_EMOJI: usize = 32;
