//! The live shows' WebSocket below the protocol: the upgrade, and the socket shared by the
//! connection's task (which reads it, through tungstenite) and its [`Outlet`] (which everyone
//! writes to, whole frames at a time: the show's writer threads, tungstenite's own control
//! frames, the task's replies).
//!
//! Why the upgrade is done here: axum's `WebSocketUpgrade` hands over a WebSocket that owns
//! its socket, and the writer threads must write to the socket itself (docs/ARCHITECTURE.md,
//! "Live shows"). The handshake is RFC 6455's few checks and one header; what hyper upgraded
//! is taken back as the connection [`crate::server`] accepted.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use medley_app::shows::live::{Outlet, Wire};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use crate::error::ApiError;
use crate::zero_copy::Connection;

/// A live connection's WebSocket, read by its task.
pub type LiveStream = WebSocketStream<LiveIo>;

/// Checks the WebSocket handshake of a request (RFC 6455, 4.2.1) and answers it with 101;
/// `upgraded` then gives the socket. 400 with what is wrong otherwise.
pub fn handshake(headers: &HeaderMap) -> Result<Response, ApiError> {
    let has = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    let refuse = |why: &str| {
        Err(ApiError::BadRequest(format!(
            "connect with a WebSocket client (LIVE.md): {why}"
        )))
    };
    if !has(header::CONNECTION, "upgrade") {
        return refuse("the `Connection` header does not include `upgrade`");
    }
    if !has(header::UPGRADE, "websocket") {
        return refuse("the `Upgrade` header is not `websocket`");
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_none_or(|v| v.as_bytes() != b"13")
    {
        return refuse("the `Sec-WebSocket-Version` header is not 13");
    }
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
        return refuse("the `Sec-WebSocket-Key` header is missing");
    };
    let accept = derive_accept_key(key.as_bytes());
    let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = response.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&accept).expect("base64 is a header value"),
    );
    Ok(response)
}

/// The upgraded connection as a WebSocket and its outlet (holding at most `capacity` frames
/// unsent), once the 101 went out; `None` when the client went first.
pub async fn upgraded(
    upgrade: OnUpgrade,
    config: WebSocketConfig,
    capacity: usize,
) -> Option<(LiveStream, Arc<Outlet>)> {
    let upgraded: Upgraded = upgrade.await.ok()?;
    let parts = match upgraded.downcast::<TokioIo<Connection>>() {
        Ok(parts) => parts,
        Err(_) => {
            tracing::error!("a live connection was not one the server accepted; closed");
            return None;
        }
    };
    let socket = Arc::new(Socket(parts.io.into_inner().into_tcp()));
    let outlet = Arc::new(Outlet::new(socket.clone(), capacity));
    let io = LiveIo {
        socket,
        outlet: outlet.clone(),
        // Copied: the bytes hyper read past the handshake share its read buffer, which they
        // would keep alive (several KiB) for as long as the connection lasts.
        unread: Bytes::copy_from_slice(&parts.read_buf),
    };
    let stream = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
    Some((stream, outlet))
}

/// The socket, as the outlet writes to it and [`LiveIo`] reads it.
struct Socket(TcpStream);

impl Wire for Socket {
    fn try_write(&self, bytes: &[u8]) -> io::Result<usize> {
        self.0.try_write(bytes)
    }

    fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.0.try_write_vectored(bufs)
    }

    fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_write_ready(cx)
    }
}

/// The socket as tungstenite sees it: reads from the socket (after what hyper read past the
/// handshake), writes through the outlet, so that its pongs and close replies go out whole
/// and in turn with everyone else's frames.
pub struct LiveIo {
    socket: Arc<Socket>,
    outlet: Arc<Outlet>,
    unread: Bytes,
}

impl LiveIo {
    /// Shuts the socket down both ways (the outlet's writer threads may hold it a little
    /// longer: nothing more reaches the client).
    pub fn shutdown(&self) {
        self.outlet.finish();
        let _ = socket2::SockRef::from(&self.socket.0).shutdown(std::net::Shutdown::Both);
    }
}

impl AsyncRead for LiveIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.unread.is_empty() {
            let n = self.unread.len().min(buf.remaining());
            buf.put_slice(&self.unread.split_to(n));
            return Poll::Ready(Ok(()));
        }
        loop {
            ready!(self.socket.0.poll_read_ready(cx))?;
            match self.socket.0.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for LiveIo {
    /// Whole frames, each written at once or held by the outlet; never waits.
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.outlet.raw(Bytes::copy_from_slice(buf));
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use medley_app::shows::live::outlet::{close_frame, text_frame};
    use medley_live::Close;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
    use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame, Frame};

    fn formatted(frame: Frame) -> Vec<u8> {
        let mut bytes = Vec::new();
        frame.format(&mut bytes).unwrap();
        bytes
    }

    /// The outlet's frames are the bytes tungstenite would write, for each length encoding.
    #[test]
    fn outlet_frames_are_what_a_websocket_server_writes() {
        for len in [0, 125, 126, 65_535, 65_536] {
            let text = "x".repeat(len);
            let expected = formatted(Frame::message(text.clone(), OpCode::Data(Data::Text), true));
            assert_eq!(&*text_frame(&text), expected.as_slice(), "length {len}");
        }
        let close = Close::TooSlow;
        let expected = formatted(Frame::close(Some(CloseFrame {
            code: CloseCode::from(close.code()),
            reason: close.reason().into(),
        })));
        assert_eq!(&*close_frame(close), expected.as_slice());
        let ping = formatted(Frame::ping(Vec::<u8>::new()));
        assert_eq!(medley_app::shows::live::outlet::PING, ping.as_slice());
    }
}
