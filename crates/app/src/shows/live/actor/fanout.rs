//! How the actor sends: events to every connection in order (and to the persister), ephemeral
//! ones to whoever keeps up, frames and closes to one connection or all. Its own connections
//! are written to by the writer threads of its room (`super::super::writers`), which also
//! find the ones too slow to keep up; the relays' are told through the show's subject.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use medley_live::{Close, Closing, Event, EventKind};

use super::{Actor, Sink};
use crate::shows::live::cluster::Out;
use crate::shows::live::persist::{self, Persist};

impl Actor {
    /// Sends events (see [`Actor::broadcast`]), then closes the connections they name.
    pub(super) fn publish(&mut self, events: Vec<Event>, now: i64) {
        let closings = self.broadcast(events, now);
        self.close_named(closings, now);
    }

    /// Sends events: reliable ones to every connection in order, ephemeral ones to the
    /// connections keeping up; records what is stored. Returns the closes the events ask for (the
    /// user's, or everyone's), for the caller to do once it queued its own reply.
    pub(super) fn broadcast(
        &mut self,
        events: Vec<Event>,
        now: i64,
    ) -> Vec<(Option<String>, Close)> {
        let mut closings = Vec::new();
        if events.is_empty() {
            return closings;
        }
        let mut reactions = Vec::new();
        let mut ephemeral = false;
        let mut audience: Option<Arc<str>> = None;
        for event in &events {
            let Some(seq) = event.seq else {
                ephemeral = true;
                let frame: Arc<str> = event.to_json().into();
                match event.kind {
                    EventKind::Audience { .. } => audience = Some(frame),
                    _ => reactions.push(frame),
                }
                continue;
            };
            let frame: Arc<str> = event.to_json().into();
            if self.owner.is_some() {
                self.out(Out::Event {
                    seq,
                    frame: frame.to_string(),
                });
            }
            self.room.event(frame);
            match event.closes() {
                Some(Closing::User(user, close)) => closings.push((Some(user.to_owned()), close)),
                Some(Closing::Everyone(close)) => {
                    closings.push((None, close));
                    self.ended = true;
                }
                None => {}
            }
        }
        if ephemeral && self.owner.is_some() {
            self.out(Out::Ephemeral {
                reactions: reactions.iter().map(|f| f.to_string()).collect(),
                audience: audience.as_ref().map(|f| f.to_string()),
            });
        }
        if ephemeral {
            self.room.ephemeral(&reactions, audience.as_deref());
        }
        self.audience.store(self.show.audience(), Ordering::Relaxed);
        // Each reliable event is stored as a row (records hold nothing else), ahead of what the
        // owner publishes of it (the persister keeps the order); the state follows within the
        // second. A show taken back folds the rows after its stored state into it
        // (`Show::catch_up`).
        let records = persist::records(&events);
        if !records.is_empty() {
            self.changed(now);
            let _ = self.persist.send(Persist::Write(Box::new(records)));
        }
        closings
    }

    pub(super) fn close_named(&mut self, closings: Vec<(Option<String>, Close)>, now: i64) {
        for (user, close) in closings {
            match user {
                Some(user) => {
                    if close == Close::Removed {
                        self.remember_removed(&user, now);
                    }
                    if let Some(conn) = self.sessions.remove_user(&user) {
                        self.close(conn, close);
                    }
                }
                None => self.close_all(close),
            }
        }
    }

    /// The user's session, removed by a moderator: its resume is refused for the window.
    fn remember_removed(&mut self, user: &str, now: i64) {
        let window = self.resume_window_ms();
        self.removed.retain(|_, at| now - *at <= window);
        if let Some(session) = self.sessions.id_of(user) {
            self.removed.insert(session.to_owned(), now);
        }
    }

    /// Sends a frame to one connection (a reply).
    pub(super) fn send(&mut self, conn: u64, frame: Arc<str>) {
        let remote = match self.conns.get(&conn).map(|c| &c.sink) {
            Some(Sink::Local) => return self.room.one(conn, frame),
            Some(Sink::Remote { node, conn }) => (node.clone(), *conn),
            None => return,
        };
        self.out(Out::Frame {
            node: remote.0,
            conn: remote.1,
            frame: frame.to_string(),
        });
    }

    /// Closes a connection with `close` after the frames queued before it.
    pub(super) fn close(&mut self, conn: u64, close: Close) {
        let Some(c) = self.conns.remove(&conn) else {
            return;
        };
        match c.sink {
            Sink::Local => self.room.close(conn, close),
            Sink::Remote { node, conn } => {
                if let Some(owner) = &mut self.owner {
                    owner.remote.remove(&(node.clone(), conn));
                }
                self.out(Out::Close {
                    node: Some(node),
                    conn: Some(conn),
                    close: close.code(),
                });
            }
        }
    }

    /// Closes every connection; the writer threads and the relays are told once.
    pub(super) fn close_all(&mut self, close: Close) {
        self.conns.clear();
        self.room.close_all(close);
        if let Some(owner) = &mut self.owner {
            owner.remote.clear();
            self.out(Out::Close {
                node: None,
                conn: None,
                close: close.code(),
            });
        }
    }
}
