//! What the show does as time passes, and the ephemeral events: reactions merged per
//! interval, audience counts sent when they changed.
//!
//! Nothing here reads a clock. The caller wakes the show at [`Show::next_wake`] and calls
//! [`Show::tick`]; ops and joins also send what is due. A reaction after a quiet interval
//! goes out at once; reactions that follow within the interval are merged into one
//! `reaction {emoji, count}` per emoji.

use super::Show;
use crate::event::{Event, EventKind};
use crate::limits::{MAX_EMOJI_CHARS, MAX_PENDING_EMOJI};
use crate::refusal::Refusal;

impl Show {
    /// What time brings by `now_ms`: the next track when one ends, and ephemeral events due.
    /// Also forgets replayable events older than the replay window.
    pub fn tick(&mut self, now_ms: i64) -> Vec<Event> {
        let mut out = Vec::new();
        if self.ended {
            return out;
        }
        self.advance(now_ms, &mut out);
        self.replay.prune(now_ms);
        self.flush_if_due(now_ms, &mut out);
        out
    }

    /// When [`Show::tick`] next has something to do, if ever: the current track's end, or
    /// the end of the interval holding back ephemeral events. A time already past means now.
    pub fn next_wake(&self) -> Option<i64> {
        if self.ended {
            return None;
        }
        let track_end = self
            .info
            .playlist
            .tracks
            .get(self.playback.index)
            .and_then(|t| self.playback.ends_at(t.duration_ms));
        let flush = self.has_ephemeral().then(|| {
            self.flushed_at
                .map_or(i64::MIN, |t| t + self.settings.ephemeral_interval_ms)
        });
        track_end.into_iter().chain(flush).min()
    }

    pub(super) fn react(&mut self, emoji: &str) -> Result<(), Refusal> {
        let chars = emoji.chars().count();
        if chars == 0 || chars > MAX_EMOJI_CHARS || emoji.chars().any(char::is_whitespace) {
            return Err(Refusal::bad_request(format!(
                "`emoji` must be one emoji: 1 to {MAX_EMOJI_CHARS} characters, no spaces"
            )));
        }
        if let Some((_, count)) = self.reactions.iter_mut().find(|(e, _)| e == emoji) {
            *count += 1;
        } else if self.reactions.len() < MAX_PENDING_EMOJI {
            self.reactions.push((emoji.to_owned(), 1));
        }
        Ok(())
    }

    /// Adds the merged reactions and the audience count to `out` if the interval since the
    /// last time has passed.
    pub(super) fn flush_if_due(&mut self, now: i64, out: &mut Vec<Event>) {
        let due = self
            .flushed_at
            .is_none_or(|t| now >= t + self.settings.ephemeral_interval_ms);
        if !due || !self.has_ephemeral() {
            return;
        }
        for (emoji, count) in self.reactions.drain(..) {
            out.push(Event::unsequenced(
                EventKind::Reaction { emoji, count },
                now,
            ));
        }
        if self.present.len() != self.audience_sent {
            self.audience_sent = self.present.len();
            let count = self.audience_sent;
            out.push(Event::unsequenced(EventKind::Audience { count }, now));
        }
        self.flushed_at = Some(now);
    }

    fn has_ephemeral(&self) -> bool {
        !self.reactions.is_empty() || self.present.len() != self.audience_sent
    }
}
