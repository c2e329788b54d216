//! A client's picture of a show, kept from one `welcome` and the reliable events after it,
//! the way the web page will keep it. If the events say everything that changed, the
//! picture equals a fresh `welcome` at every step.

use std::collections::{BTreeMap, BTreeSet};

use medley_live::{
    Comment, Event, EventKind, PlaybackView, Role, ShowState, Welcome, KEEP_COMMENTS,
};

#[derive(Debug, PartialEq, Eq)]
pub struct Mirror {
    pub seq: u64,
    pub state: ShowState,
    pub participants: BTreeMap<String, Role>,
    pub muted: BTreeSet<String>,
    pub hands: Vec<String>,
    pub comments: Vec<Comment>,
    pub playback: PlaybackView,
    pub slow_mode: u32,
}

impl Mirror {
    pub fn from_welcome(w: &Welcome) -> Mirror {
        Mirror {
            seq: w.seq,
            state: w.show.state,
            participants: w
                .participants
                .iter()
                .map(|p| (p.user.clone(), p.role))
                .collect(),
            muted: w
                .participants
                .iter()
                .filter(|p| p.muted)
                .map(|p| p.user.clone())
                .collect(),
            hands: w.hands.clone(),
            comments: w.comments.clone(),
            playback: w.playback.clone(),
            slow_mode: w.slow_mode,
        }
    }

    /// The mirror's mutes narrowed to the people present, as a welcome lists them.
    pub fn visible(&self) -> Mirror {
        Mirror {
            seq: self.seq,
            state: self.state,
            participants: self.participants.clone(),
            muted: self
                .muted
                .iter()
                .filter(|u| self.participants.contains_key(*u))
                .cloned()
                .collect(),
            hands: self.hands.clone(),
            comments: self.comments.clone(),
            playback: self.playback.clone(),
            slow_mode: self.slow_mode,
        }
    }

    pub fn apply(&mut self, event: &Event) {
        let Some(seq) = event.seq else {
            return;
        };
        assert_eq!(seq, self.seq + 1, "events arrive in seq order without gaps");
        self.seq = seq;
        match &event.kind {
            EventKind::Joined(m) => {
                self.participants.insert(m.user.clone(), m.role);
            }
            EventKind::Left(m) => {
                self.participants.remove(&m.user);
            }
            EventKind::Removed(b) | EventKind::Banned(b) => {
                self.participants.remove(&b.user);
            }
            EventKind::Unbanned(_) => {}
            EventKind::RoleChanged { user, role, .. } => {
                self.participants.insert(user.clone(), *role);
            }
            EventKind::Muted(b) => {
                self.muted.insert(b.user.clone());
            }
            EventKind::Unmuted(b) => {
                self.muted.remove(&b.user);
            }
            EventKind::HandRaised { user } => self.hands.push(user.clone()),
            EventKind::HandLowered { user, .. } => self.hands.retain(|h| h != user),
            EventKind::Comment(c) => {
                self.comments.push(c.clone());
                if self.comments.len() > KEEP_COMMENTS {
                    self.comments.remove(0);
                }
            }
            EventKind::CommentDeleted { id, .. } => self.comments.retain(|c| &c.id != id),
            EventKind::Playback(p) => self.playback = p.clone(),
            EventKind::SlowModeChanged { seconds, .. } => self.slow_mode = *seconds,
            EventKind::ShowEnded {} => {
                self.state = ShowState::Ended;
                self.participants.clear();
                self.hands.clear();
            }
            other => panic!("{other:?} is not a reliable event"),
        }
    }
}
