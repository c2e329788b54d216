//! Comments: who may write (anyone not muted), how often (slow mode), who may delete (the
//! author, moderators and the creator), and the latest [`KEEP_COMMENTS`] kept for `welcome`.

use super::{moderator_only, Show};
use crate::event::{Event, EventKind};
use crate::limits::{
    DEFAULT_SLOW_MODE_SECONDS, KEEP_COMMENTS, MAX_COMMENT_CHARS, MAX_SLOW_MODE_SECONDS,
};
use crate::payload::Comment;
use crate::refusal::Refusal;
use crate::role::Role;

impl Show {
    pub(super) fn comment(
        &mut self,
        actor: &str,
        role: Role,
        text: &str,
        id: Option<String>,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        if self.muted.contains(actor) {
            return Err(Refusal::forbidden(
                "you are muted in this show: a moderator can unmute you",
            ));
        }
        if text.trim().is_empty() {
            return Err(Refusal::bad_request(
                "`text` is empty: write something to comment",
            ));
        }
        let chars = text.chars().count();
        if chars > MAX_COMMENT_CHARS {
            return Err(Refusal::bad_request(format!(
                "`text` is {chars} characters; comments are at most {MAX_COMMENT_CHARS}"
            )));
        }
        let interval_ms = i64::from(self.comment_interval(role)) * 1_000;
        if let Some(&last) = self.last_comment_at.get(actor) {
            let wait_ms = last + interval_ms - now;
            if wait_ms > 0 {
                return Err(Refusal::rate_limited(format!(
                    "slow mode allows one comment every {} s: try again in {:.1} s",
                    interval_ms / 1_000,
                    wait_ms as f64 / 1_000.0
                )));
            }
        }
        let id = match id {
            Some(id) if self.authors.contains_key(&id) => {
                return Err(Refusal::conflict(format!("comment id `{id}` is taken")))
            }
            Some(id) => id,
            None => self.next_comment_id(),
        };
        let comment = Comment {
            id: id.clone(),
            user: actor.to_owned(),
            text: text.to_owned(),
            at: now,
        };
        self.note_comment_id(&id);
        self.authors.insert(id, actor.to_owned());
        self.last_comment_at.insert(actor.to_owned(), now);
        self.comments.push_back(comment.clone());
        if self.comments.len() > KEEP_COMMENTS {
            self.comments.pop_front();
        }
        self.emit(out, EventKind::Comment(comment), now);
        Ok(())
    }

    pub(super) fn delete_comment(
        &mut self,
        actor: &str,
        role: Role,
        id: &str,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        let Some(author) = self.authors.get(id) else {
            return Err(Refusal::not_found(format!(
                "there is no comment `{id}` in this show (it may be deleted already)"
            )));
        };
        if author != actor && !role.moderates() {
            return Err(Refusal::forbidden(
                "you can only delete your own comments; moderators delete others'",
            ));
        }
        self.authors.remove(id);
        self.comments.retain(|c| c.id != id);
        let deleted = EventKind::CommentDeleted {
            id: id.to_owned(),
            by: actor.to_owned(),
        };
        self.emit(out, deleted, now);
        Ok(())
    }

    /// `slow_mode.set` (an addition to LIVE.md).
    pub(super) fn set_slow_mode(
        &mut self,
        actor: &str,
        role: Role,
        seconds: u32,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        moderator_only(role, "set slow mode")?;
        if seconds > MAX_SLOW_MODE_SECONDS {
            return Err(Refusal::bad_request(format!(
                "`seconds` is {seconds}; slow mode is 0 (off) to {MAX_SLOW_MODE_SECONDS} seconds"
            )));
        }
        if seconds == self.slow_mode {
            return Err(Refusal::conflict(format!(
                "slow mode is {seconds} s already"
            )));
        }
        self.slow_mode = seconds;
        let changed = EventKind::SlowModeChanged {
            seconds,
            by: actor.to_owned(),
        };
        self.emit(out, changed, now);
        Ok(())
    }

    /// Seconds between two comments of someone in `role`. Slow mode holds back listeners and
    /// speakers; moderators and the creator are never held back more than the default.
    fn comment_interval(&self, role: Role) -> u32 {
        if role.moderates() {
            self.slow_mode.min(DEFAULT_SLOW_MODE_SECONDS)
        } else {
            self.slow_mode
        }
    }

    /// Moves the show's own count past a numeric id taken (by the count or by a caller), so
    /// that the count can be told from the comments alone (see `redo`).
    pub(super) fn note_comment_id(&mut self, id: &str) {
        if let Ok(n) = id.parse::<u64>() {
            if n >= self.next_comment {
                self.next_comment = n.saturating_add(1);
            }
        }
    }

    /// The next number of the show's own count not taken by a caller's id.
    fn next_comment_id(&mut self) -> String {
        loop {
            let id = self.next_comment.to_string();
            self.next_comment += 1;
            if !self.authors.contains_key(&id) {
                return id;
            }
        }
    }
}
