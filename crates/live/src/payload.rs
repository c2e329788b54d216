//! The `d` of server frames that more than one event shares, and the `welcome` snapshot.

use serde::{Deserialize, Serialize};

use crate::playback::PlaybackView;
use crate::role::{Role, UserId};
use crate::track::Playlist;

/// `joined` and `left`: who, in which role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user: UserId,
    pub role: Role,
}

/// An entry of `welcome.participants` (and `welcome.you`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub user: UserId,
    pub role: Role,
    /// Muted from comments (and from speaking, once there is voice). An addition to LIVE.md.
    pub muted: bool,
}

/// `muted`, `unmuted`, `removed`, `banned`, `unbanned`: who, and which moderator did it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByUser {
    pub user: UserId,
    pub by: UserId,
}

/// A comment, as the `comment` event and `welcome.comments` carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: String,
    pub user: UserId,
    pub text: String,
    /// Server time (Unix ms) the comment was accepted.
    pub at: i64,
}

/// A show's state as the protocol names it. `scheduled` belongs to the REST API: the live
/// state machine exists from the show's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShowState {
    Live,
    Ended,
}

/// `welcome.show`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowView {
    pub id: String,
    pub title: String,
    pub state: ShowState,
    pub creator: UserId,
    pub playlist: Playlist,
    /// Whether moderators control playback too. An addition to LIVE.md.
    pub moderators_control_playback: bool,
}

/// `welcome.d`: the whole state, so that a late joiner needs nothing else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    pub session: String,
    /// The last reliable event's `seq`; the next event the connection receives is `seq + 1`.
    pub seq: u64,
    pub server_time: i64,
    pub you: Participant,
    pub show: ShowView,
    /// The creator, moderators and speakers, then listeners unless the audience is large
    /// (see [`crate::LARGE_AUDIENCE`]); highest role first, then by user id.
    pub participants: Vec<Participant>,
    /// Everyone present.
    pub audience: usize,
    /// Listeners present, listed or not. An addition to LIVE.md.
    pub listeners: usize,
    /// User ids, in the order the hands were raised.
    pub hands: Vec<UserId>,
    pub playback: PlaybackView,
    /// The latest comments, oldest first.
    pub comments: Vec<Comment>,
    /// The minimum seconds between two comments of a listener or speaker. An addition.
    pub slow_mode: u32,
}
