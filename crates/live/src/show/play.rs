//! Playback ops (the creator's, and moderators' if the show allows) and the show's end.

use super::Show;
use crate::event::{Event, EventKind};
use crate::playback::{Control, Playback};
use crate::refusal::Refusal;
use crate::role::Role;

impl Show {
    pub(super) fn control(
        &mut self,
        role: Role,
        control: Control,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        let allowed = role == Role::Creator
            || (role == Role::Moderator && self.settings.moderators_control_playback);
        if !allowed {
            let who = if self.settings.moderators_control_playback {
                "the creator and moderators"
            } else {
                "the creator"
            };
            return Err(Refusal::forbidden(format!(
                "only {who} control playback; you are a {role}"
            )));
        }
        let tracks = &self.info.playlist.tracks;
        let next = self
            .playback
            .control(control, tracks, now, self.settings.playback_lead_ms)?;
        self.set_playback(next, now, out);
        Ok(())
    }

    /// Moves on when the current track has played to its end by `now`.
    pub(super) fn advance(&mut self, now: i64, out: &mut Vec<Event>) {
        let tracks = &self.info.playlist.tracks;
        if let Some(next) = self
            .playback
            .advance(tracks, now, self.settings.playback_lead_ms)
        {
            self.set_playback(next, now, out);
        }
    }

    fn set_playback(&mut self, next: Playback, now: i64, out: &mut Vec<Event>) {
        self.playback = next;
        let view = next.view(&self.info.playlist.tracks);
        self.emit(out, EventKind::Playback(view), now);
    }

    /// `show.end`: everyone's connection closes with 4010 after `show.ended`; nobody is
    /// present any more and nothing else is accepted.
    pub(super) fn end(
        &mut self,
        role: Role,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        if role != Role::Creator {
            return Err(Refusal::forbidden(format!(
                "only the creator ends the show; you are a {role}"
            )));
        }
        self.finish(now, out);
        Ok(())
    }

    /// Ends the show on the server's word, whoever is present: the creator's REST
    /// `POST /v1/shows/{id}/end` when they are not connected, or an operator. The same events
    /// as `show.end` (everyone closes with 4010); nothing when it has ended already.
    pub fn end_now(&mut self, now_ms: i64) -> Vec<Event> {
        let mut out = Vec::new();
        if !self.ended {
            self.finish(now_ms, &mut out);
        }
        out
    }

    fn finish(&mut self, now: i64, out: &mut Vec<Event>) {
        self.emit(out, EventKind::ShowEnded {}, now);
        self.ended = true;
        self.present.clear();
        self.hands.clear();
        self.reactions.clear();
    }
}
