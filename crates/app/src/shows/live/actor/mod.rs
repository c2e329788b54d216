//! The actor of one live show: a task that alone owns the show's state and its connections'
//! senders, takes commands one at a time from a bounded channel, and wakes for the show's
//! timers (a track's end, merged reactions), the end of resume windows, and storing its
//! state. It never awaits anything but its next command or timer while running: events go
//! to connections with `try_send` (a full queue means a slow connection, closed with 4009),
//! records to the persister through a channel.
//!
//! With several nodes (see [`super::cluster`]) the actor runs on the show's owner only, and
//! its connections are remote: each is a connection of some node's relay, reached through
//! the show's outgoing subject, to which the actor hands what it would have queued (through
//! the persister, so that nothing is published before it is stored).

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

use super::cluster::{ClusterLink, In, Out, OutMessage};
use super::connection::{Ephemeral, Outbound, Parts};
use super::persist::{self, Persist, Publisher};
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
    /// From another node's relay (several nodes).
    Remote(In),
    /// The owner renewed its lease: tell the relays it is alive.
    Beat,
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
    /// With several nodes: this node holds the show's lease; the actor hears the relays
    /// through `inbox`.
    pub owner: Option<(ClusterLink, async_nats::Subscriber)>,
}

struct Conn {
    user: String,
    session: String,
    sink: Sink,
}

/// Where a connection's frames go.
enum Sink {
    /// A connection of this process.
    Local {
        queue: mpsc::Sender<Outbound>,
        too_slow: Option<oneshot::Sender<()>>,
    },
    /// A connection of a relay: `conn` of `node`.
    Remote { node: String, conn: u64 },
}

/// Who is joining.
enum Joiner {
    Local,
    Remote { node: String, conn: u64 },
}

/// The owner's side of a show (several nodes).
struct Owner {
    link: ClusterLink,
    /// This actor's run of the show, named in everything it publishes.
    epoch: String,
    /// Messages to publish once what the current command stored is stored.
    pending: Vec<bytes::Bytes>,
    /// (node, its connection) → the actor's connection.
    remote: HashMap<(String, u64), u64>,
    /// Set when the lease was lost: another node runs the show now.
    lost: CancellationToken,
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
    owner: Option<Owner>,
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
    let publisher = start.owner.as_ref().map(|(link, _)| Publisher {
        client: link.client.clone(),
        subject: link.outbox(&id),
        node: link.node.clone(),
    });
    let owner = match start.owner {
        Some((link, inbox)) => {
            let lost = CancellationToken::new();
            spawn_owner_tasks(
                &id,
                &link,
                inbox,
                &handle,
                &start.store,
                &lost,
                &start.tasks,
            );
            Some(Owner {
                link,
                epoch: new_id(),
                pending: Vec::new(),
                remote: HashMap::new(),
                lost,
            })
        }
        None => None,
    };
    let actor = Actor {
        sessions: Sessions::restored(&start.saved, now),
        persist: persist::spawn(start.store.clone(), id.clone(), publisher, &start.tasks),
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
        owner,
    };
    start
        .tasks
        .spawn(actor.run(rx, start.stop, start.registry, start.store));
    handle
}

/// The owner's helpers: one task hands what the relays send to the actor (and answers `end`
/// requests once the actor stored the end); another renews the lease every third of it and
/// tells the actor to beat, or that the lease is lost. Both end with the actor.
fn spawn_owner_tasks(
    id: &str,
    link: &ClusterLink,
    mut inbox: async_nats::Subscriber,
    handle: &Handle,
    store: &Arc<dyn Store>,
    lost: &CancellationToken,
    tasks: &TaskTracker,
) {
    use futures::StreamExt;
    let (commands, client) = (handle.commands.clone(), link.client.clone());
    let show = id.to_owned();
    tasks.spawn(async move {
        loop {
            let message = tokio::select! {
                _ = commands.closed() => break,
                message = inbox.next() => match message {
                    Some(m) => m,
                    None => break,
                },
            };
            let incoming: In = match serde_json::from_slice(&message.payload) {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %e, show, "an unreadable message for a live show's owner");
                    continue;
                }
            };
            if let In::End {} = incoming {
                let (reply, done) = oneshot::channel();
                let (commands, client) = (commands.clone(), client.clone());
                tokio::spawn(async move {
                    if commands.send(Command::End { reply }).await.is_ok() {
                        let _ = done.await;
                    }
                    if let Some(to) = message.reply {
                        let _ = client.publish(to, bytes::Bytes::new()).await;
                    }
                });
                continue;
            }
            if commands.send(Command::Remote(incoming)).await.is_err() {
                break;
            }
        }
        let _ = inbox.unsubscribe().await;
    });
    let (commands, store, lost) = (handle.commands.clone(), store.clone(), lost.clone());
    let (show, node, lease) = (id.to_owned(), link.node.clone(), link.lease);
    tasks.spawn(async move {
        let every = lease / 3;
        let mut held_until = now_ms() + lease.as_millis() as i64;
        loop {
            tokio::select! {
                _ = commands.closed() => break,
                _ = tokio::time::sleep(every) => {}
            }
            let until = now_ms() + lease.as_millis() as i64;
            match store.renew_show(&show, &node, until).await {
                Ok(true) => {
                    held_until = until;
                    let _ = commands.try_send(Command::Beat);
                }
                Ok(false) => {
                    tracing::warn!(show, "this node lost a live show's lease; another node runs it");
                    lost.cancel();
                    break;
                }
                Err(e) if now_ms() >= held_until => {
                    tracing::error!(error = %e, show, "could not renew a live show's lease in time; letting it go");
                    lost.cancel();
                    break;
                }
                Err(e) => tracing::warn!(error = %e, show, "renewing a live show's lease failed; retrying"),
            }
        }
    });
}

impl Actor {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Command>,
        stop: CancellationToken,
        registry: Arc<Mutex<HashMap<String, Handle>>>,
        store: Arc<dyn Store>,
    ) {
        // People taken back from stored state are away until they resume: their windows run.
        let mut restarting = false;
        let lost = self
            .owner
            .as_ref()
            .map_or_else(CancellationToken::new, |o| o.lost.clone());
        let mut lost_lease = false;
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
                _ = lost.cancelled() => {
                    lost_lease = true;
                    break;
                }
                command = rx.recv() => match command {
                    Some(command) => self.command(command),
                    None => break,
                },
                _ = timer => self.tick(now_ms()),
            }
            self.flush_out();
            if self.ended {
                break;
            }
        }
        let handing_over = restarting && self.owner.is_some();
        if lost_lease {
            // Another node runs the show: nothing is stored or published any more (the
            // relays follow the new owner's epoch, or time this one out).
            self.close_all(Close::Restarting);
            if let Some(owner) = &mut self.owner {
                owner.pending.clear();
            }
        } else if restarting && !handing_over {
            self.close_all(Close::Restarting);
        }
        // Whatever changed since the last snapshot is stored before the actor goes.
        if !lost_lease && (self.snapshot_due.is_some() || restarting) {
            self.store_state(None);
        }
        self.flush_out();
        let (flushed, done) = oneshot::channel();
        let _ = self.persist.send(Persist::Flush(flushed));
        let _ = done.await;
        if let Some(owner) = &self.owner {
            if !lost_lease {
                if let Err(e) = store.release_show(&self.id, &owner.link.node).await {
                    tracing::warn!(error = %e, show = self.id, "could not give up a live show's lease; it expires");
                }
            }
            if handing_over {
                // Stored and released: the listeners resume through the node that takes
                // the show over when they come back.
                let close = OutMessage {
                    epoch: owner.epoch.clone(),
                    body: Out::Close {
                        node: None,
                        conn: None,
                        close: Close::Restarting.code(),
                    },
                };
                let client = &owner.link.client;
                let _ = client
                    .publish(owner.link.outbox(&self.id), close.encode())
                    .await;
                let _ = client.flush().await;
            }
        }
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
                let outcome = self
                    .connect(user, resume, now, Joiner::Local)
                    .map(|parts| parts.expect("a local join has parts"));
                if let Err(Ok(parts)) = reply.send(outcome) {
                    // The transport gave up waiting: the connection is gone already.
                    self.gone(parts.conn, now);
                }
            }
            Command::Remote(In::Connect {
                node,
                conn,
                user,
                resume,
            }) => {
                let joiner = Joiner::Remote {
                    node: node.clone(),
                    conn,
                };
                if let Err(close) = self.connect(user, resume, now, joiner) {
                    self.out(Out::Refused {
                        node,
                        conn,
                        close: close.code(),
                    });
                }
            }
            Command::Remote(In::Op {
                node,
                conn,
                op,
                reference,
            }) => {
                if let Some(id) = self.remote_conn(&node, conn) {
                    self.op(id, op, reference, now);
                }
            }
            Command::Remote(In::Gone { node, conn }) => {
                if let Some(id) = self.remote_conn(&node, conn) {
                    if let Some(owner) = &mut self.owner {
                        owner.remote.remove(&(node, conn));
                    }
                    self.gone(id, now);
                }
            }
            Command::Remote(In::End {}) => {}
            Command::Beat => {
                let beat = Out::Beat {
                    seq: self.show.seq(),
                    audience: self.show.audience(),
                };
                self.out(beat);
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

    /// A join: the local connection's parts (a remote one was answered through the relay).
    fn connect(
        &mut self,
        user: String,
        resume: Option<Resume>,
        now: i64,
        joiner: Joiner,
    ) -> Result<Option<Parts>, Close> {
        if self.show.is_banned(&user) {
            return Err(Close::Banned);
        }
        let joiner = match resume {
            Some(resume) => match self.resume(&user, &resume, now, joiner) {
                Ok(parts) => return Ok(parts),
                Err(joiner) => joiner,
            },
            None => joiner,
        };
        let joined = self.show.join(&user, now)?;
        if let Some(old) = self.sessions.remove_user(&user) {
            self.close(old, Close::Replaced);
        }
        // The arrival is announced to the others before the newcomer's welcome is taken, so
        // the welcome's `seq` already counts it.
        self.publish(joined.events, now);
        let session = new_id();
        let welcome = self.show.welcome(&user, &session, now);
        let (conn, parts) = self.register(&user, &session, vec![welcome.to_json().into()], joiner);
        self.sessions.insert(session, user, Some(conn));
        self.changed(now);
        Ok(parts)
    }

    fn remote_conn(&self, node: &str, conn: u64) -> Option<u64> {
        let owner = self.owner.as_ref()?;
        owner.remote.get(&(node.to_owned(), conn)).copied()
    }

    /// Hands a message to the relays, after what the current command stores.
    fn out(&mut self, body: Out) {
        if let Some(owner) = &mut self.owner {
            let message = OutMessage {
                epoch: owner.epoch.clone(),
                body,
            };
            owner.pending.push(message.encode());
        }
    }

    fn flush_out(&mut self) {
        if let Some(owner) = &mut self.owner {
            if !owner.pending.is_empty() {
                let messages = std::mem::take(&mut owner.pending);
                let _ = self.persist.send(Persist::Publish(messages));
            }
        }
    }

    /// Takes a session back, if it is the user's, still within its window, and the show
    /// still holds every event after `seq`: `resumed`, then those events. Nobody is told.
    /// Gives the joiner back when the session cannot be resumed.
    fn resume(
        &mut self,
        user: &str,
        resume: &Resume,
        now: i64,
        joiner: Joiner,
    ) -> Result<Option<Parts>, Joiner> {
        let window = self.config.resume_window.as_millis() as i64;
        let Some(session) = self.sessions.get(&resume.session) else {
            return Err(joiner);
        };
        let in_time =
            session.conn.is_some() || session.dropped_at.is_some_and(|t| now - t <= window);
        if session.user != user || !in_time || !self.show.is_present(user) {
            return Err(joiner);
        }
        let Since::Events(missed) = self.show.since(resume.seq, now) else {
            return Err(joiner);
        };
        if let Some(old) = session.conn {
            self.close(old, Close::Replaced);
        }
        let mut initial: Vec<Arc<str>> =
            vec![self.show.resumed(&resume.session, now).to_json().into()];
        initial.extend(missed.iter().map(|e| Arc::from(e.to_json())));
        let (conn, parts) = self.register(user, &resume.session, initial, joiner);
        self.sessions.attach(&resume.session, conn);
        Ok(parts)
    }

    /// A new connection for `joiner`: its number, and a local one's parts (a remote one's
    /// first frames go to its relay).
    fn register(
        &mut self,
        user: &str,
        session: &str,
        initial: Vec<Arc<str>>,
        joiner: Joiner,
    ) -> (u64, Option<Parts>) {
        let conn = self.next_conn;
        self.next_conn += 1;
        let longest_track_ms = self
            .show
            .playlist()
            .tracks
            .iter()
            .map(|t| t.duration_ms)
            .max()
            .unwrap_or(0);
        let (sink, parts) = match joiner {
            Joiner::Local => {
                let (queue, rx) = mpsc::channel(self.config.queue_frames);
                let (too_slow, slow) = oneshot::channel();
                let parts = Parts {
                    conn,
                    initial,
                    queue: rx,
                    ephemeral: self.ephemeral.subscribe(),
                    too_slow: slow,
                    longest_track_ms,
                };
                let sink = Sink::Local {
                    queue,
                    too_slow: Some(too_slow),
                };
                (sink, Some(parts))
            }
            Joiner::Remote { node, conn: theirs } => {
                if let Some(owner) = &mut self.owner {
                    owner.remote.insert((node.clone(), theirs), conn);
                }
                self.out(Out::Welcome {
                    node: node.clone(),
                    conn: theirs,
                    initial: initial.iter().map(|f| f.to_string()).collect(),
                    longest_track_ms,
                });
                (Sink::Remote { node, conn: theirs }, None)
            }
        };
        self.conns.insert(
            conn,
            Conn {
                user: user.to_owned(),
                session: session.to_owned(),
                sink,
            },
        );
        (conn, parts)
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
            self.send(conn, reply.into());
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
        let records = persist::records(&events);
        let reliable = events.iter().any(|e| e.seq.is_some());
        if persist::weighty(&events) || (self.owner.is_some() && reliable) {
            // With several nodes every reliable event is stored before it is published.
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
    fn too_slow(&mut self, conn: u64, now: i64) {
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
    fn send(&mut self, conn: u64, frame: Arc<str>) {
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
    fn close(&mut self, conn: u64, close: Close) {
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
    fn close_all(&mut self, close: Close) {
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

    /// The state changed: store it within `snapshot_every`.
    fn changed(&mut self, now: i64) {
        if self.owner.is_some() {
            // With several nodes, before what follows is published.
            self.store_state(None);
            return;
        }
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
