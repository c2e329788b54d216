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
        let task = Task {
            url: url.to_owned(),
            token: token.to_owned(),
            options,
            session: welcome.session.clone(),
            seq: welcome.seq,
            updates: updates_in,
            ops,
            clock: clock.clone(),
            pending: HashMap::new(),
            next_ref: 0,
        };
        // Capacity is at least one, and nothing else has sent yet.
        task.updates
            .try_send(Update::Welcome(welcome))
            .expect("the queue has room for the welcome");
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

/// How a connection's life ended.
enum Ended {
    /// For good.
    Closed(Closed),
    /// Reconnect (and resume).
    Dropped(String),
    /// The program dropped its [`Live`]: close quietly.
    Abandoned,
}

/// The connection's task: the socket and everything about it.
struct Task {
    url: String,
    token: String,
    options: LiveOptions,
    session: String,
    /// The last reliable event passed on.
    seq: u64,
    updates: mpsc::Sender<Update>,
    ops: mpsc::Receiver<(Op, Answer)>,
    clock: Arc<Mutex<Clock>>,
    /// Ops sent on this connection and not answered yet, by `ref`.
    pending: HashMap<String, Pending>,
    next_ref: u64,
}

enum Pending {
    Op(Answer),
    /// A clock ping of the client's own.
    Clock,
}

impl Task {
    async fn run(mut self, mut socket: Socket) {
        loop {
            let ended = self.pump(&mut socket).await;
            self.fail_pending(match ended {
                Ended::Dropped(_) => OpError::Disconnected,
                Ended::Closed(_) | Ended::Abandoned => OpError::Closed,
            });
            match ended {
                Ended::Abandoned => {
                    let _ = socket.close(None).await;
                    return;
                }
                Ended::Closed(closed) => {
                    let _ = self.updates.send(Update::Closed(closed)).await;
                    return;
                }
                Ended::Dropped(reason) => {
                    let _ = socket.close(None).await;
                    tracing::debug!(%reason, "the live connection dropped; resuming");
                    if self
                        .updates
                        .send(Update::Reconnecting { reason })
                        .await
                        .is_err()
                    {
                        return;
                    }
                    match self.reconnect().await {
                        Ok(s) => socket = s,
                        Err(closed) => {
                            let _ = self.updates.send(Update::Closed(closed)).await;
                            return;
                        }
                    }
                }
            }
        }
    }

    fn fail_pending(&mut self, error: OpError) {
        for (_, pending) in self.pending.drain() {
            if let Pending::Op(answer) = pending {
                let _ = answer.send(Err(error.clone()));
            }
        }
    }

    /// Connects again with `resume` until it works, the server refuses for good, or
    /// [`LiveOptions::reconnect_for`] passes. Backs off from 100 ms to 5 s.
    async fn reconnect(&mut self) -> Result<Socket, Closed> {
        let give_up = Instant::now() + self.options.reconnect_for;
        let mut wait = Duration::from_millis(100);
        loop {
            let resume = Resume {
                session: self.session.clone(),
                seq: self.seq,
            };
            let failure = match handshake(
                &self.url,
                &self.token,
                Some(resume),
                self.options.hello_timeout,
            )
            .await
            {
                Ok((socket, First::Resumed)) => {
                    self.send_update(Update::Resumed)
                        .await
                        .map_err(|_| abandoned())?;
                    return Ok(socket);
                }
                Ok((socket, First::Welcome(welcome))) => {
                    self.session = welcome.session.clone();
                    self.seq = welcome.seq;
                    self.send_update(Update::Welcome(welcome))
                        .await
                        .map_err(|_| abandoned())?;
                    return Ok(socket);
                }
                Err(Handshake::Closed(closed)) => match closed.close().map(Close::reconnect) {
                    Some(Reconnect::Yes | Reconnect::WithResume) => closed.to_string(),
                    Some(Reconnect::AfterDelay) => {
                        wait = wait.max(Duration::from_secs(2));
                        closed.to_string()
                    }
                    _ => return Err(closed),
                },
                Err(Handshake::Failed(reason)) => reason,
            };
            if Instant::now() + wait > give_up {
                return Err(Closed {
                    code: None,
                    reason: format!(
                        "could not reconnect within {} s: {failure}",
                        self.options.reconnect_for.as_secs()
                    ),
                });
            }
            tracing::debug!(%failure, ?wait, "reconnecting to the live show failed; retrying");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }

    async fn send_update(&self, update: Update) -> Result<(), ()> {
        self.updates.send(update).await.map_err(|_| ())
    }

    /// Runs one connection until it ends.
    async fn pump(&mut self, socket: &mut Socket) -> Ended {
        let idle = self.options.idle_timeout;
        let mut silent_until = Instant::now() + idle;
        // Three quick clock samples, then one every `ping_every`.
        let mut pings_sent = 0u32;
        let mut next_ping = Instant::now();
        loop {
            tokio::select! {
                message = socket.next() => {
                    silent_until = Instant::now() + idle;
                    let text = match message {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Close(frame))) => {
                            let closed = closed_by(frame.as_ref());
                            return match closed.close().map(Close::reconnect) {
                                Some(Reconnect::Yes | Reconnect::WithResume | Reconnect::AfterDelay) => {
                                    Ended::Dropped(closed.to_string())
                                }
                                _ => Ended::Closed(closed),
                            };
                        }
                        // Pings are answered by the library as it reads.
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => return Ended::Dropped(format!("the connection failed: {e}")),
                        None => return Ended::Dropped("the connection ended without a close".into()),
                    };
                    if let Some(ended) = self.inbound(&text).await {
                        return ended;
                    }
                }
                op = self.ops.recv() => {
                    let Some((op, answer)) = op else { return Ended::Abandoned };
                    self.next_ref += 1;
                    let reference = self.next_ref.to_string();
                    let frame = Frame { op, reference: Some(reference.clone()) };
                    if let Err(e) = socket.send(Message::text(frame.to_json())).await {
                        let _ = answer.send(Err(OpError::Disconnected));
                        return Ended::Dropped(format!("sending failed: {e}"));
                    }
                    self.pending.insert(reference, Pending::Op(answer));
                }
                () = tokio::time::sleep_until(next_ping) => {
                    self.next_ref += 1;
                    let reference = format!("clock-{}", self.next_ref);
                    let frame = Frame { op: Op::Ping { t0: now_ms() }, reference: Some(reference.clone()) };
                    if let Err(e) = socket.send(Message::text(frame.to_json())).await {
                        return Ended::Dropped(format!("sending failed: {e}"));
                    }
                    self.pending.insert(reference, Pending::Clock);
                    pings_sent += 1;
                    next_ping = Instant::now() + if pings_sent < 3 {
                        Duration::from_millis(250)
                    } else {
                        self.options.ping_every
                    };
                }
                () = tokio::time::sleep_until(silent_until) => {
                    return Ended::Dropped(format!("nothing from the server for {} s", idle.as_secs()));
                }
            }
        }
    }

    /// Handles one text frame; `Some` ends the connection.
    async fn inbound(&mut self, text: &str) -> Option<Ended> {
        let frame = match inbound::read(text) {
            Ok(frame) => frame,
            Err(e) => {
                tracing::warn!(error = %e, "a frame from the live show could not be read");
                return None;
            }
        };
        let (seq, update) = match frame {
            Inbound::Reply(reply) => {
                self.answer(reply);
                return None;
            }
            Inbound::Pong { reference, times } => {
                let t3 = now_ms();
                self.clock
                    .lock()
                    .expect("clock lock")
                    .sample(times.t0, times.t1, times.t2, t3);
                match reference.and_then(|r| self.pending.remove(&r)) {
                    Some(Pending::Op(answer)) => {
                        let _ = answer.send(Ok(Ack {
                            seq: None,
                            d: json!({"t0": times.t0, "t1": times.t1, "t2": times.t2, "t3": t3}),
                        }));
                    }
                    Some(Pending::Clock) | None => {}
                }
                return None;
            }
            Inbound::Event(event) => match &event.kind {
                EventKind::Welcome(_) | EventKind::Resumed { .. } => {
                    return Some(Ended::Dropped(format!(
                        "the server sent `{}` in the middle of the show",
                        if matches!(event.kind, EventKind::Welcome(_)) {
                            "welcome"
                        } else {
                            "resumed"
                        }
                    )));
                }
                _ => (event.seq, Update::Event(event)),
            },
            Inbound::Unknown { seq, frame } => (seq, Update::Unknown(frame)),
        };
        if let Some(seq) = seq {
            if seq <= self.seq {
                // Replayed on a resume and already passed on.
                return None;
            }
            if seq != self.seq + 1 {
                let missed = if seq == self.seq + 2 {
                    format!("event {} was missed", self.seq + 1)
                } else {
                    format!("events {} to {} were missed", self.seq + 1, seq - 1)
                };
                return Some(Ended::Dropped(missed));
            }
            self.seq = seq;
        }
        if self.updates.send(update).await.is_err() {
            return Some(Ended::Abandoned);
        }
        None
    }

    fn answer(&mut self, reply: ReplyFrame) {
        let Some(reference) = reply.reference else {
            tracing::warn!(error = ?reply.error, "the live show could not read a frame of this client");
            return;
        };
        let Some(Pending::Op(answer)) = self.pending.remove(&reference) else {
            return;
        };
        let result = if reply.ok {
            let d = reply.d.unwrap_or(Value::Null);
            Ok(Ack {
                seq: d["seq"].as_u64(),
                d,
            })
        } else {
            Err(match reply.error {
                Some(refusal) => OpError::Refused(refusal),
                None => OpError::Refused(medley_live::Refusal::bad_request(
                    "refused without a reason",
                )),
            })
        };
        let _ = answer.send(result);
    }
}

fn abandoned() -> Closed {
    Closed {
        code: Some(u16::from(CloseCode::Normal)),
        reason: "the program stopped reading".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(seq: u64) -> (Task, mpsc::Receiver<Update>) {
        let (updates, read) = mpsc::channel(16);
        let (_ops_in, ops) = mpsc::channel(1);
        let task = Task {
            url: "ws://127.0.0.1:1/v1/shows/s/live".into(),
            token: "t".into(),
            options: LiveOptions::default(),
            session: "s".into(),
            seq,
            updates,
            ops,
            clock: Arc::default(),
            pending: HashMap::new(),
            next_ref: 0,
        };
        (task, read)
    }

    fn event(seq: Option<u64>) -> String {
        match seq {
            Some(seq) => format!(r#"{{"op":"hand.raised","d":{{"user":"u"}},"seq":{seq},"ts":1}}"#),
            None => r#"{"op":"audience","d":{"count":2},"ts":1}"#.into(),
        }
    }

    #[tokio::test]
    async fn reliable_events_pass_once_in_order_and_a_gap_resumes() {
        let (mut task, mut read) = task(3);
        assert!(task.inbound(&event(Some(4))).await.is_none());
        // A replay of what was passed on is skipped.
        assert!(task.inbound(&event(Some(3))).await.is_none());
        assert!(task.inbound(&event(Some(4))).await.is_none());
        // Ephemeral events have no seq and pass.
        assert!(task.inbound(&event(None)).await.is_none());
        // Unknown events count in seq.
        let unknown = r#"{"op":"poll.opened","d":{},"seq":5,"ts":1}"#;
        assert!(task.inbound(unknown).await.is_none());
        assert_eq!(task.seq, 5);
        // A gap is never passed over: the connection resumes from the last seq passed on.
        match task.inbound(&event(Some(7))).await {
            Some(Ended::Dropped(reason)) => assert_eq!(reason, "event 6 was missed"),
            _ => panic!("a gap drops the connection"),
        }
        assert_eq!(task.seq, 5);
        let mut seqs = Vec::new();
        while let Ok(update) = read.try_recv() {
            seqs.push(match update {
                Update::Event(e) => e.seq,
                Update::Unknown(v) => v["seq"].as_u64(),
                other => panic!("{other:?}"),
            });
        }
        assert_eq!(seqs, [Some(4), None, Some(5)]);
    }

    #[tokio::test]
    async fn replies_reach_the_op_that_asked() {
        let (mut task, _read) = task(0);
        let (ok, ok_answer) = oneshot::channel();
        let (refused, refused_answer) = oneshot::channel();
        task.pending.insert("1".into(), Pending::Op(ok));
        task.pending.insert("2".into(), Pending::Op(refused));
        task.inbound(r#"{"op":"reply","ref":"1","ok":true,"d":{"seq":9}}"#)
            .await;
        task.inbound(
            r#"{"op":"reply","ref":"2","ok":false,"error":{"code":"forbidden","message":"no"}}"#,
        )
        .await;
        assert_eq!(ok_answer.await.unwrap().unwrap().seq, Some(9));
        let Err(OpError::Refused(r)) = refused_answer.await.unwrap() else {
            panic!()
        };
        assert_eq!(r.message, "no");
        // A pong feeds the clock.
        task.pending.insert("clock-3".into(), Pending::Clock);
        let t = now_ms();
        task.inbound(&format!(
            r#"{{"op":"pong","ref":"clock-3","d":{{"t0":{t},"t1":{t},"t2":{t}}}}}"#
        ))
        .await;
        assert!(task.clock.lock().unwrap().estimate().is_some());
        assert!(task.pending.is_empty());
    }
}
