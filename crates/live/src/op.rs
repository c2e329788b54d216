//! What clients send: the ops of LIVE.md (and `slow_mode.set`), each with its typed `d`.

use serde::{Deserialize, Serialize};

use crate::role::{Role, UserId};

/// A client op. Serialises as `{"op", "d"}` (adjacently tagged); [`crate::parse_frame`] reads
/// it with errors that say what to fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "d")]
pub enum Op {
    #[serde(rename = "hello")]
    Hello(Hello),
    #[serde(rename = "ping")]
    Ping { t0: i64 },
    #[serde(rename = "comment")]
    Comment { text: String },
    #[serde(rename = "comment.delete")]
    CommentDelete { id: String },
    #[serde(rename = "react")]
    React { emoji: String },
    #[serde(rename = "hand.raise")]
    HandRaise {},
    #[serde(rename = "hand.lower")]
    HandLower {},
    #[serde(rename = "hand.accept")]
    HandAccept { user: UserId },
    #[serde(rename = "hand.reject")]
    HandReject { user: UserId },
    #[serde(rename = "role.set")]
    RoleSet { user: UserId, role: Role },
    #[serde(rename = "mute")]
    Mute { user: UserId },
    #[serde(rename = "unmute")]
    Unmute { user: UserId },
    #[serde(rename = "remove")]
    Remove { user: UserId },
    #[serde(rename = "ban")]
    Ban { user: UserId },
    #[serde(rename = "unban")]
    Unban { user: UserId },
    #[serde(rename = "playback.play")]
    PlaybackPlay {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position_ms: Option<i64>,
    },
    #[serde(rename = "playback.pause")]
    PlaybackPause {},
    #[serde(rename = "playback.next")]
    PlaybackNext {},
    #[serde(rename = "playback.prev")]
    PlaybackPrev {},
    #[serde(rename = "playback.seek")]
    PlaybackSeek { position_ms: i64 },
    /// An addition to LIVE.md: moderators set the seconds between two comments of a person.
    #[serde(rename = "slow_mode.set")]
    SlowModeSet { seconds: u32 },
    #[serde(rename = "show.end")]
    ShowEnd {},
    #[serde(rename = "leave")]
    Leave {},
}

/// `hello.d`. Its `Debug` leaves the token out, so that it never reaches a log.
///
/// A browser signed in by Medley's session cookie cannot read its token (the cookie is
/// HttpOnly): it sends `csrf`, its session's CSRF token, instead, and the server takes the
/// token from the cookie the WebSocket upgrade carried (a Medley addition).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub v: u32,
    #[serde(default)]
    pub token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Resume>,
}

/// `hello.d.resume`: the session dropped and the last `seq` the client saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    pub session: String,
    pub seq: u64,
}

impl std::fmt::Debug for Hello {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hello")
            .field("v", &self.v)
            .field("token", &"<redacted>")
            .field("csrf", &self.csrf.as_ref().map(|_| "<redacted>"))
            .field("resume", &self.resume)
            .finish()
    }
}

/// Every op's name and the shape of its `d`, as error messages show them.
pub const OPS: [(&str, &str); 23] = [
    (
        "hello",
        r#"{"v": 1, "token": "<token>", "resume"?: {"session", "seq"}}"#,
    ),
    ("ping", r#"{"t0": <client Unix ms>}"#),
    ("comment", r#"{"text": "<at most 500 characters>"}"#),
    ("comment.delete", r#"{"id": "<comment id>"}"#),
    ("react", r#"{"emoji": "<one emoji>"}"#),
    ("hand.raise", "{}"),
    ("hand.lower", "{}"),
    ("hand.accept", r#"{"user": "<user id>"}"#),
    ("hand.reject", r#"{"user": "<user id>"}"#),
    (
        "role.set",
        r#"{"user": "<user id>", "role": "moderator" | "speaker" | "listener"}"#,
    ),
    ("mute", r#"{"user": "<user id>"}"#),
    ("unmute", r#"{"user": "<user id>"}"#),
    ("remove", r#"{"user": "<user id>"}"#),
    ("ban", r#"{"user": "<user id>"}"#),
    ("unban", r#"{"user": "<user id>"}"#),
    (
        "playback.play",
        r#"{"index"?: <playlist index>, "position_ms"?: <ms>}"#,
    ),
    ("playback.pause", "{}"),
    ("playback.next", "{}"),
    ("playback.prev", "{}"),
    ("playback.seek", r#"{"position_ms": <ms>}"#),
    ("slow_mode.set", r#"{"seconds": <0 to 3600>}"#),
    ("show.end", "{}"),
    ("leave", "{}"),
];

impl Op {
    /// The op's name on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Hello(_) => "hello",
            Op::Ping { .. } => "ping",
            Op::Comment { .. } => "comment",
            Op::CommentDelete { .. } => "comment.delete",
            Op::React { .. } => "react",
            Op::HandRaise {} => "hand.raise",
            Op::HandLower {} => "hand.lower",
            Op::HandAccept { .. } => "hand.accept",
            Op::HandReject { .. } => "hand.reject",
            Op::RoleSet { .. } => "role.set",
            Op::Mute { .. } => "mute",
            Op::Unmute { .. } => "unmute",
            Op::Remove { .. } => "remove",
            Op::Ban { .. } => "ban",
            Op::Unban { .. } => "unban",
            Op::PlaybackPlay { .. } => "playback.play",
            Op::PlaybackPause {} => "playback.pause",
            Op::PlaybackNext {} => "playback.next",
            Op::PlaybackPrev {} => "playback.prev",
            Op::PlaybackSeek { .. } => "playback.seek",
            Op::SlowModeSet { .. } => "slow_mode.set",
            Op::ShowEnd {} => "show.end",
            Op::Leave {} => "leave",
        }
    }

    /// The shape of the `d` an op takes, or `None` for an unknown op.
    pub fn shape(name: &str) -> Option<&'static str> {
        OPS.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, shape)| *shape)
    }
}
