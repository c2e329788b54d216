//! One connection's side of a live show: what the transport reads from (first frames, a
//! bounded queue of reliable frames and replies, a latest-wins slot of ephemeral frames, a
//! signal that it was too slow) and what it tells the actor (ops, and that it is gone).
//!
//! Frames are serialised once by the actor and shared (`Arc<str>`), so fanning an event out
//! to many connections costs a reference count each, and an idle connection holds little
//! more than its channels.

use std::sync::Arc;

use medley_live::{Close, Op};
use tokio::sync::{mpsc, oneshot, watch};

use super::actor::Command;
use super::cluster::{ClusterLink, In};
use super::links::Links;
use super::relay::{RelayCommand, RelayHandle};
use super::Handle;

/// How a connection reaches its show: the actor in this process (one node), or this node's
/// relay of the show, its ops going to the owner through NATS (several nodes).
pub(crate) enum Via {
    Actor(Handle),
    Relay {
        relay: RelayHandle,
        link: Arc<ClusterLink>,
        inbox: Arc<str>,
    },
}

/// What the actor queues for a connection, in order.
#[derive(Clone, Debug)]
pub enum Outbound {
    /// A text frame: an event, a reply.
    Frame(Arc<str>),
    /// Close with this code once the frames before it are sent.
    Close(Close),
}

/// The latest ephemeral frames of a show (reactions merged per interval, the audience
/// count). Each connection sends what it has not sent yet; a connection that falls behind
/// skips to the latest (LIVE.md: ephemeral events may be dropped or merged under load).
#[derive(Clone, Debug, Default)]
pub struct Ephemeral {
    /// Bumped at each publication.
    pub version: u64,
    /// Reactions of this publication.
    pub reactions: Vec<Arc<str>>,
    /// The latest audience frame, and its version (sent again only when it changed).
    pub audience: Option<(u64, Arc<str>)>,
}

/// What the actor hands a new connection.
pub(crate) struct Parts {
    pub conn: u64,
    pub initial: Vec<Arc<str>>,
    pub queue: mpsc::Receiver<Outbound>,
    pub ephemeral: watch::Receiver<Arc<Ephemeral>>,
    pub too_slow: oneshot::Receiver<()>,
    /// The longest track of the show's playlist (how long its stream URLs must hold).
    pub longest_track_ms: i64,
}

/// A connection joined to a live show.
pub struct Connected {
    conn: u64,
    via: Via,
    links: Links,
    /// Frames to send first, in order: `welcome`, or `resumed` then the missed events.
    pub initial: Vec<Arc<str>>,
    /// Reliable frames, replies and closes, in order. Bounded: when it is full, the actor
    /// drops the connection as too slow.
    pub queue: mpsc::Receiver<Outbound>,
    pub ephemeral: watch::Receiver<Arc<Ephemeral>>,
    /// Fires when the queue overflowed: close with 4009 at once.
    pub too_slow: oneshot::Receiver<()>,
}

impl Connected {
    pub(crate) fn new(parts: Parts, via: Via, links: Links) -> Connected {
        Connected {
            conn: parts.conn,
            via,
            links,
            initial: parts.initial,
            queue: parts.queue,
            ephemeral: parts.ephemeral,
            too_slow: parts.too_slow,
        }
    }

    /// A frame as this connection's user receives it: its tracks' stream paths signed for
    /// them, now (see [`super::links`]). Every frame goes through this before it is sent.
    pub fn personal<'a>(&self, frame: &'a str) -> std::borrow::Cow<'a, str> {
        self.links.sign(frame, crate::clock::now_ms() / 1000)
    }

    /// Sends an op to the show as this connection's user; its events and reply (if
    /// `reference`) come back through the queue. False when the show is gone.
    pub async fn send(&self, op: Op, reference: Option<String>) -> bool {
        match &self.via {
            Via::Actor(handle) => {
                let command = Command::Op {
                    conn: self.conn,
                    op,
                    reference,
                };
                handle.commands.send(command).await.is_ok()
            }
            Via::Relay { link, inbox, .. } => {
                let message = In::Op {
                    node: link.node.clone(),
                    conn: self.conn,
                    op,
                    reference,
                };
                let payload = serde_json::to_vec(&message).expect("live messages serialise");
                link.client
                    .publish(inbox.to_string(), payload.into())
                    .await
                    .is_ok()
            }
        }
    }

    /// The connection closed or dropped: the user stays in the show for the resume window,
    /// unless the show already closed the connection itself.
    pub async fn gone(self) {
        match self.via {
            Via::Actor(handle) => {
                let _ = handle
                    .commands
                    .send(Command::Gone { conn: self.conn })
                    .await;
            }
            Via::Relay { relay, .. } => {
                let _ = relay
                    .commands
                    .send(RelayCommand::Gone { conn: self.conn })
                    .await;
            }
        }
    }
}
