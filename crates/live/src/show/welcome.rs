//! What a connection is told on arrival: the whole state (`welcome`), or, on a resume, what
//! it missed (`resumed` and the replayed events).

use super::Show;
use crate::event::{Event, EventKind};
use crate::payload::{Participant, ShowView, Welcome};
use crate::replay::Since;
use crate::role::Role;

impl Show {
    /// `welcome` for `user` on connection `session` at `now_ms`. Participants are listed
    /// highest role first (then by id); listeners only while the audience is not large.
    pub fn welcome(&self, user: &str, session: &str, now_ms: i64) -> Event {
        let participant = |u: &str| Participant {
            user: u.to_owned(),
            role: self.standing(u),
            muted: self.muted.contains(u),
        };
        let list_listeners = self.present.len() <= self.settings.large_audience;
        // In a large audience only the creator and those granted a role are listed, and the
        // listeners are what remains of the audience: the welcome costs the same whatever
        // the audience (walking everyone present for each newcomer made joining 10,000
        // listeners quadratic).
        let (mut participants, listeners): (Vec<Participant>, usize) = if list_listeners {
            let participants: Vec<Participant> =
                self.present.iter().map(|u| participant(u)).collect();
            let listeners = participants
                .iter()
                .filter(|p| p.role == Role::Listener)
                .count();
            (participants, listeners)
        } else {
            let participants: Vec<Participant> = std::iter::once(&self.info.creator)
                .chain(self.grants.keys().filter(|u| **u != self.info.creator))
                .filter(|u| self.present.contains(u.as_str()))
                .map(|u| participant(u))
                .filter(|p| p.role > Role::Listener)
                .collect();
            let listeners = self.present.len() - participants.len();
            (participants, listeners)
        };
        participants.sort_by(|a, b| b.role.cmp(&a.role).then_with(|| a.user.cmp(&b.user)));
        let welcome = Welcome {
            session: session.to_owned(),
            seq: self.seq(),
            server_time: now_ms,
            you: participant(user),
            show: ShowView {
                id: self.info.id.clone(),
                title: self.info.title.clone(),
                state: self.state(),
                creator: self.info.creator.clone(),
                playlist: self.info.playlist.clone(),
                moderators_control_playback: self.settings.moderators_control_playback,
            },
            participants,
            audience: self.present.len(),
            listeners,
            hands: self.hands.clone(),
            playback: self.playback.view(&self.info.playlist.tracks),
            comments: self.comments.iter().cloned().collect(),
            slow_mode: self.slow_mode,
        };
        Event::unsequenced(EventKind::Welcome(Box::new(welcome)), now_ms)
    }

    /// The reliable events after `seq`, if the show still holds them all at `now_ms`.
    pub fn since(&self, seq: u64, now_ms: i64) -> Since {
        self.replay.since(seq, now_ms)
    }

    /// `resumed {session, seq}`, sent before the replayed events; `seq` is the show's latest,
    /// the one the last replayed event carries.
    pub fn resumed(&self, session: &str, now_ms: i64) -> Event {
        let kind = EventKind::Resumed {
            session: session.to_owned(),
            seq: self.seq(),
        };
        Event::unsequenced(kind, now_ms)
    }
}
