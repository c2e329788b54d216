//! Who is in the show, and in which role: joining (the role comes from the state), leaving,
//! and `role.set`.

use super::{moderator_only, not_here, Show};
use crate::close::Close;
use crate::event::{Event, EventKind};
use crate::payload::Member;
use crate::refusal::Refusal;
use crate::role::Role;

/// A user's arrival.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Joined {
    /// The role they have: creator, the role they had before leaving, or listener.
    pub role: Role,
    /// They were present already: this is a second connection, which replaces the first
    /// (the caller closes the old one with 4013). Nobody is told.
    pub replaced: bool,
    pub events: Vec<Event>,
}

impl Show {
    /// `user` (authenticated by the caller) arrives at `now_ms`. A banned user is refused
    /// with 4012, anyone once the show ended with 4010. The caller then sends
    /// [`Show::welcome`] to the new connection.
    pub fn join(&mut self, user: &str, now_ms: i64) -> Result<Joined, Close> {
        if self.ended {
            return Err(Close::ShowEnded);
        }
        if self.banned.contains_key(user) {
            return Err(Close::Banned);
        }
        let role = self.standing(user);
        if self.present.contains(user) {
            return Ok(Joined {
                role,
                replaced: true,
                events: Vec::new(),
            });
        }
        self.present.insert(user.to_owned());
        let mut events = Vec::new();
        if self.announces(role) {
            let member = Member {
                user: user.to_owned(),
                role,
            };
            self.emit(&mut events, EventKind::Joined(member), now_ms);
        }
        self.flush_if_due(now_ms, &mut events);
        Ok(Joined {
            role,
            replaced: false,
            events,
        })
    }

    /// `user` leaves at `now_ms`: by `leave`, or when the caller gives up on a dropped
    /// connection (after the resume window, so that a resumed user is not announced as
    /// leaving and coming back). They keep their role for when they return. Nothing happens
    /// if they are not present.
    pub fn leave(&mut self, user: &str, now_ms: i64) -> Vec<Event> {
        let mut out = Vec::new();
        self.depart(user, now_ms, &mut out);
        self.flush_if_due(now_ms, &mut out);
        out
    }

    pub(super) fn depart(&mut self, user: &str, now: i64, out: &mut Vec<Event>) {
        if !self.present.contains(user) {
            return;
        }
        let role = self.standing(user);
        let announce = self.announces(role);
        self.drop_hand(user, None, now, out);
        self.present.remove(user);
        if announce {
            let member = Member {
                user: user.to_owned(),
                role,
            };
            self.emit(out, EventKind::Left(member), now);
        }
    }

    /// Whether someone of `role` arriving or leaving is announced: always, except listeners
    /// when the audience (counting them) is large.
    fn announces(&self, role: Role) -> bool {
        role > Role::Listener || self.present.len() <= self.settings.large_audience
    }

    /// `role.set`: moderators and the creator move people below them among the roles below
    /// their own (so only the creator appoints or dismisses moderators); anyone but the
    /// creator may move themselves down.
    pub(super) fn set_role(
        &mut self,
        actor: &str,
        actor_role: Role,
        user: &str,
        to: Role,
        now: i64,
        out: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        if to == Role::Creator {
            return Err(Refusal::bad_request(
                "a show has one creator: `role` must be moderator, speaker or listener",
            ));
        }
        let from = if user == actor {
            if actor_role == Role::Creator {
                return Err(Refusal::forbidden(
                    "the creator's role cannot change: end the show instead",
                ));
            }
            if to > actor_role {
                return Err(Refusal::forbidden(format!(
                    "you can only move yourself down: you are a {actor_role}"
                )));
            }
            actor_role
        } else {
            moderator_only(actor_role, "change other people's roles")?;
            let from = self.role(user).ok_or_else(|| not_here(user))?;
            if from >= actor_role {
                return Err(Refusal::forbidden(format!(
                    "you can only change the roles of people below you: `{user}` is a {from}"
                )));
            }
            if to >= actor_role {
                return Err(Refusal::forbidden(format!(
                    "only the creator makes moderators; you may make `{user}` a speaker or a listener"
                )));
            }
            from
        };
        if to == from {
            return Err(Refusal::conflict(format!("`{user}` is already a {to}")));
        }
        if to > Role::Listener {
            self.drop_hand(user, Some(actor), now, out);
            self.grants.insert(user.to_owned(), to);
        } else {
            self.grants.remove(user);
        }
        let changed = EventKind::RoleChanged {
            user: user.to_owned(),
            role: to,
            by: actor.to_owned(),
        };
        self.emit(out, changed, now);
        Ok(())
    }
}
