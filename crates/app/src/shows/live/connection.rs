//! One connection's side of a live show: what the transport reads from (the queues of
//! [`super::queues`]) and what it tells the actor or this node's relay (ops, and that it is
//! gone).

use std::sync::Arc;

use medley_live::Op;
use tokio::sync::{mpsc, oneshot, watch};

use super::actor::Command;
use super::cluster::{ClusterLink, In};
use super::links::Links;
use super::queues::{Ephemeral, Outbound, Parts};
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

/// Signs a connection's frames: [`Connected::personal`], borrowed apart from the connection.
pub struct Signer<'a>(&'a Links);

impl Signer<'_> {
    /// See [`Connected::personal`].
    pub fn personal<'a>(&self, frame: &'a str) -> std::borrow::Cow<'a, str> {
        self.0.sign(frame, crate::clock::now_ms() / 1000)
    }
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
        Signer(&self.links).personal(frame)
    }

    /// What a write needs at once, borrowed apart: the signer, the queue (for the frames
    /// waiting behind the one being written) and the too-slow signal it watches meanwhile.
    pub fn sending(
        &mut self,
    ) -> (
        Signer<'_>,
        &mut mpsc::Receiver<Outbound>,
        &mut oneshot::Receiver<()>,
    ) {
        (Signer(&self.links), &mut self.queue, &mut self.too_slow)
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
            Via::Relay {
                relay, link, inbox, ..
            } => {
                let message = In::Op {
                    node: relay.address.to_string(),
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
