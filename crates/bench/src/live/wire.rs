//! What differs between the two servers the generator drives: the URL, joining, the comment
//! frame, and reading what arrives. Everything else (connecting, scheduling, timing) is the
//! same code for both.
//!
//! - Medley, LIVE.md: `hello` with the token, then `welcome`; a comment is
//!   `{"op":"comment","d":{"text"},"ref"}`, answered by a `reply` after its `comment` event.
//! - Socket.IO 5 over Engine.IO 4, WebSocket transport only
//!   (`/socket.io/?EIO=4&transport=websocket`): the server's open packet `0{…}`, our connect
//!   packet `40{"token","show"}` (the baseline's server authenticates the token and joins the
//!   show's room), its `40{"sid"}`, then its `42["welcome",…]`; a comment is
//!   `42["comment",{"text"}]`, broadcast to the room as `42["comment",{…,"text",…}]`; the
//!   server's ping `2` is answered with the pong `3`.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Ws = WebSocketStream<TcpStream>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Medley's live shows (LIVE.md).
    Medley,
    /// The Socket.IO 4.8 baseline of `bench/socketio`.
    Socketio,
}

/// A frame as the generator sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A comment event carrying the time it was sent (µs since the generator's start).
    Comment {
        sent_us: u64,
    },
    /// Medley accepted one of our comments (its `reply`).
    Accepted,
    /// Medley refused one of our comments.
    Refused,
    /// Socket.IO's ping: answer with [`Protocol::pong`].
    Ping,
    Other,
}

/// The text of a load-test comment: its send time.
pub fn comment_text(sent_us: u64) -> String {
    format!("load {sent_us}")
}

/// How far joining may take.
const JOIN_TIMEOUT: Duration = Duration::from_secs(60);

/// The generator's sockets: a small read buffer and frames written as they are sent, so
/// that ten thousand of them fit beside the server.
fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Medley => "Medley",
            Protocol::Socketio => "Socket.IO",
        }
    }

    fn url(self, base: &str, show: &str) -> anyhow::Result<String> {
        let ws = if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{}", rest.trim_end_matches('/'))
        } else if base.starts_with("ws://") {
            base.trim_end_matches('/').to_owned()
        } else {
            bail!("--url must be http://host:port or ws://host:port (got {base})");
        };
        Ok(match self {
            Protocol::Medley => format!("{ws}/v1/shows/{show}/live"),
            Protocol::Socketio => format!("{ws}/socket.io/?EIO=4&transport=websocket"),
        })
    }

    /// Opens a WebSocket and joins `show` as the owner of `token`; done when the server's
    /// welcome arrived.
    pub async fn join(self, base: &str, show: &str, token: &str) -> anyhow::Result<Ws> {
        let url = self.url(base, show)?;
        tokio::time::timeout(JOIN_TIMEOUT, self.join_at(&url, show, token))
            .await
            .map_err(|_| anyhow!("joining took over {} s", JOIN_TIMEOUT.as_secs()))?
    }

    async fn join_at(self, url: &str, show: &str, token: &str) -> anyhow::Result<Ws> {
        let host = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap_or_default();
        let tcp = TcpStream::connect(host)
            .await
            .with_context(|| format!("connecting to {host}"))?;
        tcp.set_nodelay(true)?;
        let (mut ws, _) = tokio_tungstenite::client_async_with_config(url, tcp, Some(config()))
            .await
            .context("WebSocket handshake")?;
        match self {
            Protocol::Medley => {
                let hello = serde_json::json!({"op": "hello", "d": {"v": 1, "token": token}});
                ws.send(Message::text(hello.to_string())).await?;
                wait_for(&mut ws, |t| t.starts_with("{\"op\":\"welcome\"")).await?;
            }
            Protocol::Socketio => {
                wait_for(&mut ws, |t| t.starts_with('0')).await?;
                let auth = serde_json::json!({"token": token, "show": show});
                ws.send(Message::text(format!("40{auth}"))).await?;
                wait_for(&mut ws, |t| {
                    if t.starts_with("44") {
                        Err(anyhow!("Socket.IO refused the connection: {t}"))
                    } else {
                        Ok(t.starts_with("40"))
                    }
                })
                .await?;
                wait_for(&mut ws, |t| t.starts_with("42[\"welcome\"")).await?;
            }
        }
        Ok(ws)
    }

    /// The frame of a comment.
    pub fn comment(self, text: &str) -> String {
        match self {
            Protocol::Medley => {
                serde_json::json!({"op": "comment", "d": {"text": text}, "ref": "c"}).to_string()
            }
            Protocol::Socketio => {
                format!("42{}", serde_json::json!(["comment", {"text": text}]))
            }
        }
    }

    /// Socket.IO's pong.
    pub fn pong(self) -> &'static str {
        "3"
    }

    pub fn read(self, text: &str) -> Incoming {
        match self {
            Protocol::Medley => {
                if text.starts_with("{\"op\":\"comment\"") {
                    sent_time(text).map_or(Incoming::Other, |sent_us| Incoming::Comment { sent_us })
                } else if text.starts_with("{\"op\":\"reply\"") {
                    if text.contains("\"ok\":true") {
                        Incoming::Accepted
                    } else {
                        Incoming::Refused
                    }
                } else {
                    Incoming::Other
                }
            }
            Protocol::Socketio => {
                if text == "2" {
                    Incoming::Ping
                } else if text.starts_with("42[\"comment\"") {
                    sent_time(text).map_or(Incoming::Other, |sent_us| Incoming::Comment { sent_us })
                } else {
                    Incoming::Other
                }
            }
        }
    }
}

/// The send time in a comment event's `"text":"load <µs>"`.
fn sent_time(frame: &str) -> Option<u64> {
    const KEY: &str = "\"text\":\"load ";
    let start = frame.find(KEY)? + KEY.len();
    let digits = &frame[start..];
    let end = digits.find(|c: char| !c.is_ascii_digit())?;
    digits[..end].parse().ok()
}

/// Reads frames until a text frame `done` accepts (`Ok(true)`); a close or an error fails,
/// with the close code and reason.
async fn wait_for<F, R>(ws: &mut Ws, mut done: F) -> anyhow::Result<()>
where
    F: FnMut(&str) -> R,
    R: IntoOutcome,
{
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                if done(text.as_str()).outcome()? {
                    return Ok(());
                }
            }
            Some(Ok(Message::Close(frame))) => {
                return Err(match frame {
                    Some(f) => anyhow!("closed by the server: {} {}", u16::from(f.code), f.reason),
                    None => anyhow!("closed by the server"),
                })
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => bail!("the connection ended"),
        }
    }
}

/// A predicate's answer: a plain `bool`, or a `Result` that may fail the wait.
trait IntoOutcome {
    fn outcome(self) -> anyhow::Result<bool>;
}

impl IntoOutcome for bool {
    fn outcome(self) -> anyhow::Result<bool> {
        Ok(self)
    }
}

impl IntoOutcome for anyhow::Result<bool> {
    fn outcome(self) -> anyhow::Result<bool> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_events_give_their_send_time() {
        let medley = r#"{"op":"comment","d":{"id":"x","user":"u","text":"load 1234","at":5},"seq":3,"ts":5}"#;
        assert_eq!(
            Protocol::Medley.read(medley),
            Incoming::Comment { sent_us: 1234 }
        );
        let sio = r#"42["comment",{"id":1,"user":"u","text":"load 99","at":5}]"#;
        assert_eq!(
            Protocol::Socketio.read(sio),
            Incoming::Comment { sent_us: 99 }
        );
        assert_eq!(Protocol::Socketio.read("2"), Incoming::Ping);
        assert_eq!(
            Protocol::Medley.read(r#"{"op":"reply","ref":"c","ok":true,"d":{"seq":4}}"#),
            Incoming::Accepted
        );
        assert_eq!(
            Protocol::Medley.read(r#"{"op":"reply","ref":"c","ok":false,"error":{}}"#),
            Incoming::Refused
        );
        assert_eq!(
            Protocol::Medley.read(r#"{"op":"audience","d":{"count":3},"ts":5}"#),
            Incoming::Other
        );
    }
}
