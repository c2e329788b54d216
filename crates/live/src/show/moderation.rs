//! Mutes, removals and bans: moderators and the creator over people below them.

use super::{moderator_only, not_here, Show};
use crate::event::{Event, EventKind};
use crate::payload::ByUser;
use crate::refusal::Refusal;
use crate::role::Role;

impl Show {
    /// `mute` (`on`) or `unmute`. Muting needs the user present; a mute outlasts their
    /// leaving, so an unmute does not.
    pub(super) fn mute(
        &mut self,
        actor: &str,
        actor_role: Role,
        user: &str,
        on: bool,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        let verb = if on { "mute" } else { "unmute" };
        moderator_only(actor_role, &format!("{verb} people"))?;
        if on && !self.is_present(user) {
            return Err(not_here(user));
        }
        self.outranks(actor, actor_role, user, self.standing(user), verb)?;
        let by = by(user, actor);
        if on {
            if !self.muted.insert(user.to_owned()) {
                return Err(Refusal::conflict(format!("`{user}` is already muted")));
            }
            self.emit(out, EventKind::Muted(by), now);
        } else {
            if !self.muted.remove(user) {
                return Err(Refusal::conflict(format!("`{user}` is not muted")));
            }
            self.emit(out, EventKind::Unmuted(by), now);
        }
        Ok(())
    }

    /// `remove`: the user leaves (the caller closes their connection with 4011) and comes
    /// back, if they do, as a listener.
    pub(super) fn remove(
        &mut self,
        actor: &str,
        actor_role: Role,
        user: &str,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        moderator_only(actor_role, "remove people")?;
        if !self.is_present(user) {
            return Err(not_here(user));
        }
        self.outranks(actor, actor_role, user, self.standing(user), "remove")?;
        self.expel(user, actor, now, out);
        self.emit(out, EventKind::Removed(by(user, actor)), now);
        Ok(())
    }

    /// `ban`: present or not, the user is out for the rest of the show (the caller closes
    /// their connection with 4012) and cannot join again until unbanned.
    pub(super) fn ban(
        &mut self,
        actor: &str,
        actor_role: Role,
        user: &str,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        moderator_only(actor_role, "ban people")?;
        let role = self.standing(user);
        self.outranks(actor, actor_role, user, role, "ban")?;
        if self.banned.contains_key(user) {
            return Err(Refusal::conflict(format!("`{user}` is already banned")));
        }
        self.expel(user, actor, now, out);
        self.banned.insert(user.to_owned(), role);
        self.emit(out, EventKind::Banned(by(user, actor)), now);
        Ok(())
    }

    /// `unban`: by someone above the role the user had when banned. They may join again, as a
    /// listener.
    pub(super) fn unban(
        &mut self,
        actor: &str,
        actor_role: Role,
        user: &str,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        moderator_only(actor_role, "unban people")?;
        let Some(&role) = self.banned.get(user) else {
            return Err(Refusal::conflict(format!("`{user}` is not banned")));
        };
        self.outranks(actor, actor_role, user, role, "unban")?;
        self.banned.remove(user);
        self.emit(out, EventKind::Unbanned(by(user, actor)), now);
        Ok(())
    }

    /// Takes `user` out of the show on `actor`'s word: hand down, gone, role forgotten.
    fn expel(&mut self, user: &str, actor: &str, now: i64, out: &mut Vec<Event>) {
        self.drop_hand(user, Some(actor), now, out);
        self.present.remove(user);
        self.grants.remove(user);
    }

    /// Refuses unless `actor` is above `user`, whose role is `role`.
    fn outranks(
        &self,
        actor: &str,
        actor_role: Role,
        user: &str,
        role: Role,
        verb: &str,
    ) -> Result<(), Refusal> {
        if user == actor {
            return Err(Refusal::forbidden(format!("you cannot {verb} yourself")));
        }
        if actor_role <= role {
            return Err(Refusal::forbidden(format!(
                "you can only {verb} people below you: `{user}` is a {role}"
            )));
        }
        Ok(())
    }
}

fn by(user: &str, actor: &str) -> ByUser {
    ByUser {
        user: user.to_owned(),
        by: actor.to_owned(),
    }
}
