//! The live show's WebSocket (LIVE.md): `hello`, the state, events in order, ops and their
//! replies, clock pings, and resuming after a drop.
//!
//! One task owns the socket. It reads the server's frames, passes events on through a bounded
//! queue (a consumer that stops reading makes the task stop reading, so the server, not this
//! process, decides when it is too slow), routes each reply to the op that asked, sends a
//! `ping` now and then for the clock, and when the connection drops (or closes with a code
//! that invites it: 1012, 4003, 4008, 4009) connects again with `resume` and the last `seq` it
//! passed on. Reliable events are passed on once each, in `seq` order: a replayed event already
//! seen is skipped, and a gap (which the server never leaves) is closed by resuming.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use medley_live::{Close, Event, EventKind, Frame, Hello, Op, Reconnect, Resume, Welcome};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::clock::{Clock, ClockOffset};
use crate::error::{Closed, Error, OpError};
use crate::inbound::{self, Inbound, ReplyFrame};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

mod task;
use task::Task;

/// How the connection behaves; [`LiveOptions::default`] suits most programs.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Time between two clock pings (the first goes at once, then two more quickly).
    pub ping_every: Duration,
    /// Nothing from the server for this long (it pings every 25 s) counts as a drop.
    pub idle_timeout: Duration,
    /// How long to keep trying to reconnect after a drop before giving up. Within the
    /// server's resume window (120 s) nothing is missed; after it, a fresh `welcome` comes.
    pub reconnect_for: Duration,
    /// The longest wait for the server's first frame after `hello`.
    pub hello_timeout: Duration,
    /// How many updates wait for the program to read them before the client stops reading
    /// the socket.
    pub queue: usize,
}

impl Default for LiveOptions {
    fn default() -> LiveOptions {
        LiveOptions {
            ping_every: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            reconnect_for: Duration::from_secs(600),
            hello_timeout: Duration::from_secs(15),
            queue: 1_024,
        }
    }
}

/// What the connection hands the program, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    /// The whole state: first, once joined, and again after a reconnect that could not
    /// resume (the drop outlasted the resume window): then events in between were not seen
    /// and the state replaces what the program knew.
    Welcome(Box<Welcome>),
    /// An event: a reliable one (with `seq`) exactly once and in order, or an ephemeral one.
    Event(Event),
    /// An event of a later protocol version this client cannot type (`{"op", "d", "seq"?, "ts"}`).
    Unknown(Value),
    /// The connection dropped; the client is reconnecting. Ops sent meanwhile wait for it.
    Reconnecting { reason: String },
    /// Reconnected within the resume window: the events missed follow, then live ones.
    Resumed,
    /// The connection ended for good (the show ended, a removal or ban, `leave`, a bad token
    /// on reconnecting, or reconnecting failed for [`LiveOptions::reconnect_for`]). Last.
    Closed(Closed),
}

/// A successful op: `seq` is the last reliable event it caused (received before this
/// answer), `None` when it caused none (a reaction). For `ping`, `d` holds the pong's times.
#[derive(Clone, Debug, PartialEq)]
pub struct Ack {
    pub seq: Option<u64>,
    pub d: Value,
}

type Answer = oneshot::Sender<Result<Ack, OpError>>;

/// Sends ops on a live connection; clones share it.
#[derive(Clone, Debug)]
pub struct LiveSender {
    ops: mpsc::Sender<(Op, Answer)>,
}

impl LiveSender {
    /// Sends `op` and waits for the server's answer (ops sent while reconnecting go once the
    /// connection is back).
    pub async fn request(&self, op: Op) -> Result<Ack, OpError> {
        let (answer, reply) = oneshot::channel();
        self.ops
            .send((op, answer))
            .await
            .map_err(|_| OpError::Closed)?;
        reply.await.unwrap_or(Err(OpError::Closed))
    }
}

/// A live show joined over its WebSocket.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use medley_live_client::{Api, LiveOptions, Update};
/// use medley_live_client::protocol::{EventKind, Op};
///
/// let api = Api::new("http://127.0.0.1:8080", "<token>")?;
/// let mut live = api.join("<show id>", LiveOptions::default()).await?;
/// let sender = live.sender();
/// while let Some(update) = live.next().await {
///     match update {
///         Update::Welcome(state) => println!("{} people here", state.audience),
///         Update::Event(event) => {
///             if let EventKind::Comment(c) = &event.kind {
///                 if c.text == "!hello" {
///                     // Answered in its own task so that events keep flowing meanwhile.
///                     let sender = sender.clone();
///                     tokio::spawn(async move {
///                         let _ = sender.request(Op::Comment { text: "hi!".into() }).await;
///                     });
///                 }
///             }
///         }
///         Update::Closed(why) => println!("closed: {why}"),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Live {
    updates: mpsc::Receiver<Update>,
    sender: LiveSender,
    clock: Arc<Mutex<Clock>>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live").finish_non_exhaustive()
    }
}

impl Live {
    /// Connects to a live show's WebSocket `url` and says `hello` with `token`. Answers once
    /// the server has welcomed the user (the welcome is the first [`Live::next`]); a refusal
    /// is [`Error::Closed`] with its close code.
    pub async fn connect(url: &str, token: &str, options: LiveOptions) -> Result<Live, Error> {
        let (socket, first) = handshake(url, token, None, options.hello_timeout)
            .await
            .map_err(|e| match e {
                Handshake::Closed(closed) => Error::Closed(closed),
                Handshake::Failed(reason) => Error::WebSocket(reason),
            })?;
        let First::Welcome(welcome) = first else {
            return Err(Error::Protocol(
                "the server resumed a session that was not asked for".into(),
            ));
        };
        let (updates_in, updates) = mpsc::channel(options.queue.max(1));
        let (ops_in, ops) = mpsc::channel(64);
        let clock = Arc::new(Mutex::new(Clock::default()));
        let (session, seq) = (welcome.session.clone(), welcome.seq);
        // Capacity is at least one, and nothing else has sent yet.
        updates_in
            .try_send(Update::Welcome(welcome))
            .expect("the queue has room for the welcome");
        let task = Task::new(
            url,
            token,
            options,
            session,
            seq,
            updates_in,
            ops,
            clock.clone(),
        );
        tokio::spawn(task.run(socket));
        Ok(Live {
            updates,
            sender: LiveSender { ops: ops_in },
            clock,
        })
    }

    /// The next update; `None` after [`Update::Closed`].
    pub async fn next(&mut self) -> Option<Update> {
        self.updates.recv().await
    }

    /// A handle to send ops with, usable from other tasks.
    pub fn sender(&self) -> LiveSender {
        self.sender.clone()
    }

    /// Sends `op` and waits for its answer. Events keep queueing meanwhile.
    pub async fn request(&self, op: Op) -> Result<Ack, OpError> {
        self.sender.request(op).await
    }

    /// The best estimate of the server's clock so far (`None` before the first pong).
    pub fn clock_offset(&self) -> Option<ClockOffset> {
        self.clock.lock().expect("clock lock").estimate()
    }

    /// The server's time now, in Unix ms, by [`Live::clock_offset`] (the local clock before
    /// the first pong).
    pub fn server_now_ms(&self) -> i64 {
        now_ms() + self.clock_offset().map_or(0, |c| c.offset_ms)
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The first frame after `hello`.
enum First {
    Welcome(Box<Welcome>),
    Resumed,
}

enum Handshake {
    /// The server closed the socket (it refused the `hello`).
    Closed(Closed),
    /// No connection, or no answer.
    Failed(String),
}

/// Connects, says `hello` (with `resume` when given) and reads the first frame.
async fn handshake(
    url: &str,
    token: &str,
    resume: Option<Resume>,
    timeout: Duration,
) -> Result<(Socket, First), Handshake> {
    let work = async {
        let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
            .await
            .map_err(|e| Handshake::Failed(format!("connecting to {url}: {e}")))?;
        let hello = Frame {
            op: Op::Hello(Hello {
                v: medley_live::PROTOCOL_VERSION,
                token: token.to_owned(),
                csrf: None,
                resume,
            }),
            reference: None,
        };
        socket
            .send(Message::text(hello.to_json()))
            .await
            .map_err(|e| Handshake::Failed(format!("sending hello: {e}")))?;
        loop {
            let text = match socket.next().await {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(frame))) => {
                    return Err(Handshake::Closed(closed_by(frame.as_ref())))
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(Handshake::Failed(format!("after hello: {e}"))),
                None => return Err(Handshake::Failed("the server hung up after hello".into())),
            };
            match inbound::read(&text) {
                Ok(Inbound::Event(Event {
                    kind: EventKind::Welcome(welcome),
                    ..
                })) => return Ok((socket, First::Welcome(welcome))),
                Ok(Inbound::Event(Event {
                    kind: EventKind::Resumed { .. },
                    ..
                })) => return Ok((socket, First::Resumed)),
                Ok(other) => {
                    return Err(Handshake::Failed(format!(
                        "the server answered hello with {other:?}"
                    )))
                }
                Err(e) => return Err(Handshake::Failed(e)),
            }
        }
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| {
            Err(Handshake::Failed(format!(
                "no answer to hello within {} s",
                timeout.as_secs()
            )))
        })
}

fn closed_by(frame: Option<&CloseFrame>) -> Closed {
    match frame {
        Some(f) => Closed {
            code: Some(u16::from(f.code)),
            reason: f.reason.to_string(),
        },
        None => Closed {
            code: None,
            reason: "the server closed the connection".into(),
        },
    }
}
