//! What can go wrong: reaching the server, its answers, and the live connection's end.

use medley_live::{Close, Refusal};

/// A REST call or joining a show failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadUrl(String),
    /// The server answered with an error status; `message` is its explanation.
    #[error("{message} ({status})")]
    Http { status: u16, message: String },
    #[error("could not reach the server: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("the live connection failed: {0}")]
    WebSocket(String),
    /// The server closed the live connection (for `join`: it refused the `hello`).
    #[error("{0}")]
    Closed(Closed),
    /// The server sent something this client cannot read.
    #[error("the server broke the protocol: {0}")]
    Protocol(String),
}

/// How a live connection ended for good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    /// The WebSocket close code (`None`: the connection could not be made again).
    pub code: Option<u16>,
    /// The close frame's reason, or why the client gave up.
    pub reason: String,
}

impl Closed {
    /// The protocol's name for the close code, when it is one of LIVE.md's.
    pub fn close(&self) -> Option<Close> {
        self.code.and_then(Close::from_code)
    }
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(code) => write!(f, "{} (close {code})", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

/// Why an op did not get its answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    /// The server refused it (nothing changed; the connection stays open).
    #[error("{}", .0.message)]
    Refused(Refusal),
    /// The connection dropped before the answer came: the op may or may not have been applied
    /// (its event, if any, arrives after the resume).
    #[error("the connection dropped before the server answered")]
    Disconnected,
    /// The connection has ended for good.
    #[error("the live connection is closed")]
    Closed,
}
