//! [`Show::apply`]: who sent the op, whether they may, and which rule handles it. The actor's
//! role comes from the show's state, never from the client.

use super::Show;
use crate::event::Event;
use crate::op::Op;
use crate::playback::Control;
use crate::refusal::Refusal;
use crate::role::Role;

impl Show {
    /// Applies a client op from `actor` (a user id the caller authenticated) at server time
    /// `now_ms`. On success, the events to send: reliable ones stamped with `seq`, then any
    /// ephemeral ones due. On refusal, nothing changed.
    ///
    /// `ping` changes nothing and returns no event: the connection answers it with
    /// [`crate::Pong::answer`]. `hello` is the connection's and is refused here.
    pub fn apply(&mut self, actor: &str, op: &Op, now_ms: i64) -> Result<Vec<Event>, Refusal> {
        self.apply_with_id(actor, op, now_ms, None)
    }

    /// As [`Show::apply`], but an accepted `comment` takes `comment_id` (the caller's, e.g. a
    /// stored row's) instead of the next number of the show's own count.
    pub fn apply_with_id(
        &mut self,
        actor: &str,
        op: &Op,
        now_ms: i64,
        comment_id: Option<String>,
    ) -> Result<Vec<Event>, Refusal> {
        let role = self.actor_role(actor)?;
        let now = now_ms;
        let mut out = Vec::new();
        match op {
            Op::Hello(_) => {
                return Err(Refusal::conflict(
                    "this connection already said `hello`: send it once, first",
                ))
            }
            Op::Ping { .. } => {}
            Op::Comment { text } => self.comment(actor, role, text, comment_id, now, &mut out)?,
            Op::CommentDelete { id } => self.delete_comment(actor, role, id, now, &mut out)?,
            Op::React { emoji } => self.react(emoji)?,
            Op::HandRaise {} => self.raise_hand(actor, role, now, &mut out)?,
            Op::HandLower {} => self.lower_hand(actor, now, &mut out)?,
            Op::HandAccept { user } => self.answer_hand(actor, role, user, true, now, &mut out)?,
            Op::HandReject { user } => self.answer_hand(actor, role, user, false, now, &mut out)?,
            Op::RoleSet { user, role: to } => {
                self.set_role(actor, role, user, *to, now, &mut out)?
            }
            Op::Mute { user } => self.mute(actor, role, user, true, now, &mut out)?,
            Op::Unmute { user } => self.mute(actor, role, user, false, now, &mut out)?,
            Op::Remove { user } => self.remove(actor, role, user, now, &mut out)?,
            Op::Ban { user } => self.ban(actor, role, user, now, &mut out)?,
            Op::Unban { user } => self.unban(actor, role, user, now, &mut out)?,
            Op::PlaybackPlay { index, position_ms } => {
                let control = Control::Play {
                    index: *index,
                    position_ms: *position_ms,
                };
                self.control(role, control, now, &mut out)?
            }
            Op::PlaybackPause {} => self.control(role, Control::Pause, now, &mut out)?,
            Op::PlaybackNext {} => self.control(role, Control::Next, now, &mut out)?,
            Op::PlaybackPrev {} => self.control(role, Control::Prev, now, &mut out)?,
            Op::PlaybackSeek { position_ms } => {
                let control = Control::Seek {
                    position_ms: *position_ms,
                };
                self.control(role, control, now, &mut out)?
            }
            Op::SlowModeSet { seconds } => {
                self.set_slow_mode(actor, role, *seconds, now, &mut out)?
            }
            Op::ShowEnd {} => self.end(role, now, &mut out)?,
            Op::Leave {} => self.depart(actor, now, &mut out),
        }
        self.flush_if_due(now, &mut out);
        Ok(out)
    }

    /// The actor's role, if the show is running and they are in it.
    fn actor_role(&self, actor: &str) -> Result<Role, Refusal> {
        if self.ended {
            return Err(Refusal::conflict("the show has ended"));
        }
        self.role(actor).ok_or_else(|| {
            Refusal::unauthorized("you are not in this show: connect and send `hello` first")
        })
    }
}
