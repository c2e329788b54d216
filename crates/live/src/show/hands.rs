//! Raised hands: listeners ask to speak, moderators accept (the listener becomes a speaker)
//! or reject. The queue holds present listeners only, each once, in the order raised; every
//! change to it is announced with `hand.raised` or `hand.lowered`.

use super::{moderator_only, Show};
use crate::event::{Event, EventKind};
use crate::refusal::Refusal;
use crate::role::Role;

impl Show {
    pub(super) fn raise_hand(
        &mut self,
        actor: &str,
        role: Role,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        if role != Role::Listener {
            return Err(Refusal::forbidden(format!(
                "only listeners raise a hand to speak; you are a {role} already"
            )));
        }
        if self.hands.iter().any(|h| h == actor) {
            return Err(Refusal::conflict("your hand is already raised"));
        }
        self.hands.push(actor.to_owned());
        let raised = EventKind::HandRaised {
            user: actor.to_owned(),
        };
        self.emit(out, raised, now);
        Ok(())
    }

    pub(super) fn lower_hand(
        &mut self,
        actor: &str,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        if !self.drop_hand(actor, None, now, out) {
            return Err(Refusal::conflict("your hand is not raised"));
        }
        Ok(())
    }

    /// `hand.accept` (`accept`) or `hand.reject`.
    pub(super) fn answer_hand(
        &mut self,
        actor: &str,
        role: Role,
        user: &str,
        accept: bool,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        let verb = if accept { "accept" } else { "reject" };
        moderator_only(role, &format!("{verb} hands"))?;
        if !self.hands.iter().any(|h| h == user) {
            return Err(Refusal::not_found(format!(
                "`{user}` has no hand raised: the hands are in `welcome.hands` and `hand.raised`"
            )));
        }
        self.drop_hand(user, Some(actor), now, out);
        if accept {
            self.grants.insert(user.to_owned(), Role::Speaker);
            let changed = EventKind::RoleChanged {
                user: user.to_owned(),
                role: Role::Speaker,
                by: actor.to_owned(),
            };
            self.emit(out, changed, now);
        }
        Ok(())
    }

    /// Takes `user`'s hand out of the queue, if raised, and says so (`by` someone else, or
    /// by themselves when `None`). Whether it was raised.
    pub(super) fn drop_hand(
        &mut self,
        user: &str,
        by: Option<&str>,
        now: i64,
        out: &mut Vec<Event>,
    ) -> bool {
        let Some(i) = self.hands.iter().position(|h| h == user) else {
            return false;
        };
        self.hands.remove(i);
        let lowered = EventKind::HandLowered {
            user: user.to_owned(),
            by: by.map(str::to_owned),
        };
        self.emit(out, lowered, now);
        true
    }
}
