//! Medley's live shows as a pure state machine: the protocol of `LIVE.md` as types, and the
//! rules of a show (roles, hands, comments, moderation, playback, replay) as code that does
//! no I/O, spawns nothing and reads no clock. Time comes in as Unix milliseconds.
//!
//! One actor per show (elsewhere) owns a [`Show`]: it parses each client frame with
//! [`parse_frame`], applies the op with [`Show::apply`] as the user it authenticated, sends
//! the returned events to every participant and a [`Reply`] to the sender, closes the
//! connections an event names ([`Event::closes`]), and calls [`Show::tick`] at
//! [`Show::next_wake`].
//!
//! Layout:
//! - protocol: [`limits`] (fixed numbers), [`role`], [`close`] (close codes), [`refusal`]
//!   (error codes), [`op`] and [`frame`] (what clients send), [`track`], [`playback`]
//!   (the position arithmetic and its transitions), [`payload`] and [`event`] (what the
//!   server sends), [`reply`] (`reply` and `pong`);
//! - state: [`settings`], [`replay`] (the replay buffer), [`show`] (the state and every
//!   rule, one file per area).
#![forbid(unsafe_code)]

pub mod close;
pub mod event;
pub mod frame;
pub mod limits;
pub mod op;
pub mod payload;
pub mod playback;
pub mod refusal;
pub mod replay;
pub mod reply;
pub mod role;
pub mod settings;
pub mod show;
pub mod track;

pub use close::{Close, Reconnect};
pub use event::{Closing, Event, EventKind};
pub use frame::{parse_frame, Frame, FrameError};
pub use limits::*;
pub use op::{Hello, Op, Resume, OPS};
pub use payload::{ByUser, Comment, Member, Participant, ShowState, ShowView, Welcome};
pub use playback::{Control, PlayState, Playback, PlaybackView};
pub use refusal::{ErrorCode, Refusal};
pub use replay::{Replay, Since};
pub use reply::{Pong, PongTimes, Reply};
pub use role::{Role, UserId};
pub use settings::Settings;
pub use show::{Joined, Show, ShowInfo};
pub use track::{Playlist, Track};
