//! The live show's WebSocket, `GET /v1/shows/{id}/live` (LIVE.md): the transport around the
//! show's actor. One task per connection: it waits for `hello` (10 s, else 4003),
//! authenticates its token (4001), joins through `medley_app::shows::live::connect` (4004,
//! 4010, 4012), then sends the first frames and, in order, the reliable frames of its
//! bounded queue, the latest ephemeral frames, and pings (every 25 s with jitter), while it
//! reads the client's frames: `ping` is answered here at once with `pong`; other ops go to the
//! actor; frames not understood get a `bad_request` reply and, past a few a minute, 4002;
//! more frames than the rate allows, 4008; a client silent for 60 s is dropped.
//!
//! Buffers are sized for many idle connections: reads of at most 512 bytes into a buffer that
//! grows to the frame being read (client frames are at most 4 KiB; larger ones up to 64 KiB
//! are read and refused, beyond that the connection closes with 4002), and frames written as
//! soon as the connection runs. What has queued up by then (the first frames of a join or a
//! resume, events that came while the connection waited its turn) goes out together, up to
//! 2 KiB and within the largest frame the connection has written: one TCP segment and one
//! wake-up of the client instead of one per frame, so that a busy server writes less per
//! frame the further it falls behind. Arrivals, departures and audience counts wait up to
//! [`ARRIVALS_WAIT`] for the frames after them; any other frame takes them along at once.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::SinkExt;
use medley_app::shows::live::{self, Connected, LiveConfig, Outbound, Signer};
use medley_app::{now_ms, App};
use medley_domain::causes::Causes;
use medley_domain::ShowId;
use medley_live::{parse_frame, Close, Frame, Op, Pong, Reply, MAX_FRAME_BYTES};
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_stream::wrappers::WatchStream;
use tokio_stream::StreamExt;

use crate::error::ApiError;
use crate::extract::Path;
use crate::state::AppState;

/// The largest message read at all; larger ones close the connection with 4002.
const MAX_MESSAGE_BYTES: usize = 16 * MAX_FRAME_BYTES;

/// What one read of the socket asks for, and the read buffer's size between frames. Most
/// client frames fit (a comment, a ping); a larger one takes a few reads, the buffer growing to
/// its length. tungstenite zeroes this much before every read, and the connection polls its
/// socket after every frame it sends: 4 KiB there was 2.4% of the server's time at 10,000
/// listeners, and 4 KiB of memory each.
const READ_CHUNK_BYTES: usize = 512;

/// Frames waiting in a connection's queue are taken together up to this many bytes, and
/// written together as far as the room of [`Out`] allows; a larger frame is written at once, alone.
const BATCH_BYTES: usize = 2 * 1024;

/// How long an arrival, a departure or an audience count may wait for the frames after it
/// ([`medley_live::event::may_wait`]): when 100 people come into a show of 100 at once, each
/// of them gets 99 `joined` and the counts between them; written together, they cost a few
/// writes instead of 99.
const ARRIVALS_WAIT: Duration = Duration::from_millis(200);

/// What the connection has fed its socket. `room` is the largest frame it has written,
/// header included: tungstenite's write buffer keeps the capacity of the most it ever held
/// (one frame at a time, it is the largest frame), so frames written together up to this
/// size cost no memory the connection does not hold already, where a batch of 2 KiB behind a
/// small welcome would double the buffer for the connection's life.
#[derive(Default)]
struct Out {
    room: usize,
    /// Bytes fed and not yet written.
    held: usize,
    /// The bytes held are frames that may wait ([`ARRIVALS_WAIT`]).
    waiting: bool,
}

impl Out {
    /// Everything fed was written (a flush, or a `send`, which flushes).
    fn written(&mut self) {
        self.held = 0;
        self.waiting = false;
    }
}

/// A frame's length on the wire: its payload and the server's (unmasked) header.
fn wire_len(payload: usize) -> usize {
    payload
        + match payload {
            0..=125 => 2,
            126..=65_535 => 4,
            _ => 10,
        }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/shows/{id}/live", get(live))
}

/// Join a live show: a WebSocket speaking LIVE.md (send `hello` with your token first).
#[utoipa::path(get, path = "/v1/shows/{id}/live", params(("id" = String, Path)), tag = "shows",
    responses((status = 101, description = "Switching Protocols: the live show's WebSocket (docs/LIVE.md)"),
        (status = 400, description = "Not a WebSocket request")))]
pub async fn live(
    State(state): State<AppState>,
    Path(id): Path<ShowId>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(e) => {
            return ApiError::BadRequest(format!(
                "connect with a WebSocket client (LIVE.md): {}",
                e.body_text()
            ))
            .into_response()
        }
    };
    let app = (*state.app).clone();
    // A browser's session cookie, for a `hello` that carries its CSRF token instead of a token.
    let cookie = crate::cookie::session_in(&headers);
    let base = state.render.base.to_string();
    upgrade
        .read_buffer_size(READ_CHUNK_BYTES)
        // Frames fed are held until flushed (or past this size): a batch is one write.
        .write_buffer_size(BATCH_BYTES)
        .max_write_buffer_size(MAX_MESSAGE_BYTES)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| run(app, base, id, cookie, socket))
}

async fn run(app: App, base: String, show: ShowId, cookie: Option<String>, mut socket: WebSocket) {
    let config = app.shows.config().clone();
    let mut limits = Limits::new(&config);
    let Some((user, resume)) = hello(&app, &config, cookie, &mut socket, &mut limits).await else {
        return;
    };
    match live::connect(&app, &show, &user, &base, resume).await {
        Ok(connected) => pump(&config, socket, connected, limits).await,
        Err(close) => close_with(&mut socket, close).await,
    }
}

/// Waits for `hello` and authenticates it; closes the socket and answers `None` otherwise.
async fn hello(
    app: &App,
    config: &LiveConfig,
    cookie: Option<String>,
    socket: &mut WebSocket,
    limits: &mut Limits,
) -> Option<(medley_domain::user::User, Option<medley_live::Resume>)> {
    let deadline = Instant::now() + config.hello_timeout;
    loop {
        let message = match tokio::time::timeout_at(deadline, socket.recv()).await {
            Err(_) => {
                close_with(socket, Close::NoHello).await;
                return None;
            }
            Ok(Some(Ok(message))) => message,
            Ok(_) => return None,
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(_) => {
                let refusal = binary_refusal();
                if refuse(socket, limits, None, refusal).await {
                    return None;
                }
                continue;
            }
            Message::Close(_) => return None,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        let (reference, refusal) = match parse_frame(&text) {
            Ok(Frame {
                op: Op::Hello(hello),
                ..
            }) => {
                // The token itself, or the session cookie's when `csrf` proves the page is ours.
                let token = match (&hello.csrf, &cookie) {
                    (None, _) => hello.token.clone(),
                    (Some(csrf), Some(cookie)) if crate::cookie::csrf_matches(cookie, csrf) => {
                        cookie.clone()
                    }
                    (Some(_), _) => String::new(),
                };
                if token.is_empty() {
                    close_with(socket, Close::AuthFailed).await;
                    return None;
                }
                return match live::authenticate(app, &token).await {
                    Ok(Some(user)) => Some((user, hello.resume)),
                    Ok(None) => {
                        close_with(socket, Close::AuthFailed).await;
                        None
                    }
                    Err(e) => {
                        tracing::error!(error = %Causes(&e), "authenticating a live connection failed");
                        close_with(socket, Close::Restarting).await;
                        None
                    }
                };
            }
            Ok(frame) => (
                frame.reference,
                medley_live::Refusal::unauthorized(
                    "send `hello` first: {\"op\": \"hello\", \"d\": {\"v\": 1, \"token\": \"<token>\"}}",
                ),
            ),
            Err(e) => (e.reference, e.refusal),
        };
        if refuse(socket, limits, reference, refusal).await {
            return None;
        }
    }
}

/// What to do after a step of the loop.
enum Step {
    Go,
    /// Close with this code.
    Close(Close),
    /// The socket is gone: nothing more can be sent.
    Drop,
}

/// The connection's life after joining.
async fn pump(config: &LiveConfig, mut socket: WebSocket, mut c: Connected, mut limits: Limits) {
    let mut slow_open = true;
    let mut ephemeral_open = true;
    let initial = std::mem::take(&mut c.initial);
    let mut out = Out::default();
    let mut step = deliver_all(
        &mut socket,
        &initial,
        false,
        &mut c,
        &mut slow_open,
        &mut out,
    )
    .await;
    // Not kept for the connection's life: a welcome lists up to 100 participants (4 KB).
    drop(initial);
    // The welcome holds the audience count: only later changes are sent.
    let mut audience_sent = c.ephemeral.borrow().audience.as_ref().map(|(v, _)| *v);
    // A stream keeps its wait for the next change registered from one frame to the next: a
    // `changed()` made anew at every frame joined and left the show's one watch list, shared
    // by every listener, once per frame per listener.
    let mut ephemeral = WatchStream::from_changes(c.ephemeral.clone());
    // The two timers live as long as the connection and move only when their deadline does:
    // made anew at every frame, each would enter and leave the timer wheel once per frame
    // per listener.
    let ping = tokio::time::sleep(config.next_ping());
    let idle = tokio::time::sleep(config.idle_timeout);
    // Set when frames that may wait are held; only polled while they are.
    let arrivals = tokio::time::sleep(ARRIVALS_WAIT);
    tokio::pin!(ping, idle, arrivals);
    while matches!(step, Step::Go) {
        step = tokio::select! {
            biased;
            slow = &mut c.too_slow, if slow_open => match slow {
                Ok(()) => Step::Close(Close::TooSlow),
                Err(_) => {
                    slow_open = false;
                    Step::Go
                }
            },
            _ = &mut arrivals, if out.waiting => {
                out.written();
                let flush = async { socket.flush().await.map(|()| Step::Go) };
                unless_too_slow(flush, &mut c.too_slow, &mut slow_open).await
            }
            queued = c.queue.recv() => match queued {
                Some(Outbound::Frame(frame)) => {
                    let deadline = arrivals.as_mut();
                    deliver_taken(&mut socket, &[frame], &mut c, &mut slow_open, &mut out, deadline).await
                }
                Some(Outbound::Close(close)) => Step::Close(close),
                None => Step::Close(Close::Restarting),
            },
            latest = ephemeral.next(), if ephemeral_open => match latest {
                Some(latest) => {
                    let mut frames: Vec<_> = latest.reactions.clone();
                    if let Some((version, frame)) = &latest.audience {
                        if audience_sent != Some(*version) {
                            audience_sent = Some(*version);
                            frames.push(frame.clone());
                        }
                    }
                    if frames.is_empty() {
                        Step::Go
                    } else {
                        let deadline = arrivals.as_mut();
                        deliver_taken(&mut socket, &frames, &mut c, &mut slow_open, &mut out, deadline)
                            .await
                    }
                }
                None => {
                    ephemeral_open = false;
                    Step::Go
                }
            },
            message = socket.recv() => {
                idle.as_mut().reset(Instant::now() + config.idle_timeout);
                match message {
                    Some(Ok(Message::Text(text))) => {
                        incoming(&mut socket, &mut c, &mut limits, &text, &mut slow_open, &mut out).await
                    }
                    Some(Ok(Message::Binary(_))) => {
                        out.written();
                        if refuse(&mut socket, &mut limits, None, binary_refusal()).await {
                            Step::Drop
                        } else {
                            Step::Go
                        }
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Step::Go,
                    Some(Ok(Message::Close(_))) | None => Step::Drop,
                    // Unreadable: over the largest message, or not WebSocket at all.
                    Some(Err(_)) => Step::Close(Close::NotUnderstood),
                }
            }
            _ = &mut ping => {
                ping.as_mut().reset(Instant::now() + config.next_ping());
                let ping = Message::Ping(Default::default());
                deliver(&mut socket, ping, &mut c, &mut slow_open, &mut out).await
            }
            // Silent too long (not even a pong): dropped; the user may still resume.
            _ = &mut idle => Step::Drop,
        };
    }
    if let Step::Close(close) = step {
        close_with(&mut socket, close).await;
    }
    c.gone().await;
}

/// A text frame from the client.
async fn incoming(
    socket: &mut WebSocket,
    c: &mut Connected,
    limits: &mut Limits,
    text: &str,
    slow_open: &mut bool,
    out: &mut Out,
) -> Step {
    let received = now_ms();
    if !limits.take() {
        return Step::Close(Close::RateLimited);
    }
    match parse_frame(text) {
        Ok(Frame {
            op: Op::Ping { t0 },
            reference,
        }) => {
            let pong = Pong::answer(reference, t0, received, now_ms()).to_json();
            deliver(socket, Message::Text(pong.into()), c, slow_open, out).await
        }
        Ok(Frame { op, reference }) => {
            if c.send(op, reference).await {
                Step::Go
            } else {
                // The show's actor is gone (it ended, or the server is stopping); its last
                // frames, with the close, are in the queue.
                Step::Go
            }
        }
        Err(e) => {
            out.written();
            if refuse(socket, limits, e.reference, e.refusal).await {
                Step::Drop
            } else {
                Step::Go
            }
        }
    }
}

/// Sends a frame, unless the actor finds the connection too slow meanwhile.
async fn deliver(
    socket: &mut WebSocket,
    message: Message,
    c: &mut Connected,
    slow_open: &mut bool,
    out: &mut Out,
) -> Step {
    // A `send` writes what is held first.
    out.written();
    let send = async { socket.send(message).await.map(|()| Step::Go) };
    unless_too_slow(send, &mut c.too_slow, slow_open).await
}

/// What `send` comes to (a socket that fails is dropped), unless the actor finds the
/// connection too slow first: then 4009 at once.
async fn unless_too_slow(
    send: impl std::future::Future<Output = Result<Step, axum::Error>>,
    too_slow: &mut oneshot::Receiver<()>,
    slow_open: &mut bool,
) -> Step {
    tokio::pin!(send);
    loop {
        tokio::select! {
            sent = &mut send => return sent.unwrap_or(Step::Drop),
            slow = &mut *too_slow, if *slow_open => match slow {
                Ok(()) => return Step::Close(Close::TooSlow),
                Err(_) => *slow_open = false,
            },
        }
    }
}

/// [`deliver_all`] for frames the connection took from its queue or its ephemeral slot: they
/// may wait, and when they start a wait its deadline is set.
async fn deliver_taken(
    socket: &mut WebSocket,
    frames: &[Arc<str>],
    c: &mut Connected,
    slow_open: &mut bool,
    out: &mut Out,
    arrivals: std::pin::Pin<&mut tokio::time::Sleep>,
) -> Step {
    let waiting = out.waiting;
    let step = deliver_all(socket, frames, true, c, slow_open, out).await;
    if out.waiting && !waiting {
        arrivals.reset(Instant::now() + ARRIVALS_WAIT);
    }
    step
}

/// Sends `frames` in order and, when `drain`, the frames already waiting behind them in the
/// queue (up to [`BATCH_BYTES`]), each signed for the connection's user, in as few writes as
/// its [`Out`] allows; then what follows (a close queued behind them). Unless the actor finds
/// the connection too slow meanwhile. When `drain` and every frame fed may wait
/// ([`ARRIVALS_WAIT`]), they are held, not written, with anything already held. Each frame is
/// copied for the socket only as it is written, as a lone frame would be.
async fn deliver_all(
    socket: &mut WebSocket,
    frames: &[Arc<str>],
    drain: bool,
    c: &mut Connected,
    slow_open: &mut bool,
    out: &mut Out,
) -> Step {
    let (signer, queue, too_slow) = c.sending();
    let send = async {
        // Anything held already may wait: every other write leaves nothing held.
        let mut may_wait = drain;
        for frame in frames {
            may_wait &= medley_live::event::may_wait(frame);
            hold(socket, &signer, frame, out).await?;
        }
        let mut taken = 0;
        let mut then = Step::Go;
        while drain && taken < BATCH_BYTES {
            match queue.try_recv() {
                Ok(Outbound::Frame(frame)) => {
                    taken += frame.len();
                    may_wait &= medley_live::event::may_wait(&frame);
                    hold(socket, &signer, &frame, out).await?;
                }
                Ok(Outbound::Close(close)) => {
                    then = Step::Close(close);
                    break;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    then = Step::Close(Close::Restarting);
                    break;
                }
            }
        }
        if may_wait && matches!(then, Step::Go) {
            out.waiting = true;
            return Ok(then);
        }
        out.written();
        socket.flush().await.map(|()| then)
    };
    unless_too_slow(send, too_slow, slow_open).await
}

/// Feeds one frame to the socket, writing out what it holds first when the frame would not
/// fit beside it in the connection's room ([`Out`]).
async fn hold(
    socket: &mut WebSocket,
    signer: &Signer<'_>,
    frame: &str,
    out: &mut Out,
) -> Result<(), axum::Error> {
    let text = signer.personal(frame);
    let len = wire_len(text.len());
    let message = Message::Text(text.as_ref().into());
    if out.held > 0 && out.held + len > out.room {
        socket.flush().await?;
        out.held = 0;
    }
    out.room = out.room.max(len);
    out.held += len;
    socket.feed(message).await
}

/// Answers a frame not understood with a `bad_request` reply (`ref` null when the frame's
/// could not be read) and counts it: past the allowance the connection closes with 4002.
/// True when the connection is closed.
async fn refuse(
    socket: &mut WebSocket,
    limits: &mut Limits,
    reference: Option<String>,
    refusal: medley_live::Refusal,
) -> bool {
    let reply = match reference {
        Some(r) => Reply::refused(r, refusal).to_json(),
        None => serde_json::json!({"op": "reply", "ref": null, "ok": false, "error": refusal})
            .to_string(),
    };
    if socket.send(Message::Text(reply.into())).await.is_err() {
        return true;
    }
    if limits.bad_frame() {
        close_with(socket, Close::NotUnderstood).await;
        return true;
    }
    false
}

fn binary_refusal() -> medley_live::Refusal {
    medley_live::Refusal::bad_request("send text frames, one JSON object each")
}

/// Sends a close frame with `close`'s code and reason, waiting a little for a client that
/// does not read: a second, or ten for one closed as too slow (it is behind by definition,
/// and should still learn that it may resume).
async fn close_with(socket: &mut WebSocket, close: Close) {
    let frame = CloseFrame {
        code: close.code(),
        reason: close.reason().into(),
    };
    let wait = if close == Close::TooSlow { 10 } else { 1 };
    let _ = tokio::time::timeout(
        Duration::from_secs(wait),
        socket.send(Message::Close(Some(frame))),
    )
    .await;
}

/// A connection's allowances: frames per second (a token bucket holding two seconds' worth)
/// and frames not understood per minute.
struct Limits {
    per_second: f64,
    tokens: f64,
    refilled: Instant,
    bad_allowed: u32,
    bad: u32,
    bad_since: Instant,
}

impl Limits {
    fn new(config: &LiveConfig) -> Limits {
        let per_second = f64::from(config.frames_per_second.max(1));
        Limits {
            per_second,
            tokens: 2.0 * per_second,
            refilled: Instant::now(),
            bad_allowed: config.bad_frames,
            bad: 0,
            bad_since: Instant::now(),
        }
    }

    /// Takes one frame's allowance; false when there is none left.
    fn take(&mut self) -> bool {
        let now = Instant::now();
        let earned = now.duration_since(self.refilled).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + earned).min(2.0 * self.per_second);
        self.refilled = now;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }

    /// Counts a frame not understood; true when it is one too many this minute.
    fn bad_frame(&mut self) -> bool {
        let now = Instant::now();
        if now.duration_since(self.bad_since) > Duration::from_secs(60) {
            self.bad = 0;
            self.bad_since = now;
        }
        self.bad += 1;
        self.bad > self.bad_allowed
    }
}
