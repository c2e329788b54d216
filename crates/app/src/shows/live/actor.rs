//! The actor of one live show: a task that alone owns the show's state and its connections'
//! senders, takes commands one at a time from a bounded channel, and wakes for the show's
//! timers (a track's end, merged reactions), the end of resume windows, and storing its
//! state. It never awaits anything but its next command or timer while running: events go
//! to connections with `try_send` (a full queue means a slow connection, closed with 4009),
//! records to the persister through a channel.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use medley_domain::new_id;
use medley_live::{Close, Closing, Event, EventKind, Op, Reply, Resume, Show, Since};
use medley_store::Store;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::connection::{Ephemeral, Outbound, Parts};
use super::persist::{self, Persist};
use super::sessions::{Saved, Sessions};
use super::{Handle, LiveConfig};
use crate::clock::now_ms;

/// What connections and the REST API ask of a show's actor.
pub(crate) enum Command {
    /// A user authenticated by the transport arrives, or resumes.
    Connect {
        user: String,
        resume: Option<Resume>,
        reply: oneshot::Sender<Result<Parts, Close>>,
    },
    /// An op from a connection, as its user.
    Op {
        conn: u64,
        op: Op,
        reference: Option<String>,
    },
    /// A connection closed or dropped.
    Gone { conn: u64 },
    /// End the show now (its creator's REST call); answered once what it recorded is stored.
    End { reply: oneshot::Sender<()> },
    /// The user's account was deleted: they leave at once, and their connection closes with
    /// 4001 (their credentials are gone; no resume).
    Expel { user: String },
}

/// What an actor starts from.
pub(crate) struct Start {
    pub saved: Saved,
    pub store: Arc<dyn Store>,
    pub config: LiveConfig,
    pub registry: Arc<Mutex<HashMap<String, Handle>>>,
    pub stop: CancellationToken,
    pub tasks: TaskTracker,
}

struct Conn {
    user: String,
    session: String,
    queue: mpsc::Sender<Outbound>,
    too_slow: Option<oneshot::Sender<()>>,
}

struct Actor {
    id: String,
    show: Show,
    sessions: Sessions,
    conns: HashMap<u64, Conn>,
    next_conn: u64,
    config: LiveConfig,
    persist: mpsc::UnboundedSender<Persist>,
    ephemeral: watch::Sender<Arc<Ephemeral>>,
    ephemeral_version: u64,
    audience_frame: Option<(u64, Arc<str>)>,
    audience: Arc<AtomicUsize>,
    /// When the state must next be stored, if it changed since it last was.
    snapshot_due: Option<i64>,
    ended: bool,
    waiting_end: Vec<oneshot::Sender<()>>,
}

/// Starts the actor of a show (taken back from `start.saved`) and returns its handle.
pub(crate) fn spawn(start: Start) -> Handle {
    let (commands, rx) = mpsc::channel(1_024);
    let now = now_ms();
    let show = start.saved.show.clone();
    let audience = Arc::new(AtomicUsize::new(show.audience()));
    let handle = Handle {
        commands,
        audience: audience.clone(),
    };
    let id = show.id().to_owned();
    let actor = Actor {
        sessions: Sessions::restored(&start.saved, now),
        persist: persist::spawn(start.store, id.clone(), &start.tasks),
        ephemeral: watch::Sender::new(Arc::default()),
        id,
        show,
        conns: HashMap::new(),
        next_conn: 1,
        config: start.config,
        ephemeral_version: 0,
        audience_frame: None,
        audience,
        snapshot_due: None,
        ended: false,
        waiting_end: Vec::new(),
    };
    start.tasks.spawn(actor.run(rx, start.stop, start.registry));
    handle
}

impl Actor {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Command>,
        stop: CancellationToken,
        registry: Arc<Mutex<HashMap<String, Handle>>>,
    ) {
        // People taken back from stored state are away until they resume: their windows run.
        let mut restarting = false;
        loop {
            let wake = self.next_wake();
            let timer = async move {
                match wake {
                    Some(at) => tokio::time::sleep_until(instant_at(at)).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = stop.cancelled() => {
                    restarting = true;
                    break;
                }
                command = rx.recv() => match command {
                    Some(command) => self.command(command),
                    None => break,
                },
                _ = timer => self.tick(now_ms()),
            }
            if self.ended {
                break;
            }
        }
        if restarting {
            self.close_all(Close::Restarting);
        }
        // Whatever changed since the last snapshot is stored before the actor goes.
        if self.snapshot_due.is_some() || restarting {
            self.store_state(None);
        }
        let (flushed, done) = oneshot::channel();
        let _ = self.persist.send(Persist::Flush(flushed));
        let _ = done.await;
        for waiting in self.waiting_end.drain(..) {
            let _ = waiting.send(());
        }
        drop(rx);
        let mut actors = registry
            .lock()
            .expect("the registry lock is never poisoned");
        if actors.get(&self.id).is_some_and(|h| h.commands.is_closed()) {
            actors.remove(&self.id);
        }
    }

    fn command(&mut self, command: Command) {
        let now = now_ms();
        match command {
            Command::Connect {
                user,
                resume,
                reply,
            } => {
                let outcome = self.connect(user, resume, now);
                if let Err(Ok(parts)) = reply.send(outcome) {
                    // The transport gave up waiting: the connection is gone already.
                    self.gone(parts.conn, now);
                }
            }
            Command::Op {
                conn,
                op,
                reference,
            } => self.op(conn, op, reference, now),
            Command::Gone { conn } => self.gone(conn, now),
            Command::End { reply } => {
                let events = self.show.end_now(now);
                self.publish(events, now);
                self.ended = true;
                self.waiting_end.push(reply);
            }
            Command::Expel { user } => {
                if let Some(conn) = self.sessions.remove_user(&user) {
                    self.close(conn, Close::AuthFailed);
                }
                let events = self.show.leave(&user, now);
                self.publish(events, now);
                self.changed(now);
            }
        }
    }

    fn connect(&mut self, user: String, resume: Option<Resume>, now: i64) -> Result<Parts, Close> {
        if self.show.is_banned(&user) {
            return Err(Close::Banned);
        }
        if let Some(resume) = resume {
            if let Some(parts) = self.resume(&user, &resume, now) {
                return Ok(parts);
            }
        }
        let joined = self.show.join(&user, now)?;
        if let Some(old) = self.sessions.remove_user(&user) {
            self.close(old, Close::Replaced);
        }
        // The arrival is announced to the others before the newcomer's welcome is taken, so
        // the welcome's `seq` already counts it.
        self.publish(joined.events, now);
        let session = new_id();
        let welcome = self.show.welcome(&user, &session, now);
        let parts = self.register(&user, &session, vec![welcome.to_json().into()]);
        self.sessions.insert(session, user, Some(parts.conn));
        self.changed(now);
        Ok(parts)
    }

    /// Takes a session back, if it is the user's, still within its window, and the show
    /// still holds every event after `seq`: `resumed`, then those events. Nobody is told.
    fn resume(&mut self, user: &str, resume: &Resume, now: i64) -> Option<Parts> {
        let window = self.config.resume_window.as_millis() as i64;
        let session = self.sessions.get(&resume.session)?;
        let in_time =
            session.conn.is_some() || session.dropped_at.is_some_and(|t| now - t <= window);
        if session.user != user || !in_time || !self.show.is_present(user) {
            return None;
        }
        let Since::Events(missed) = self.show.since(resume.seq, now) else {
            return None;
        };
        if let Some(old) = session.conn {
            self.close(old, Close::Replaced);
        }
        let mut initial: Vec<Arc<str>> =
            vec![self.show.resumed(&resume.session, now).to_json().into()];
        initial.extend(missed.iter().map(|e| Arc::from(e.to_json())));
        let parts = self.register(user, &resume.session, initial);
        self.sessions.attach(&resume.session, parts.conn);
        Some(parts)
    }

    fn register(&mut self, user: &str, session: &str, initial: Vec<Arc<str>>) -> Parts {
        let (queue, rx) = mpsc::channel(self.config.queue_frames);
        let (too_slow, slow) = oneshot::channel();
        let conn = self.next_conn;
        self.next_conn += 1;
        self.conns.insert(
            conn,
            Conn {
                user: user.to_owned(),
                session: session.to_owned(),
                queue,
                too_slow: Some(too_slow),
            },
        );
        Parts {
            conn,
            initial,
            queue: rx,
            ephemeral: self.ephemeral.subscribe(),
            too_slow: slow,
            longest_track_ms: self
                .show
                .playlist()
                .tracks
                .iter()
                .map(|t| t.duration_ms)
                .max()
                .unwrap_or(0),
        }
    }

    fn op(&mut self, conn: u64, op: Op, reference: Option<String>, now: i64) {
        let Some(user) = self.conns.get(&conn).map(|c| c.user.clone()) else {
            return;
        };
        let outcome = match &op {
            Op::Comment { .. } => self.show.apply_with_id(&user, &op, now, Some(new_id())),
            _ => self.show.apply(&user, &op, now),
        };
        let reply = reference.map(|r| Reply::to(r, &outcome).to_json());
        let left = matches!(op, Op::Leave {}) && outcome.is_ok();
        let closings = match outcome {
            Ok(events) => self.broadcast(events, now),
            Err(_) => Vec::new(),
        };
        if let Some(reply) = reply {
            self.send(conn, Outbound::Frame(reply.into()));
        }
        self.close_named(closings);
        if left {
            self.sessions.remove_user(&user);
            self.close(conn, Close::Normal);
        }
    }

    /// A connection closed or dropped: its session waits for a resume.
    fn gone(&mut self, conn: u64, now: i64) {
        if let Some(c) = self.conns.remove(&conn) {
            self.sessions.dropped(&c.session, now);
        }
    }

    fn tick(&mut self, now: i64) {
        let window = self.config.resume_window.as_millis() as i64;
        let mut events = Vec::new();
        for user in self.sessions.expire(now - window) {
            events.extend(self.show.leave(&user, now));
        }
        events.extend(self.show.tick(now));
        self.publish(events, now);
        if self.snapshot_due.is_some_and(|t| t <= now) {
            self.store_state(None);
        }
    }

    fn next_wake(&self) -> Option<i64> {
        let window = self.config.resume_window.as_millis() as i64;
        let expiry = self.sessions.next_expiry(window).map(|t| t + 1);
        [self.show.next_wake(), expiry, self.snapshot_due]
            .into_iter()
            .flatten()
            .min()
    }

    /// Sends events (see [`Actor::broadcast`]), then closes the connections they name.
    fn publish(&mut self, events: Vec<Event>, now: i64) {
        let closings = self.broadcast(events, now);
        self.close_named(closings);
    }

    /// Sends events: reliable ones to every connection in order, ephemeral ones to the
    /// latest-wins slot; records what is stored. Returns the closes the events ask for (the
    /// user's, or everyone's), for the caller to do once it queued its own reply.
    fn broadcast(&mut self, events: Vec<Event>, now: i64) -> Vec<(Option<String>, Close)> {
        let mut closings = Vec::new();
        if events.is_empty() {
            return closings;
        }
        let mut reactions = Vec::new();
        let mut ephemeral = false;
        for event in &events {
            if event.seq.is_none() {
                ephemeral = true;
                let frame: Arc<str> = event.to_json().into();
                match event.kind {
                    EventKind::Audience { .. } => {
                        self.ephemeral_version += 1;
                        self.audience_frame = Some((self.ephemeral_version, frame));
                    }
                    _ => reactions.push(frame),
                }
                continue;
            }
            self.fan_out(event.to_json().into(), now);
            match event.closes() {
                Some(Closing::User(user, close)) => closings.push((Some(user.to_owned()), close)),
                Some(Closing::Everyone(close)) => {
                    closings.push((None, close));
                    self.ended = true;
                }
                None => {}
            }
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
        let records = persist::records(&events);
        if persist::weighty(&events) {
            self.store_state(Some(records));
        } else {
            if events.iter().any(|e| e.seq.is_some()) {
                self.changed(now);
            }
            if !records.is_empty() {
                let _ = self.persist.send(Persist::Write(records));
            }
        }
        closings
    }

    fn close_named(&mut self, closings: Vec<(Option<String>, Close)>) {
        for (user, close) in closings {
            match user {
                Some(user) => {
                    if let Some(conn) = self.sessions.remove_user(&user) {
                        self.close(conn, close);
                    }
                }
                None => self.close_all(close),
            }
        }
    }

    fn fan_out(&mut self, frame: Arc<str>, now: i64) {
        let mut slow = Vec::new();
        for (id, conn) in &self.conns {
            if let Err(TrySendError::Full(_)) = conn.queue.try_send(Outbound::Frame(frame.clone()))
            {
                slow.push(*id);
            }
        }
        for id in slow {
            self.too_slow(id, now);
        }
    }

    /// A connection whose queue is full: closed with 4009 at once; its user may resume.
    fn too_slow(&mut self, conn: u64, now: i64) {
        if let Some(mut c) = self.conns.remove(&conn) {
            if let Some(signal) = c.too_slow.take() {
                let _ = signal.send(());
            }
            self.sessions.dropped(&c.session, now);
        }
    }

    fn send(&mut self, conn: u64, out: Outbound) {
        let full = match self.conns.get(&conn) {
            Some(c) => matches!(c.queue.try_send(out), Err(TrySendError::Full(_))),
            None => false,
        };
        if full {
            self.too_slow(conn, now_ms());
        }
    }

    /// Closes a connection with `close` after the frames queued before it.
    fn close(&mut self, conn: u64, close: Close) {
        if let Some(mut c) = self.conns.remove(&conn) {
            if let Err(TrySendError::Full(_)) = c.queue.try_send(Outbound::Close(close)) {
                if let Some(signal) = c.too_slow.take() {
                    let _ = signal.send(());
                }
            }
        }
    }

    fn close_all(&mut self, close: Close) {
        let conns: Vec<u64> = self.conns.keys().copied().collect();
        for conn in conns {
            self.close(conn, close);
        }
    }

    /// The state changed: store it within `snapshot_every`.
    fn changed(&mut self, now: i64) {
        if self.snapshot_due.is_none() {
            self.snapshot_due = Some(now + self.config.snapshot_every.as_millis() as i64);
        }
    }

    /// Stores the state now, with `records` in the same transaction.
    fn store_state(&mut self, records: Option<medley_store::LiveWrite>) {
        let saved = Saved {
            show: self.show.clone(),
            sessions: self.sessions.saved(),
        };
        let mut write = records.unwrap_or_default();
        write.snapshot = Some(saved.to_state());
        let _ = self.persist.send(Persist::Write(write));
        self.snapshot_due = None;
    }
}

/// The tokio instant of a Unix-millisecond time (now, if it has passed).
fn instant_at(at_ms: i64) -> Instant {
    Instant::now() + Duration::from_millis((at_ms - now_ms()).max(0) as u64)
}
