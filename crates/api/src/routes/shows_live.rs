//! The live show's WebSocket, `GET /v1/shows/{id}/live` (LIVE.md): the transport around the
//! show's actor. One task per connection: it waits for `hello` (10 s, else 4003),
//! authenticates its token (4001), joins through `medley_app::shows::live::connect` (4004,
//! 4010, 4012), then sends pings (every 25 s with jitter), writes what its outlet held once
//! the socket takes more, and reads the client's frames: `ping` is answered here at once with
//! `pong`; other ops go to the actor; frames not understood get a `bad_request` reply and,
//! past a few a minute, 4002; more frames than the rate allows, 4008; a client silent for
//! 60 s is dropped. The show's frames do not pass through this task (see below).
//!
//! Buffers are sized for many idle connections: reads of at most 512 bytes into a buffer that
//! grows to the frame being read (client frames are at most 4 KiB; larger ones up to 64 KiB
//! are read and refused, beyond that the connection closes with 4002). Nothing waits to write:
//! every frame goes to the connection's outlet (`medley_app::shows::live::outlet`), which
//! writes it at once or holds it until the socket takes it, and the show's frames are written
//! there by its writer threads, not by this task.

use std::future::poll_fn;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use futures::StreamExt;
use medley_app::shows::live::outlet::PING;
use medley_app::shows::live::{self, Connected, End, LiveConfig, Outlet};
use medley_app::{now_ms, App};
use medley_domain::causes::Causes;
use medley_domain::ShowId;
use medley_live::{parse_frame, Close, Frame, Op, Pong, Reply, MAX_FRAME_BYTES};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::extract::Path;
use crate::live_socket::{self, LiveStream};
use crate::state::AppState;

/// The largest message read at all; larger ones close the connection with 4002.
const MAX_MESSAGE_BYTES: usize = 16 * MAX_FRAME_BYTES;

/// What one read of the socket asks for, and the read buffer's size between frames. Most
/// client frames fit (a comment, a ping); a larger one takes a few reads, the buffer growing to
/// its length. tungstenite zeroes this much before every read: 4 KiB there was 2.4% of the
/// server's time at 10,000 listeners, and 4 KiB of memory each.
const READ_CHUNK_BYTES: usize = 512;

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
    mut request: Request,
) -> Response {
    let response = match live_socket::handshake(&headers) {
        Ok(response) => response,
        Err(e) => return e.into_response(),
    };
    let upgrade = hyper::upgrade::on(&mut request);
    let app = (*state.app).clone();
    // A browser's session cookie, for a `hello` that carries its CSRF token instead of a token.
    let cookie = crate::cookie::session_in(&headers);
    let base = state.render.base.to_string();
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_CHUNK_BYTES)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_MESSAGE_BYTES)
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    let capacity = app.shows.config().queue_frames;
    tokio::spawn(async move {
        if let Some((socket, outlet)) = live_socket::upgraded(upgrade, config, capacity).await {
            run(app, base, id, cookie, socket, outlet).await;
        }
    });
    response
}

async fn run(
    app: App,
    base: String,
    show: ShowId,
    cookie: Option<String>,
    mut socket: LiveStream,
    outlet: Arc<Outlet>,
) {
    let config = app.shows.config().clone();
    let mut limits = Limits::new(&config);
    let joined = hello(&app, &config, cookie, &mut socket, &outlet, &mut limits).await;
    if let Some((user, resume)) = joined {
        match live::connect(&app, &show, &user, &base, resume, outlet.clone()).await {
            Ok(connected) => pump(&config, &mut socket, &outlet, connected, limits).await,
            Err(close) => close_with(&outlet, close).await,
        }
    }
    socket.get_ref().shutdown();
}

/// Waits for `hello` and authenticates it; closes the socket and answers `None` otherwise.
async fn hello(
    app: &App,
    config: &LiveConfig,
    cookie: Option<String>,
    socket: &mut LiveStream,
    outlet: &Outlet,
    limits: &mut Limits,
) -> Option<(medley_domain::user::User, Option<medley_live::Resume>)> {
    let deadline = Instant::now() + config.hello_timeout;
    loop {
        let message = match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => {
                close_with(outlet, Close::NoHello).await;
                return None;
            }
            Ok(Some(Ok(message))) => message,
            Ok(_) => return None,
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(_) => {
                if refuse(outlet, limits, None, binary_refusal()).await {
                    return None;
                }
                continue;
            }
            Message::Close(_) => return None,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
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
                    close_with(outlet, Close::AuthFailed).await;
                    return None;
                }
                return match live::authenticate(app, &token).await {
                    Ok(Some(user)) => Some((user, hello.resume)),
                    Ok(None) => {
                        close_with(outlet, Close::AuthFailed).await;
                        None
                    }
                    Err(e) => {
                        tracing::error!(error = %Causes(&e), "authenticating a live connection failed");
                        close_with(outlet, Close::Restarting).await;
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
        if refuse(outlet, limits, reference, refusal).await {
            return None;
        }
    }
}

/// What to do after a step of the loop.
enum Step {
    Go,
    /// Close with this code.
    Close(Close),
    /// The outlet ended: the show closed the connection (its close frame is queued), or the
    /// socket failed.
    Ended(End),
    /// The socket is gone: nothing more can be sent.
    Drop,
}

/// The connection's life after joining: its outlet is written to by the show, this task
/// reads the client's frames, pings, and keeps the outlet flowing when its socket was full.
async fn pump(
    config: &LiveConfig,
    socket: &mut LiveStream,
    outlet: &Outlet,
    c: Connected,
    mut limits: Limits,
) {
    // The two timers live as long as the connection and move only when their deadline does.
    let ping = tokio::time::sleep(config.next_ping());
    let idle = tokio::time::sleep(config.idle_timeout);
    let serve = poll_fn(|cx| outlet.poll_serve(cx));
    tokio::pin!(ping, idle, serve);
    let mut step = Step::Go;
    while matches!(step, Step::Go) {
        step = tokio::select! {
            biased;
            end = &mut serve => Step::Ended(end),
            message = socket.next() => {
                idle.as_mut().reset(Instant::now() + config.idle_timeout);
                match message {
                    Some(Ok(Message::Text(text))) => {
                        incoming(outlet, &c, &mut limits, &text).await
                    }
                    Some(Ok(Message::Binary(_))) => {
                        if refuse(outlet, &mut limits, None, binary_refusal()).await {
                            Step::Drop
                        } else {
                            Step::Go
                        }
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Step::Go,
                    Some(Ok(Message::Close(_))) | None => Step::Drop,
                    // Unreadable: over the largest message, or not WebSocket at all.
                    Some(Err(_)) => Step::Close(Close::NotUnderstood),
                }
            }
            _ = &mut ping => {
                ping.as_mut().reset(Instant::now() + config.next_ping());
                outlet.raw(Bytes::from_static(PING));
                Step::Go
            }
            // Silent too long (not even a pong): dropped; the user may still resume.
            _ = &mut idle => Step::Drop,
        };
    }
    // The show hears at once that the connection is gone (a connection too slow may take
    // ten seconds to take its close frame), and nothing is written after the close.
    if let Step::Close(close) = step {
        outlet.close(close);
    }
    c.gone().await;
    if let Step::Close(close) | Step::Ended(End::Closed(close)) = step {
        flush_close(outlet, close).await;
    }
}

/// A text frame from the client.
async fn incoming(outlet: &Outlet, c: &Connected, limits: &mut Limits, text: &str) -> Step {
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
            outlet.text(&pong);
            Step::Go
        }
        Ok(Frame { op, reference }) => {
            // False when the show's actor is gone (it ended, or the server is stopping): its
            // last frames, with the close, are on their way to the outlet.
            c.send(op, reference).await;
            Step::Go
        }
        Err(e) => {
            if refuse(outlet, limits, e.reference, e.refusal).await {
                Step::Drop
            } else {
                Step::Go
            }
        }
    }
}

/// Answers a frame not understood with a `bad_request` reply (`ref` null when the frame's
/// could not be read) and counts it: past the allowance the connection closes with 4002.
/// True when the connection is closed.
async fn refuse(
    outlet: &Outlet,
    limits: &mut Limits,
    reference: Option<String>,
    refusal: medley_live::Refusal,
) -> bool {
    let reply = match reference {
        Some(r) => Reply::refused(r, refusal).to_json(),
        None => serde_json::json!({"op": "reply", "ref": null, "ok": false, "error": refusal})
            .to_string(),
    };
    outlet.text(&reply);
    if limits.bad_frame() {
        close_with(outlet, Close::NotUnderstood).await;
        return true;
    }
    outlet.ended()
}

fn binary_refusal() -> medley_live::Refusal {
    medley_live::Refusal::bad_request("send text frames, one JSON object each")
}

/// Sends a close frame with `close`'s code and reason after what the outlet holds.
async fn close_with(outlet: &Outlet, close: Close) {
    outlet.close(close);
    flush_close(outlet, close).await;
}

/// Waits for the close frame to go out, a little for a client that does not read: a second,
/// or ten for one closed as too slow (it is behind by definition, and should still learn that
/// it may resume).
async fn flush_close(outlet: &Outlet, close: Close) {
    let wait = if close == Close::TooSlow { 10 } else { 1 };
    let flushed = poll_fn(|cx| outlet.poll_flushed(cx));
    let _ = tokio::time::timeout(Duration::from_secs(wait), flushed).await;
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
