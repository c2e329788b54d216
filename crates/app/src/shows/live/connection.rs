//! One connection's side of a live show: what it tells the actor or this node's relay (ops,
//! and that it is gone). What the show sends it goes to its [`super::Outlet`].

use std::sync::Arc;

use medley_live::Op;

use super::actor::Command;
use super::cluster::{ClusterLink, In};
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

/// A connection joined to a live show. Its frames reach it through its [`super::Outlet`].
pub struct Connected {
    conn: u64,
    via: Via,
}

impl Connected {
    pub(crate) fn new(conn: u64, via: Via) -> Connected {
        Connected { conn, via }
    }

    /// Sends an op to the show as this connection's user; its events and reply (if
    /// `reference`) come back through the outlet. False when the show is gone.
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
