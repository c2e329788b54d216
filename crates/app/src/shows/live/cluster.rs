//! Live shows across several nodes (`MEDLEY_NATS_URL`).
//!
//! A live show is run by one node at a time, its owner: the node that holds the show's lease
//! in the database (`live_show_owners`, taken with a conditional write, so two nodes never
//! both hold it, and renewed by the owner every third of the lease). Only the owner runs the
//! show's actor. Every node, the owner included, serves its own WebSocket connections through
//! a relay (the `relay` module): one per show and node, subscribed to the show's outgoing
//! subject.
//!
//! Subjects, under the deployment's prefix:
//! - `<prefix>.live.<show>.in`: to the owner. Joins, ops and departures of connections,
//!   each naming the relay it came through (in `node`: the node's name and a number of the
//!   relay's own, never used twice) and that relay's connection number, with the user the
//!   edge node authenticated; and `end` requests from the REST API of another node.
//! - `<prefix>.live.<show>.out`: from the owner, in the actor's order. Reliable events with
//!   their `seq`, ephemeral ones, the answers to joins (`welcome` or `resumed` and the missed
//!   events), replies and closes addressed to one connection, closes for everyone, and a
//!   heartbeat every third of the lease carrying the latest `seq`.
//!
//! The owner publishes a message only once everything before it is stored (each reliable
//! event is a row, stored before it is published), so a node taking the show over from the
//! stored state and the events since knows every event a listener has seen. Each message names the owner's epoch (one per actor
//! that ran the show): a relay that sees a new epoch, a gap in `seq`, or hears nothing for a
//! lease closes its connections with 1012, and they resume through the new owner.

use std::time::Duration;

use medley_live::{Close, Op, Resume};
use serde::{Deserialize, Serialize};

/// How this node reaches the others, for live shows.
#[derive(Clone, Debug)]
pub struct ClusterLink {
    pub client: async_nats::Client,
    /// The deployment's subject prefix (`MEDLEY_NATS_SUBJECT_PREFIX`).
    pub subject_prefix: String,
    /// This node's name, as it holds leases.
    pub node: String,
    /// How long a show's lease lasts without renewal: how soon another node takes over the
    /// show of a node that died.
    pub lease: Duration,
}

impl ClusterLink {
    /// The subject of what goes to a show's owner.
    pub(crate) fn inbox(&self, show: &str) -> String {
        format!("{}.live.{show}.in", self.subject_prefix)
    }

    /// The subject of what a show's owner publishes.
    pub(crate) fn outbox(&self, show: &str) -> String {
        format!("{}.live.{show}.out", self.subject_prefix)
    }
}

/// To a show's owner.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub(crate) enum In {
    /// A user the edge node authenticated joins (or resumes) through its connection `conn`.
    Connect {
        node: String,
        conn: u64,
        user: String,
        resume: Option<Resume>,
    },
    /// An op from a connection, as its user.
    Op {
        node: String,
        conn: u64,
        op: Op,
        reference: Option<String>,
    },
    /// A connection closed or dropped.
    Gone { node: String, conn: u64 },
    /// End the show now (a request: answered once what it recorded is stored).
    End {},
}

/// From a show's owner, with the owner's epoch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OutMessage {
    pub epoch: String,
    pub body: Out,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub(crate) enum Out {
    /// A reliable event, for every connection.
    Event { seq: u64, frame: String },
    /// Ephemeral frames: reactions of this interval, and the audience count if it changed.
    Ephemeral {
        reactions: Vec<String>,
        audience: Option<String>,
    },
    /// The answer to a join: the first frames to send.
    Welcome {
        node: String,
        conn: u64,
        initial: Vec<String>,
        longest_track_ms: i64,
    },
    /// A join refused with this close code.
    Refused { node: String, conn: u64, close: u16 },
    /// A frame for one connection (a reply).
    Frame {
        node: String,
        conn: u64,
        frame: String,
    },
    /// Close one connection (`node` and `conn`), or every connection (neither).
    Close {
        node: Option<String>,
        conn: Option<u64>,
        close: u16,
    },
    /// The owner is alive; the latest `seq` and audience.
    Beat { seq: u64, audience: usize },
}

impl OutMessage {
    pub fn encode(&self) -> bytes::Bytes {
        serde_json::to_vec(self)
            .expect("live messages serialise")
            .into()
    }
}

pub(crate) fn close_of(code: u16) -> Close {
    Close::from_code(code).unwrap_or(Close::Restarting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_back() {
        let op: Op = serde_json::from_str(r#"{"op":"comment","d":{"text":"hi"}}"#).unwrap();
        let message = In::Op {
            node: "n".into(),
            conn: 3,
            op: op.clone(),
            reference: Some("r".into()),
        };
        let back: In = serde_json::from_str(&serde_json::to_string(&message).unwrap()).unwrap();
        assert!(matches!(back, In::Op { conn: 3, op: o, .. } if o == op));
        let out = OutMessage {
            epoch: "e".into(),
            body: Out::Close {
                node: None,
                conn: None,
                close: 1012,
            },
        };
        let back: OutMessage = serde_json::from_slice(&out.encode()).unwrap();
        assert!(matches!(back.body, Out::Close { close: 1012, .. }));
        assert_eq!(close_of(4010), Close::ShowEnded);
    }
}
