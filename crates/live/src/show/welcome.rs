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
        let mut participants: Vec<Participant> = self
            .present
            .iter()
            .map(|u| participant(u))
            .filter(|p| list_listeners || p.role > Role::Listener)
            .collect();
        participants.sort_by(|a, b| b.role.cmp(&a.role).then_with(|| a.user.cmp(&b.user)));
        let listeners = self
            .present
            .iter()
            .filter(|u| self.standing(u) == Role::Listener)
            .count();
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
