//! What the server sends to every participant: events, each `{"op", "d", "seq"?, "ts"}`.
//!
//! Reliable events carry `seq` (the show's count, 1, 2, 3… without gaps) and are replayable;
//! ephemeral ones (`audience`, `reaction`) and the per-connection `welcome` and `resumed`
//! carry only `ts`.

use serde::{Deserialize, Serialize};

use crate::close::Close;
use crate::payload::{ByUser, Comment, Member, Welcome};
use crate::playback::PlaybackView;
use crate::role::{Role, UserId};

/// An event's `op` and `d`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "d")]
pub enum EventKind {
    #[serde(rename = "joined")]
    Joined(Member),
    #[serde(rename = "left")]
    Left(Member),
    #[serde(rename = "audience")]
    Audience { count: usize },
    #[serde(rename = "comment")]
    Comment(Comment),
    #[serde(rename = "comment.deleted")]
    CommentDeleted { id: String, by: UserId },
    #[serde(rename = "hand.raised")]
    HandRaised { user: UserId },
    /// `by` (an addition) names the moderator when it was not the user's own doing.
    #[serde(rename = "hand.lowered")]
    HandLowered {
        user: UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<UserId>,
    },
    #[serde(rename = "role.changed")]
    RoleChanged {
        user: UserId,
        role: Role,
        by: UserId,
    },
    #[serde(rename = "muted")]
    Muted(ByUser),
    #[serde(rename = "unmuted")]
    Unmuted(ByUser),
    #[serde(rename = "removed")]
    Removed(ByUser),
    #[serde(rename = "banned")]
    Banned(ByUser),
    #[serde(rename = "unbanned")]
    Unbanned(ByUser),
    #[serde(rename = "playback")]
    Playback(PlaybackView),
    #[serde(rename = "reaction")]
    Reaction { emoji: String, count: u64 },
    /// An addition: a moderator set slow mode (`slow_mode.set`).
    #[serde(rename = "slow_mode.changed")]
    SlowModeChanged { seconds: u32, by: UserId },
    #[serde(rename = "show.ended")]
    ShowEnded {},
    #[serde(rename = "welcome")]
    Welcome(Box<Welcome>),
    #[serde(rename = "resumed")]
    Resumed { session: String, seq: u64 },
}

/// A server frame: `op` and `d`, then `seq` for reliable events, and the server time `ts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    #[serde(flatten)]
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    pub ts: i64,
}

/// A connection an event asks the caller to close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closing<'a> {
    /// This user's connection, if they have one.
    User(&'a str, Close),
    Everyone(Close),
}

impl EventKind {
    /// Whether the event counts in `seq` and is kept for replay.
    pub fn is_reliable(&self) -> bool {
        !matches!(
            self,
            EventKind::Audience { .. }
                | EventKind::Reaction { .. }
                | EventKind::Welcome(_)
                | EventKind::Resumed { .. }
        )
    }
}

impl Event {
    /// An unsequenced event (ephemeral, or for one connection).
    pub fn unsequenced(kind: EventKind, ts: i64) -> Event {
        Event {
            kind,
            seq: None,
            ts,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("events serialise")
    }

    /// Which connections close once this event is sent: the removed or banned user's, or
    /// everyone's when the show ends. The event is sent to them first.
    pub fn closes(&self) -> Option<Closing<'_>> {
        match &self.kind {
            EventKind::Removed(b) => Some(Closing::User(&b.user, Close::Removed)),
            EventKind::Banned(b) => Some(Closing::User(&b.user, Close::Banned)),
            EventKind::ShowEnded {} => Some(Closing::Everyone(Close::ShowEnded)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::playback::PlayState;
    use crate::track::Track;

    fn check(kind: EventKind, seq: Option<u64>, expected: Value) {
        let event = Event {
            kind,
            seq,
            ts: 1_764_633_600_123,
        };
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value, expected);
        let back: Event = serde_json::from_value(value).unwrap();
        assert_eq!(back, event, "an event reads back as itself");
    }

    fn by(user: &str, by: &str) -> ByUser {
        ByUser {
            user: user.into(),
            by: by.into(),
        }
    }

    #[test]
    fn reliable_events_have_livemds_shapes() {
        let ts = 1_764_633_600_123_i64;
        let member = Member {
            user: "u1".into(),
            role: Role::Listener,
        };
        check(
            EventKind::Joined(member.clone()),
            Some(1),
            json!({"op": "joined", "d": {"user": "u1", "role": "listener"}, "seq": 1, "ts": ts}),
        );
        check(
            EventKind::Left(member),
            Some(2),
            json!({"op": "left", "d": {"user": "u1", "role": "listener"}, "seq": 2, "ts": ts}),
        );
        let comment = Comment {
            id: "9".into(),
            user: "u1".into(),
            text: "hi".into(),
            at: 5,
        };
        check(
            EventKind::Comment(comment),
            Some(3),
            json!({"op": "comment", "d": {"id": "9", "user": "u1", "text": "hi", "at": 5}, "seq": 3, "ts": ts}),
        );
        check(
            EventKind::CommentDeleted {
                id: "9".into(),
                by: "m".into(),
            },
            Some(4),
            json!({"op": "comment.deleted", "d": {"id": "9", "by": "m"}, "seq": 4, "ts": ts}),
        );
        check(
            EventKind::HandRaised { user: "u1".into() },
            Some(5),
            json!({"op": "hand.raised", "d": {"user": "u1"}, "seq": 5, "ts": ts}),
        );
        check(
            EventKind::HandLowered {
                user: "u1".into(),
                by: None,
            },
            Some(6),
            json!({"op": "hand.lowered", "d": {"user": "u1"}, "seq": 6, "ts": ts}),
        );
        check(
            EventKind::HandLowered {
                user: "u1".into(),
                by: Some("m".into()),
            },
            Some(7),
            json!({"op": "hand.lowered", "d": {"user": "u1", "by": "m"}, "seq": 7, "ts": ts}),
        );
        check(
            EventKind::RoleChanged {
                user: "u1".into(),
                role: Role::Speaker,
                by: "m".into(),
            },
            Some(8),
            json!({"op": "role.changed", "d": {"user": "u1", "role": "speaker", "by": "m"}, "seq": 8, "ts": ts}),
        );
        let kinds = [
            (EventKind::Muted(by("u1", "m")), "muted"),
            (EventKind::Unmuted(by("u1", "m")), "unmuted"),
            (EventKind::Removed(by("u1", "m")), "removed"),
            (EventKind::Banned(by("u1", "m")), "banned"),
            (EventKind::Unbanned(by("u1", "m")), "unbanned"),
        ];
        for (kind, op) in kinds {
            check(
                kind,
                Some(9),
                json!({"op": op, "d": {"user": "u1", "by": "m"}, "seq": 9, "ts": ts}),
            );
        }
        let track = Track {
            uri: "spotify:track:x".into(),
            name: "N".into(),
            artists: vec!["A".into()],
            duration_ms: 1_000,
            stream_url: None,
            spotify_uri: Some("spotify:track:x".into()),
        };
        let playback = PlaybackView {
            state: PlayState::Playing,
            index: 0,
            track: Some(track),
            position_ms: 0,
            at: ts + 500,
        };
        check(
            EventKind::Playback(playback),
            Some(10),
            json!({"op": "playback", "d": {"state": "playing", "index": 0,
                "track": {"uri": "spotify:track:x", "name": "N", "artists": ["A"],
                    "duration_ms": 1000, "spotify_uri": "spotify:track:x"},
                "position_ms": 0, "at": ts + 500}, "seq": 10, "ts": ts}),
        );
        check(
            EventKind::SlowModeChanged {
                seconds: 5,
                by: "m".into(),
            },
            Some(11),
            json!({"op": "slow_mode.changed", "d": {"seconds": 5, "by": "m"}, "seq": 11, "ts": ts}),
        );
        check(
            EventKind::ShowEnded {},
            Some(12),
            json!({"op": "show.ended", "d": {}, "seq": 12, "ts": ts}),
        );
    }

    #[test]
    fn ephemeral_and_per_connection_events_have_no_seq() {
        let ts = 1_764_633_600_123_i64;
        for (kind, expected) in [
            (
                EventKind::Audience { count: 3 },
                json!({"op": "audience", "d": {"count": 3}, "ts": ts}),
            ),
            (
                EventKind::Reaction {
                    emoji: "🔥".into(),
                    count: 12,
                },
                json!({"op": "reaction", "d": {"emoji": "🔥", "count": 12}, "ts": ts}),
            ),
            (
                EventKind::Resumed {
                    session: "s".into(),
                    seq: 40,
                },
                json!({"op": "resumed", "d": {"session": "s", "seq": 40}, "ts": ts}),
            ),
        ] {
            assert!(!kind.is_reliable());
            check(kind, None, expected);
        }
        assert!(EventKind::ShowEnded {}.is_reliable());
    }

    #[test]
    fn removals_bans_and_the_end_close_connections() {
        let event = |kind| Event {
            kind,
            seq: Some(1),
            ts: 0,
        };
        assert_eq!(
            event(EventKind::Removed(by("u1", "m"))).closes(),
            Some(Closing::User("u1", Close::Removed))
        );
        assert_eq!(
            event(EventKind::Banned(by("u1", "m"))).closes(),
            Some(Closing::User("u1", Close::Banned))
        );
        assert_eq!(
            event(EventKind::ShowEnded {}).closes(),
            Some(Closing::Everyone(Close::ShowEnded))
        );
        assert_eq!(event(EventKind::Muted(by("u1", "m"))).closes(), None);
    }
}
