//! Audio sent from the page cache to the socket without a copy through memory (`sendfile`), on
//! Linux, over HTTP/1.1.
//!
//! hyper writes a response's body from memory, so each byte of a file would be copied twice:
//! from the page cache into a buffer, then from the buffer into the socket. nginx sends files
//! with `sendfile`, which does neither, and on loopback the two copies were most of what a
//! stream cost Medley (docs/BENCHMARKS.md, "Audio library"). hyper has no way to be handed a
//! file, so each connection is a [`Connection`]: the socket, and a queue of file ranges due. A
//! stream's body ([`ZeroCopy::body`]) yields, for each chunk of its range, the chunk's file
//! range queued and, in its place, a slice of [`PLACEHOLDER`], memory that nothing else points
//! into. hyper counts and frames those bytes like any body's, and hands them by reference to
//! [`Connection`]'s write, which knows them by their address and sends the file range queued
//! first instead, with `sendfile`. The placeholder's bytes are never written.
//!
//! What this relies on, each held by a test of the streams over a real socket
//! (`crates/api/tests/api/audio_zero_copy.rs`):
//! - hyper writes with its queued strategy (vectored writes), set with `writev(true)`, which
//!   passes body chunks through by reference and never copies them into its own buffer;
//! - no layer between the handler and hyper reads or changes a stream's body (none compresses);
//! - an HTTP/1.1 connection writes one response after another, each body's chunks in order, so
//!   the queue's order is the order in which the placeholders reach the socket.
//!
//! A placeholder met with no file range queued, or a file that ends early, is an error that
//! closes the connection, as a failed read does: a client never gets wrong bytes.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex};
use std::task::{ready, Context, Poll};

use axum::body::Body;
use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// The most a body yields at once (each chunk is one `sendfile`, at most).
const CHUNK: usize = 1024 * 1024;

/// What stands in a body for a file's bytes; its address is how [`Connection`] knows them.
/// Zeroed memory from the allocator that nothing reads: it takes no room in the binary and, its
/// pages never touched, none in memory.
static PLACEHOLDER: LazyLock<&'static [u8]> =
    LazyLock::new(|| Box::leak(vec![0u8; CHUNK].into_boxed_slice()));

/// Whether `buf` lies within [`PLACEHOLDER`].
fn is_placeholder(buf: &[u8]) -> bool {
    let start = PLACEHOLDER.as_ptr() as usize;
    let at = buf.as_ptr() as usize;
    !buf.is_empty() && at >= start && at + buf.len() <= start + CHUNK
}

/// A file range due on a connection.
struct Due {
    file: Arc<File>,
    offset: u64,
    remaining: usize,
}

type Queue = Arc<Mutex<VecDeque<Due>>>;

/// How a request's handler sends a file's bytes on the connection it came in on without copying
/// them (a request extension, on Linux).
#[derive(Clone)]
pub struct ZeroCopy(Queue);

impl ZeroCopy {
    /// A body of the bytes of `range` of `file`, sent by the connection from the page cache.
    /// The caller checked the file (its size and modification time) and that the range's pages
    /// are cached (`medley_audio::LocalRange::Cached`).
    pub fn body(&self, file: File, range: Range<u64>) -> Body {
        Body::new(FileBody {
            queue: Arc::clone(&self.0),
            file: Arc::new(file),
            next: range.start,
            end: range.end,
        })
    }
}

/// The body of a file range: placeholders, each after its range is queued.
struct FileBody {
    queue: Queue,
    file: Arc<File>,
    next: u64,
    end: u64,
}

impl hyper::body::Body for FileBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.next >= this.end {
            return Poll::Ready(None);
        }
        let n = (this.end - this.next).min(CHUNK as u64) as usize;
        lock(&this.queue).push_back(Due {
            file: Arc::clone(&this.file),
            offset: this.next,
            remaining: n,
        });
        this.next += n as u64;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&PLACEHOLDER[..n])))))
    }

    fn is_end_stream(&self) -> bool {
        self.next >= self.end
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.end - self.next)
    }
}

fn lock(queue: &Queue) -> std::sync::MutexGuard<'_, VecDeque<Due>> {
    // A panic while the lock was held left the queue as it was: go on with it.
    queue.lock().unwrap_or_else(|e| e.into_inner())
}

/// An accepted socket that sends the file ranges of [`ZeroCopy`] bodies with `sendfile`.
pub struct Connection {
    tcp: TcpStream,
    queue: Queue,
}

impl Connection {
    /// The connection, and the extension its requests carry (none where `sendfile` is not
    /// used: every body is then written from memory).
    pub fn new(tcp: TcpStream) -> (Connection, Option<ZeroCopy>) {
        let queue = Queue::default();
        let zero_copy = cfg!(target_os = "linux").then(|| ZeroCopy(Arc::clone(&queue)));
        (Connection { tcp, queue }, zero_copy)
    }

    /// The socket, for a connection upgraded to something else (a live show's WebSocket).
    pub fn into_tcp(self) -> TcpStream {
        self.tcp
    }

    /// Sends at most `max` bytes of the file range due first.
    fn send_file(&mut self, cx: &mut Context<'_>, max: usize) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.tcp.poll_write_ready(cx))?;
            let mut queue = lock(&self.queue);
            let Some(due) = queue.front_mut() else {
                return Poll::Ready(Err(io::Error::other(
                    "a file's bytes were due on a connection that had no file range queued",
                )));
            };
            let want = max.min(due.remaining);
            let sent = self
                .tcp
                .try_io(Interest::WRITABLE, || send(&self.tcp, due, want));
            match sent {
                Ok(0) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "an audio file ended before the range being sent",
                    )))
                }
                Ok(n) => {
                    due.remaining -= n;
                    if due.remaining == 0 {
                        queue.pop_front();
                    }
                    return Poll::Ready(Ok(n));
                }
                // The socket is full (its readiness was cleared: wait for it), or a signal
                // came first.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

/// One `sendfile` of at most `want` bytes of `due` (its offset moves on by what was sent).
#[cfg(target_os = "linux")]
fn send(tcp: &TcpStream, due: &mut Due, want: usize) -> io::Result<usize> {
    Ok(rustix::fs::sendfile(
        tcp,
        &*due.file,
        Some(&mut due.offset),
        want,
    )?)
}

#[cfg(not(target_os = "linux"))]
fn send(_tcp: &TcpStream, _due: &mut Due, _want: usize) -> io::Result<usize> {
    Err(io::Error::other(
        "files are sent from the page cache only on Linux",
    ))
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if is_placeholder(buf) {
            return self.send_file(cx, buf.len());
        }
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    /// The slices before the first placeholder go out in one `writev`; a placeholder first goes
    /// out as its file range.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match bufs.iter().position(|b| is_placeholder(b)) {
            Some(0) => self.send_file(cx, bufs[0].len()),
            Some(first) => Pin::new(&mut self.tcp).poll_write_vectored(cx, &bufs[..first]),
            None => Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_slices_of_the_placeholder_are_taken_for_file_bytes() {
        assert!(is_placeholder(&PLACEHOLDER[..]));
        assert!(is_placeholder(&PLACEHOLDER[CHUNK - 1..]));
        assert!(is_placeholder(&PLACEHOLDER[10..20]));
        assert!(!is_placeholder(&PLACEHOLDER[5..5]));
        let zeros = vec![0u8; CHUNK];
        assert!(!is_placeholder(&zeros));
        assert!(!is_placeholder(b"HTTP/1.1 206 Partial Content\r\n"));
    }
}
