//! The actor of one live show: a task that alone owns the show's state and its connections'
//! senders, takes commands one at a time from a bounded channel, and wakes for the show's
//! timers (a track's end, merged reactions), the end of resume windows, and storing its
//! state. It never awaits anything but its next command or timer while running: what it
//! sends goes to its room of the writer threads (`super::writers`), records to the persister,
//! both through channels that never wait.
//!
//! With several nodes (see [`super::cluster`]) the actor runs on the show's owner only, and
//! its connections are remote: each is a connection of some node's relay, reached through
//! the show's outgoing subject, to which the actor hands what it would have queued (through
//! the persister, so that nothing is published before it is stored).
//!
//! [`fanout`] is how it sends (events in order, frames, closes, slow connections); [`owner`]
//! the tasks beside it on the owner of a show run on several nodes.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use medley_domain::causes::Causes;
use medley_domain::{new_id, ShowId};
use medley_live::{Close, Op, Reply, Resume, Show, Since};
use medley_store::Store;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::cluster::{ClusterLink, In, Out, OutMessage};
use super::links::Links;
use super::outlet::Outlet;
use super::persist::{self, Persist, Publisher};
use super::sessions::{Saved, Sessions};
use super::writers::Room;
use super::{Handle, LiveConfig};
use crate::clock::now_ms;
use owner::spawn_owner_tasks;

mod fanout;
mod owner;
mod storing;

/// What connections and the REST API ask of a show's actor.
pub(crate) enum Command {
    /// A user authenticated by the transport arrives, or resumes.
    /// The connection is `outlet`, its frames signed with `links`; answered with its number.
    Connect {
        user: String,
        resume: Option<Resume>,
        outlet: Arc<Outlet>,
        links: Links,
        reply: oneshot::Sender<Result<u64, Close>>,
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
    pub registry: Arc<Mutex<HashMap<ShowId, Handle>>>,
    /// How its connections of this process are written to.
    pub room: Room,
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
    /// A connection of this process, in the actor's room.
    Local,
    /// A connection of a relay: `conn` of `node`.
    Remote { node: String, conn: u64 },
}

/// Who is joining.
enum Joiner {
    Local { outlet: Arc<Outlet>, links: Links },
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
    id: ShowId,
    show: Show,
    sessions: Sessions,
    conns: HashMap<u64, Conn>,
    next_conn: u64,
    config: LiveConfig,
    persist: mpsc::UnboundedSender<Persist>,
    room: Room,
    audience: Arc<AtomicUsize>,
    /// When the state must next be stored, if it changed since it last was.
    snapshot_due: Option<i64>,
    ended: bool,
    waiting_end: Vec<oneshot::Sender<()>>,
    owner: Option<Owner>,
    /// Sessions closed by a moderator's `remove`, with when: their resume is refused (4011)
    /// for the resume window, so a client that never saw its close frame does not come back
    /// unasked. A fresh join is allowed.
    removed: HashMap<String, i64>,
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
    // The show's state names it by its text; from here it is a show's id.
    let id = ShowId::from(show.id());
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
        room: start.room,
        id,
        show,
        conns: HashMap::new(),
        next_conn: 1,
        config: start.config,
        audience,
        snapshot_due: None,
        ended: false,
        waiting_end: Vec::new(),
        owner,
        removed: HashMap::new(),
    };
    start
        .tasks
        .spawn(actor.run(rx, start.stop, start.registry, start.store));
    handle
}

impl Actor {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Command>,
        stop: CancellationToken,
        registry: Arc<Mutex<HashMap<ShowId, Handle>>>,
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
            self.store_sessions();
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
            self.store_state();
        }
        self.flush_out();
        let (flushed, done) = oneshot::channel();
        let _ = self.persist.send(Persist::Flush(flushed));
        let _ = done.await;
        if let Some(owner) = &self.owner {
            if !lost_lease {
                if let Err(e) = store.release_show(&self.id, &owner.link.node).await {
                    tracing::warn!(error = %Causes(&e), show = %self.id, "could not give up a live show's lease; it expires");
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
                outlet,
                links,
                reply,
            } => {
                let joiner = Joiner::Local { outlet, links };
                let outcome = self
                    .connect(user, resume, now, joiner)
                    .map(|conn| conn.expect("a local join has a number"));
                if let Err(Ok(conn)) = reply.send(outcome) {
                    // The transport gave up waiting: the connection is gone already.
                    self.gone(conn, now);
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

    /// A join: the local connection's number (a remote one was answered through the relay).
    fn connect(
        &mut self,
        user: String,
        resume: Option<Resume>,
        now: i64,
        joiner: Joiner,
    ) -> Result<Option<u64>, Close> {
        if self.show.is_banned(&user) {
            return Err(Close::Banned);
        }
        let window = self.resume_window_ms();
        // A removed session is remembered by this actor; one removed before the show was
        // taken back here (a restart, another node's) is unknown, and the removal is in the
        // replay of stored events.
        let removed = |r: &Resume| {
            self.removed
                .get(&r.session)
                .is_some_and(|at| now - at <= window)
                || (self.sessions.get(&r.session).is_none()
                    && self.show.removed_since(&user, now - window))
        };
        if resume.as_ref().is_some_and(removed) {
            return Err(Close::Removed);
        }
        let joiner = match resume {
            Some(resume) => match self.resume(&user, &resume, now, joiner) {
                Ok(conn) => return Ok(conn),
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
        let (conn, local) = self.register(&user, &session, vec![welcome.to_json().into()], joiner);
        self.sessions.insert(session, user, Some(conn));
        self.changed(now);
        Ok(local)
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
    ) -> Result<Option<u64>, Joiner> {
        let window = self.resume_window_ms();
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
        let (conn, local) = self.register(user, &resume.session, initial, joiner);
        self.sessions.attach(&resume.session, conn);
        Ok(local)
    }

    /// A new connection for `joiner`: its number, and again if it is local (its first frames
    /// go to its outlet; a remote one's to its relay).
    fn register(
        &mut self,
        user: &str,
        session: &str,
        initial: Vec<Arc<str>>,
        joiner: Joiner,
    ) -> (u64, Option<u64>) {
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
        let (sink, local) = match joiner {
            Joiner::Local { outlet, links } => {
                outlet.sign_with(links.covering(longest_track_ms));
                self.room.attach(conn, outlet, initial);
                (Sink::Local, Some(conn))
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
        (conn, local)
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
        self.close_named(closings, now);
        if left {
            self.sessions.remove_user(&user);
            self.close(conn, Close::Normal);
        }
    }

    /// A connection closed or dropped: its session waits for a resume.
    fn gone(&mut self, conn: u64, now: i64) {
        if let Some(c) = self.conns.remove(&conn) {
            if let Sink::Local = c.sink {
                self.room.leave(conn);
            }
            self.sessions.dropped(&c.session, now);
        }
    }

    /// How long a dropped session may come back (LIVE.md's 120 s by default), in ms.
    fn resume_window_ms(&self) -> i64 {
        self.config.resume_window.as_millis() as i64
    }

    fn tick(&mut self, now: i64) {
        let window = self.resume_window_ms();
        let mut events = Vec::new();
        for user in self.sessions.expire(now - window) {
            events.extend(self.show.leave(&user, now));
        }
        events.extend(self.show.tick(now));
        self.publish(events, now);
        if self.snapshot_due.is_some_and(|t| t <= now) {
            self.store_state();
        }
    }

    fn next_wake(&self) -> Option<i64> {
        let window = self.resume_window_ms();
        let expiry = self.sessions.next_expiry(window).map(|t| t + 1);
        [self.show.next_wake(), expiry, self.snapshot_due]
            .into_iter()
            .flatten()
            .min()
    }
}

/// The tokio instant of a Unix-millisecond time (now, if it has passed: `i64::MIN` is how the
/// show says "at once").
fn instant_at(at_ms: i64) -> Instant {
    Instant::now() + Duration::from_millis(at_ms.saturating_sub(now_ms()).max(0) as u64)
}
