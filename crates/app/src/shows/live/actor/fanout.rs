//! How the actor sends: events to every connection in order (and to the persister), ephemeral
//! ones to the latest-wins slot, frames and closes to one connection or all, and what it does
//! with a connection too slow to keep up.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use medley_live::{Close, Closing, Event, EventKind};
use tokio::sync::mpsc::error::TrySendError;

use super::{Actor, Sink};
use crate::clock::now_ms;
use crate::shows::live::cluster::Out;
use crate::shows::live::persist::{self, Persist};
use crate::shows::live::queues::{Ephemeral, Outbound};

impl Actor {
    /// Sends events (see [`Actor::broadcast`]), then closes the connections they name.
    pub(super) fn publish(&mut self, events: Vec<Event>, now: i64) {
        let closings = self.broadcast(events, now);
        self.close_named(closings, now);
    }

    /// Sends events: reliable ones to every connection in order, ephemeral ones to the
    /// latest-wins slot; records what is stored. Returns the closes the events ask for (the
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
        let mut audience_changed = false;
        for event in &events {
            let Some(seq) = event.seq else {
                ephemeral = true;
                let frame: Arc<str> = event.to_json().into();
                match event.kind {
                    EventKind::Audience { .. } => {
                        self.ephemeral_version += 1;
                        self.audience_frame = Some((self.ephemeral_version, frame));
                        audience_changed = true;
                    }
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
            self.fan_out(frame, now);
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
            let audience = audience_changed
                .then(|| self.audience_frame.as_ref().map(|(_, f)| f.to_string()))
                .flatten();
            self.out(Out::Ephemeral {
                reactions: reactions.iter().map(|f| f.to_string()).collect(),
                audience,
            });
        }
        if ephemeral {
            self.ephemeral_version += 1;
            self.ephemeral.send_replace(Arc::new(Ephemeral {
                version: self.ephemeral_version,
                reactions,
                audience: self.audience_frame.clone(),
            }));
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

    pub(super) fn fan_out(&mut self, frame: Arc<str>, now: i64) {
        let mut slow = Vec::new();
        for (id, conn) in &self.conns {
            let Sink::Local { queue, .. } = &conn.sink else {
                continue;
            };
            if let Err(TrySendError::Full(_)) = queue.try_send(Outbound::Frame(frame.clone())) {
                slow.push(*id);
            }
        }
        for id in slow {
            self.too_slow(id, now);
        }
    }

    /// A connection whose queue is full: closed with 4009 at once; its user may resume.
    pub(super) fn too_slow(&mut self, conn: u64, now: i64) {
        if let Some(mut c) = self.conns.remove(&conn) {
            if let Sink::Local { too_slow, .. } = &mut c.sink {
                if let Some(signal) = too_slow.take() {
                    let _ = signal.send(());
                }
            }
            self.sessions.dropped(&c.session, now);
        }
    }

    /// Sends a frame to one connection (a reply).
    pub(super) fn send(&mut self, conn: u64, frame: Arc<str>) {
        let remote = match self.conns.get(&conn).map(|c| &c.sink) {
            Some(Sink::Local { queue, .. }) => {
                if let Err(TrySendError::Full(_)) = queue.try_send(Outbound::Frame(frame)) {
                    self.too_slow(conn, now_ms());
                }
                return;
            }
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
        let Some(mut c) = self.conns.remove(&conn) else {
            return;
        };
        match &mut c.sink {
            Sink::Local { queue, too_slow } => {
                if let Err(TrySendError::Full(_)) = queue.try_send(Outbound::Close(close)) {
                    if let Some(signal) = too_slow.take() {
                        let _ = signal.send(());
                    }
                }
            }
            Sink::Remote { node, conn } => {
                let (node, conn) = (node.clone(), *conn);
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

    /// Closes every connection; the relays are told once.
    pub(super) fn close_all(&mut self, close: Close) {
        let conns: Vec<u64> = self.conns.keys().copied().collect();
        for conn in conns {
            if matches!(self.conns[&conn].sink, Sink::Local { .. }) {
                self.close(conn, close);
            } else {
                self.conns.remove(&conn);
            }
        }
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
