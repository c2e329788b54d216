//! Taking a show back from what was stored: a state written at some `seq`, and the reliable
//! events stored one by one, before and after it.
//!
//! Every reliable event says everything its op changed in the durable state, so
//! [`Show::catch_up`] folds the events after the stored state's `seq` into it and gets the
//! state the show had after the last of them. That is what lets the state be stored at most
//! once a second while each event is stored as it happens (before anyone sees it, with
//! several nodes): a node taking the show over loses no event anyone heard.
//!
//! What events do not carry is not durable, and a show caught up does without it: merged
//! reactions not yet sent, the audience count last sent, and the listeners whose arrival or
//! departure a large audience did not announce (they come back by resuming, through a fresh
//! `welcome` if their session was opened after the stored state).

use super::Show;
use crate::event::{Event, EventKind};
use crate::limits::KEEP_COMMENTS;
use crate::playback::Playback;
use crate::role::Role;

impl Show {
    /// Takes back a show read from its stored state: `events` are the reliable events stored
    /// for it, in `seq` order. Those up to the state's `seq` refill the replay buffer (see
    /// `Replay::restore`); those after it, from `seq + 1` without a gap, are folded into the
    /// state and kept for replay, as if the show had sent them. An event after a gap is not
    /// folded: nothing stored follows a gap (each write is one transaction, in order).
    pub fn catch_up(&mut self, events: Vec<Event>, now_ms: i64) {
        let last = self.seq();
        let (held, later): (Vec<Event>, Vec<Event>) = events
            .into_iter()
            .filter(|e| e.seq.is_some())
            .partition(|e| e.seq <= Some(last));
        self.replay.restore(held, now_ms);
        for event in later {
            if event.seq != Some(self.seq() + 1) {
                break;
            }
            self.redo(&event.kind);
            self.replay.push(event);
        }
        self.replay.prune(now_ms);
    }

    /// Changes the durable state as the op that sent `kind` did. Ephemeral and per-connection
    /// events change nothing.
    fn redo(&mut self, kind: &EventKind) {
        match kind {
            EventKind::Joined(m) => {
                self.present.insert(m.user.clone());
            }
            EventKind::Left(m) => {
                self.present.remove(&m.user);
            }
            EventKind::Comment(c) => {
                self.note_comment_id(&c.id);
                self.authors.insert(c.id.clone(), c.user.clone());
                self.last_comment_at.insert(c.user.clone(), c.at);
                self.comments.push_back(c.clone());
                if self.comments.len() > KEEP_COMMENTS {
                    self.comments.pop_front();
                }
            }
            EventKind::CommentDeleted { id, .. } => {
                self.authors.remove(id);
                self.comments.retain(|c| c.id != *id);
            }
            EventKind::HandRaised { user } => self.hands.push(user.clone()),
            EventKind::HandLowered { user, .. } => self.hands.retain(|h| h != user),
            EventKind::RoleChanged { user, role, .. } => {
                if *role > Role::Listener {
                    self.grants.insert(user.clone(), *role);
                } else {
                    self.grants.remove(user);
                }
            }
            EventKind::Muted(b) => {
                self.muted.insert(b.user.clone());
            }
            EventKind::Unmuted(b) => {
                self.muted.remove(&b.user);
            }
            EventKind::Removed(b) => {
                self.present.remove(&b.user);
                self.grants.remove(&b.user);
            }
            EventKind::Banned(b) => {
                // The role they had when banned, as `ban` keeps it: read before it goes.
                let role = self.standing(&b.user);
                self.present.remove(&b.user);
                self.grants.remove(&b.user);
                self.banned.insert(b.user.clone(), role);
            }
            EventKind::Unbanned(b) => {
                self.banned.remove(&b.user);
            }
            EventKind::Playback(view) => {
                self.playback = Playback {
                    state: view.state,
                    index: view.index,
                    position_ms: view.position_ms,
                    at: view.at,
                };
            }
            EventKind::SlowModeChanged { seconds, .. } => self.slow_mode = *seconds,
            EventKind::ShowEnded {} => {
                self.ended = true;
                self.present.clear();
                self.hands.clear();
                self.reactions.clear();
            }
            EventKind::Audience { .. }
            | EventKind::Reaction { .. }
            | EventKind::Welcome(_)
            | EventKind::Resumed { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::limits::LARGE_AUDIENCE;
    use crate::{Playlist, Settings, Show, ShowInfo};

    fn show(large_audience: usize) -> Show {
        let info = ShowInfo {
            id: "s".into(),
            title: "t".into(),
            creator: "c".into(),
            playlist: Playlist::default(),
        };
        let settings = Settings {
            large_audience,
            ..Settings::default()
        };
        Show::new(info, settings, 0)
    }

    /// The stored form: serde skips the replay buffer's events.
    fn stored(show: &Show) -> Show {
        serde_json::from_str(&serde_json::to_string(show).unwrap()).unwrap()
    }

    #[test]
    fn listeners_a_large_audience_did_not_announce_are_not_caught_up() {
        let mut live = show(1);
        let mut events = live.join("c", 0).unwrap().events;
        let saved = stored(&live);
        events.extend(live.join("quiet", 1).unwrap().events);
        events.extend(live.join("quieter", 2).unwrap().events);
        let mut back = saved;
        back.catch_up(events, 3);
        assert_eq!(back.seq(), live.seq());
        assert!(back.is_present("c"));
        assert!(!back.is_present("quiet") && !back.is_present("quieter"));
    }

    #[test]
    fn events_after_a_gap_are_not_folded() {
        let mut live = show(LARGE_AUDIENCE);
        let saved = stored(&live);
        let mut events = live.join("a", 0).unwrap().events;
        events.extend(live.join("b", 1).unwrap().events);
        events.extend(live.join("d", 2).unwrap().events);
        events.retain(|e| e.seq.is_some() && e.seq != Some(2));
        let mut back = saved;
        back.catch_up(events, 3);
        assert_eq!(back.seq(), 1);
        assert!(back.is_present("a") && !back.is_present("d"));
    }
}
