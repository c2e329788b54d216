//! Medley's live shows as a pure state machine: the protocol of `LIVE.md` as types. No I/O,
//! no spawning, no clock: time comes in as Unix milliseconds.
//!
//! Layout: [`limits`] (fixed numbers), [`role`], [`close`] (close codes), [`refusal`] (error
//! codes), [`op`] and [`frame`] (what clients send), [`track`], [`playback`] (the position
//! arithmetic and its transitions), [`payload`] and [`event`] (what the server sends),
//! [`reply`] (`reply` and `pong`).
#![forbid(unsafe_code)]

pub mod close;
pub mod event;
pub mod frame;
pub mod limits;
pub mod op;
pub mod payload;
pub mod playback;
pub mod refusal;
pub mod reply;
pub mod role;
pub mod track;

pub use close::{Close, Reconnect};
pub use event::{Closing, Event, EventKind};
pub use frame::{parse_frame, Frame, FrameError};
pub use limits::*;
pub use op::{Hello, Op, Resume, OPS};
pub use payload::{ByUser, Comment, Member, Participant, ShowState, ShowView, Welcome};
pub use playback::{Control, PlayState, Playback, PlaybackView};
pub use refusal::{ErrorCode, Refusal};
pub use reply::{Pong, PongTimes, Reply};
pub use role::{Role, UserId};
pub use track::{Playlist, Track};
