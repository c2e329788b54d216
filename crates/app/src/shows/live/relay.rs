//! A node's relay of one live show (several nodes, see [`super::cluster`]): the task that
//! serves this node's connections of a show whose actor runs on the owner, possibly another
//! node. It subscribes to the show's outgoing subject, hands joins to the owner and their
//! answers back, and delivers the owner's events to its connections as the actor does, through
//! a room of the writer threads (a connection too slow is closed with 4009; ephemeral frames
//! go to those keeping up). Ops go from the connection to the owner directly.
//!
//! It watches the stream: an event whose `seq` does not follow the last one, a heartbeat
//! ahead of it, a new owner (epoch), or an owner silent for a lease closes its connections
//! with 1012 (their clients resume, through whichever node owns the show then).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use medley_domain::causes::Causes;
use medley_domain::ShowId;
use medley_live::{Close, Resume};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::cluster::{close_of, ClusterLink, In, Out, OutMessage};
use super::links::Links;
use super::outlet::Outlet;
use super::writers::Room;

/// How long a join waits for the owner's answer while the owner says nothing at all, before
/// the client is told to come back (1012): the owner may have just died, and the next node
/// to be asked takes the show over. An owner heard from meanwhile (answering a burst of other
/// joins, publishing events) is alive and busy: the join waits on, up to [`JOIN_LIMIT`].
pub(super) const JOIN_TIMEOUT: Duration = Duration::from_secs(3);

/// The longest a join waits for its answer, the owner alive or not (a join lost on the way).
const JOIN_LIMIT: Duration = Duration::from_secs(30);

/// A relay, as connections and the registry reach it.
#[derive(Clone)]
pub(crate) struct RelayHandle {
    pub commands: mpsc::Sender<RelayCommand>,
    /// How the owner names this relay: its node's name and a number of its own. Connection
    /// numbers are the relay's, so a relay that follows another on the same node (or a
    /// node's next run) is never answered, closed or forgotten for the connections of the
    /// one before.
    pub address: Arc<str>,
    pub audience: Arc<AtomicUsize>,
}

pub(crate) enum RelayCommand {
    /// A user authenticated by the transport arrives, or resumes.
    /// The connection is `outlet`, its frames signed with `links`; answered with its number.
    Join {
        user: String,
        resume: Option<Resume>,
        outlet: Arc<Outlet>,
        links: Links,
        reply: oneshot::Sender<Result<u64, Close>>,
    },
    /// A connection closed or dropped.
    Gone { conn: u64 },
}

struct Conn {
    /// The owner's epoch the connection joined under.
    epoch: String,
}

/// A join waiting for the owner's answer.
struct Joining {
    reply: oneshot::Sender<Result<u64, Close>>,
    outlet: Arc<Outlet>,
    links: Links,
    sent: Instant,
}

struct Relay {
    show: ShowId,
    link: ClusterLink,
    address: Arc<str>,
    inbox: String,
    room: Room,
    conns: HashMap<u64, Conn>,
    /// Joins sent to the owner and not answered yet, in the order they were sent (their
    /// numbers grow).
    pending: BTreeMap<u64, Joining>,
    next_conn: u64,
    epoch: Option<String>,
    /// Owners' epochs this relay moved on from: late messages of theirs are ignored.
    retired: std::collections::VecDeque<String>,
    last_seq: Option<u64>,
    heard: Instant,
    idle_since: Instant,
    audience: Arc<AtomicUsize>,
    ended: bool,
}

/// Starts the relay of `show` on this node: subscribed before it returns, so that nothing the
/// owner publishes after a join it sends is missed.
pub(crate) async fn spawn(
    show: &ShowId,
    link: &ClusterLink,
    room: Room,
    registry: Arc<Mutex<HashMap<ShowId, RelayHandle>>>,
    stop: CancellationToken,
    tasks: &TaskTracker,
) -> Result<RelayHandle, async_nats::SubscribeError> {
    let subscriber = link.client.subscribe(link.outbox(show)).await?;
    // The server has the subscription before the first join is sent.
    let _ = link.client.flush().await;
    let (commands, rx) = mpsc::channel(1_024);
    let audience = Arc::new(AtomicUsize::new(0));
    let address: Arc<str> = format!("{}/{:016x}", link.node, rand::random::<u64>()).into();
    let handle = RelayHandle {
        commands,
        address: address.clone(),
        audience: audience.clone(),
    };
    let relay = Relay {
        show: show.to_owned(),
        address,
        inbox: link.inbox(show),
        link: link.clone(),
        room,
        conns: HashMap::new(),
        pending: BTreeMap::new(),
        next_conn: 1,
        epoch: None,
        retired: std::collections::VecDeque::new(),
        last_seq: None,
        heard: Instant::now(),
        idle_since: Instant::now(),
        audience,
        ended: false,
    };
    tasks.spawn(relay.run(subscriber, rx, stop, registry));
    Ok(handle)
}

impl Relay {
    async fn run(
        mut self,
        mut subscriber: async_nats::Subscriber,
        mut rx: mpsc::Receiver<RelayCommand>,
        stop: CancellationToken,
        registry: Arc<Mutex<HashMap<ShowId, RelayHandle>>>,
    ) {
        let mut check = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                _ = stop.cancelled() => {
                    self.close_all(Close::Restarting);
                    break;
                }
                message = subscriber.next() => match message {
                    Some(m) => match serde_json::from_slice::<OutMessage>(&m.payload) {
                        Ok(out) => self.out(out).await,
                        Err(e) => tracing::warn!(error = %Causes(&e), show = %self.show, "an unreadable live show message"),
                    },
                    None => {
                        self.close_all(Close::Restarting);
                        break;
                    }
                },
                command = rx.recv() => match command {
                    Some(command) => self.command(command).await,
                    None => break,
                },
                _ = check.tick() => self.check().await,
            }
            if self.ended {
                break;
            }
            if self.conns.is_empty() && self.pending.is_empty() {
                // Nobody here any more: after a lease's quiet, the relay goes.
                if self.idle_since.elapsed() > self.link.lease {
                    break;
                }
            } else {
                self.idle_since = Instant::now();
            }
        }
        rx.close();
        {
            let mut relays = registry
                .lock()
                .expect("the registry lock is never poisoned");
            if relays
                .get(&self.show)
                .is_some_and(|h| h.commands.is_closed())
            {
                relays.remove(&self.show);
            }
        }
        // Joins that reached the relay as it went: their clients come back (1012).
        while let Ok(command) = rx.try_recv() {
            if let RelayCommand::Join { reply, .. } = command {
                let _ = reply.send(Err(Close::Restarting));
            }
        }
        for (_, joining) in std::mem::take(&mut self.pending) {
            let _ = joining.reply.send(Err(Close::Restarting));
        }
        let _ = subscriber.unsubscribe().await;
    }

    async fn publish(&self, message: In) {
        let payload = serde_json::to_vec(&message).expect("live messages serialise");
        if let Err(e) = self
            .link
            .client
            .publish(self.inbox.clone(), payload.into())
            .await
        {
            tracing::warn!(error = %Causes(&e), show = %self.show, "could not reach a live show's owner");
        }
    }

    async fn command(&mut self, command: RelayCommand) {
        match command {
            RelayCommand::Join {
                user,
                resume,
                outlet,
                links,
                reply,
            } => {
                let conn = self.next_conn;
                self.next_conn += 1;
                let joining = Joining {
                    reply,
                    outlet,
                    links,
                    sent: Instant::now(),
                };
                self.pending.insert(conn, joining);
                self.publish(In::Connect {
                    node: self.address.to_string(),
                    conn,
                    user,
                    resume,
                })
                .await;
            }
            RelayCommand::Gone { conn } => {
                if self.conns.remove(&conn).is_some() {
                    self.room.leave(conn);
                    self.publish(In::Gone {
                        node: self.address.to_string(),
                        conn,
                    })
                    .await;
                }
            }
        }
    }

    fn mine(&self, address: &str) -> bool {
        address == &*self.address
    }

    async fn out(&mut self, message: OutMessage) {
        if self.retired.contains(&message.epoch) {
            // A late word from an owner that another one followed.
            return;
        }
        self.heard = Instant::now();
        if self.epoch.as_deref() != Some(message.epoch.as_str()) {
            // A new owner: connections joined under another one resume through it, and so do
            // joins still waiting: the owner they were sent to may have taken them along when
            // it stopped, and the new one, heard from now on, would keep them waiting to the
            // limit. A join the new owner answers anyway is forgotten (`Gone`, below).
            if let Some(old) = self.epoch.replace(message.epoch.clone()) {
                self.retire(old);
                for (_, joining) in std::mem::take(&mut self.pending) {
                    let _ = joining.reply.send(Err(Close::Restarting));
                }
            }
            self.last_seq = None;
            let stale: Vec<u64> = self
                .conns
                .iter()
                .filter(|(_, c)| c.epoch != message.epoch)
                .map(|(id, _)| *id)
                .collect();
            for conn in stale {
                self.close(conn, Close::Restarting);
            }
        }
        match message.body {
            Out::Event { seq, frame } => {
                if self.last_seq.is_some_and(|last| seq != last + 1) {
                    tracing::warn!(show = %self.show, seq, last = ?self.last_seq, "a gap in a live show's events; its listeners here resume");
                    self.resync().await;
                }
                self.last_seq = Some(seq);
                self.room.event(frame.into());
            }
            Out::Ephemeral {
                reactions,
                audience,
            } => {
                let reactions: Vec<Arc<str>> = reactions.into_iter().map(Arc::from).collect();
                self.room.ephemeral(&reactions, audience.as_deref());
            }
            Out::Welcome {
                node,
                conn,
                initial,
                longest_track_ms,
            } if self.mine(&node) => {
                self.never_heard_before(conn);
                let Some(joining) = self.pending.remove(&conn) else {
                    // Given up on meanwhile: the owner may forget it.
                    self.publish(In::Gone { node, conn }).await;
                    return;
                };
                if joining.reply.send(Ok(conn)).is_err() {
                    self.publish(In::Gone { node, conn }).await;
                    return;
                }
                let outlet = joining.outlet;
                outlet.sign_with(joining.links.covering(longest_track_ms));
                let initial = initial.into_iter().map(Arc::from).collect();
                self.room.attach(conn, outlet, initial);
                self.conns.insert(
                    conn,
                    Conn {
                        epoch: message.epoch,
                    },
                );
            }
            Out::Refused { node, conn, close } if self.mine(&node) => {
                self.never_heard_before(conn);
                if let Some(joining) = self.pending.remove(&conn) {
                    let _ = joining.reply.send(Err(close_of(close)));
                }
            }
            Out::Frame { node, conn, frame } if self.mine(&node) => {
                if self.conns.contains_key(&conn) {
                    self.room.one(conn, frame.into());
                }
            }
            Out::Close {
                node: Some(node),
                conn: Some(conn),
                close,
            } if self.mine(&node) => self.close(conn, close_of(close)),
            Out::Close {
                node: None,
                conn: None,
                close,
            } => {
                let close = close_of(close);
                self.close_all(close);
                if close == Close::ShowEnded {
                    self.ended = true;
                }
            }
            Out::Beat { seq, audience } => {
                self.audience.store(audience, Ordering::Relaxed);
                if self.last_seq.is_some_and(|last| seq != last) {
                    tracing::warn!(show = %self.show, seq, last = ?self.last_seq, "missed a live show's events; its listeners here resume");
                    self.resync().await;
                }
                self.last_seq = Some(seq);
            }
            // Addressed to another node.
            Out::Welcome { .. } | Out::Refused { .. } | Out::Frame { .. } | Out::Close { .. } => {}
        }
    }

    /// Joins not answered in time are told to come back (the owner silent since they were
    /// sent, or [`JOIN_LIMIT`] in any case); an owner silent for a lease is taken for dead:
    /// its listeners here resume (through the node that takes the show over).
    async fn check(&mut self) {
        let owner_silent = self.heard.elapsed() > JOIN_TIMEOUT;
        let late: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, joining)| {
                let waited = joining.sent.elapsed();
                waited > JOIN_LIMIT || (waited > JOIN_TIMEOUT && owner_silent)
            })
            .map(|(id, _)| *id)
            .collect();
        for conn in late {
            if let Some(joining) = self.pending.remove(&conn) {
                let _ = joining.reply.send(Err(Close::Restarting));
            }
        }
        if !self.conns.is_empty() && self.heard.elapsed() > self.link.lease {
            tracing::warn!(
                show = %self.show,
                "a live show's owner is silent; its listeners here resume"
            );
            self.close_all(Close::Restarting);
            if let Some(old) = self.epoch.take() {
                self.retire(old);
            }
            self.last_seq = None;
            self.heard = Instant::now();
        }
    }

    /// The owner answers joins in the order it hears them, and this relay sends them in the
    /// order of their numbers: joins still waiting when a later one is answered never reached
    /// the owner (sent before it listened, or heard by a subscription it dropped). Their
    /// clients come back at once (1012) instead of waiting for an answer that cannot come.
    fn never_heard_before(&mut self, conn: u64) {
        let lost: Vec<u64> = self.pending.range(..conn).map(|(id, _)| *id).collect();
        for id in lost {
            if let Some(joining) = self.pending.remove(&id) {
                let _ = joining.reply.send(Err(Close::Restarting));
            }
        }
    }

    fn retire(&mut self, epoch: String) {
        self.retired.push_back(epoch);
        if self.retired.len() > 8 {
            self.retired.pop_front();
        }
    }

    /// Events were missed: every connection here closes with 1012 and resumes from the
    /// owner's replay (its session stays until then).
    async fn resync(&mut self) {
        let conns: Vec<u64> = self.conns.keys().copied().collect();
        for conn in conns {
            self.close(conn, Close::Restarting);
            self.publish(In::Gone {
                node: self.address.to_string(),
                conn,
            })
            .await;
        }
    }

    /// Closes a connection with `close` after the frames queued before it.
    fn close(&mut self, conn: u64, close: Close) {
        if self.conns.remove(&conn).is_some() {
            self.room.close(conn, close);
        }
    }

    fn close_all(&mut self, close: Close) {
        self.conns.clear();
        self.room.close_all(close);
    }
}
