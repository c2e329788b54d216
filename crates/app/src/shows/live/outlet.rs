//! One connection's way out: the socket written to directly by whoever has a frame for it
//! (the writer threads of [`super::writers`], the connection's own task), each frame whole,
//! and what the socket would not take held in order until it will.
//!
//! Why not a queue and a task that empties it: at 10,000 listeners an event woke 10,000 tasks,
//! each of which went once round its loop to write one frame; that cost about as much again as
//! the writes themselves (docs/BENCHMARKS.md, "Live shows"). Here an event is framed once and
//! written by a few threads straight to the sockets; a connection's task is woken only when its
//! socket is full or its connection ends.
//!
//! The rules the queue had hold here: reliable frames go out in order, and a connection that
//! holds [`Outlet`]'s capacity of them unsent is too slow (closed with 4009 at once, the frames
//! held dropped); ephemeral frames are written only to a connection that holds nothing (the
//! latest audience frame waits for it to catch up); a close goes out after what is held, and
//! nothing after it.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll};

use bytes::{BufMut, Bytes, BytesMut};
use futures::task::AtomicWaker;
use medley_live::Close;

use super::links::Links;
use crate::clock::now_ms;

/// The socket below an outlet, as the transport gives it.
pub trait Wire: Send + Sync + 'static {
    /// Writes what the socket takes now, without waiting (`WouldBlock` when it takes nothing).
    fn try_write(&self, bytes: &[u8]) -> io::Result<usize>;
    /// Writes what the socket takes of `bufs`, in order, without waiting: frames written
    /// together, one segment for the client instead of one each.
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        self.try_write(first)
    }
    /// Ready once the socket may take more; wakes `cx` then.
    fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// How a connection's outlet ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Its close frame is queued (after what was held), with this code: by the show, by the
    /// connection, or 4009 for a connection too slow.
    Closed(Close),
    /// The socket failed, or the connection is gone: nothing more is written.
    Broken,
}

/// A frame for many connections: its text, and its bytes on the wire when they are the same
/// for everyone (frames with stream URLs are signed for each listener, and framed then).
#[derive(Clone, Debug)]
pub(crate) struct Shared {
    text: Arc<str>,
    wire: Option<Bytes>,
}

impl Shared {
    pub(crate) fn new(text: Arc<str>) -> Shared {
        let wire = (!Links::signs(&text)).then(|| text_frame(&text));
        Shared { text, wire }
    }

    /// The frame's text length.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }
}

/// Frames written together at most: events a writer thread had waiting for the same show
/// (it fell behind), or frames a connection held while its socket was full.
pub(crate) const TOGETHER: usize = 16;

/// A WebSocket text frame from the server (unmasked), header and payload.
pub fn text_frame(text: &str) -> Bytes {
    frame(0x1, text.as_bytes(), &[])
}

/// A WebSocket close frame from the server, with `close`'s code and reason.
pub fn close_frame(close: Close) -> Bytes {
    frame(0x8, &close.code().to_be_bytes(), close.reason().as_bytes())
}

/// A WebSocket ping from the server, with no payload.
pub const PING: &[u8] = &[0x89, 0x00];

fn frame(opcode: u8, head: &[u8], tail: &[u8]) -> Bytes {
    let len = head.len() + tail.len();
    let mut out = BytesMut::with_capacity(len + 10);
    out.put_u8(0x80 | opcode);
    if len < 126 {
        out.put_u8(len as u8);
    } else if len <= usize::from(u16::MAX) {
        out.put_u8(126);
        out.put_u16(len as u16);
    } else {
        out.put_u8(127);
        out.put_u64(len as u64);
    }
    out.put_slice(head);
    out.put_slice(tail);
    out.freeze()
}

/// One connection's socket and what it holds unsent.
pub struct Outlet {
    wire: Arc<dyn Wire>,
    /// Reliable frames held unsent at most; one more and the connection is too slow.
    capacity: usize,
    /// How its user's frames are signed (set when it joins a show).
    links: OnceLock<Links>,
    state: Mutex<State>,
    /// The connection's task: woken when frames are held or the outlet ends.
    task: AtomicWaker,
}

#[derive(Default)]
struct State {
    /// Frames not (wholly) written yet, oldest first; the first from `offset`.
    held: VecDeque<Bytes>,
    offset: usize,
    /// The latest audience frame, not written because frames were held.
    audience: Option<Bytes>,
    end: Option<End>,
}

/// What writing what is held came to.
enum Flush {
    Done,
    Blocked,
    Broken,
}

impl Outlet {
    /// An outlet on `wire` holding at most `capacity` reliable frames unsent.
    pub fn new(wire: Arc<dyn Wire>, capacity: usize) -> Outlet {
        Outlet {
            wire,
            capacity: capacity.max(1),
            links: OnceLock::new(),
            state: Mutex::default(),
            task: AtomicWaker::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held left whole frames behind: go on with them.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Signs this connection's frames with `links` from now on.
    pub(crate) fn sign_with(&self, links: Links) {
        let _ = self.links.set(links);
    }

    /// A frame as this connection's user gets it: the bytes shared by everyone, or signed
    /// and framed for them.
    fn framed<'a>(&self, frame: &'a Shared) -> Cow<'a, Bytes> {
        match &frame.wire {
            Some(bytes) => Cow::Borrowed(bytes),
            None => Cow::Owned(match self.links.get() {
                Some(links) => text_frame(&links.sign(&frame.text, now_ms() / 1000)),
                None => text_frame(&frame.text),
            }),
        }
    }

    /// A reliable frame: written, or held in order. False when the outlet has ended (now, as
    /// too slow, or before).
    pub(crate) fn reliable(&self, frame: &Shared) -> bool {
        let bytes = self.framed(frame);
        let mut state = self.state();
        if state.end.is_some() {
            return false;
        }
        self.hold_or_write(&mut state, &bytes)
    }

    /// Reliable frames, in order, written together as far as the socket takes them and the
    /// rest held. False when the outlet has ended.
    pub(crate) fn reliable_all(&self, frames: &[Shared]) -> bool {
        if let [frame] = frames {
            return self.reliable(frame);
        }
        let framed: Vec<Cow<'_, Bytes>> = frames.iter().map(|f| self.framed(f)).collect();
        let mut state = self.state();
        if state.end.is_some() {
            return false;
        }
        let mut rest = &framed[..];
        if state.held.is_empty() {
            let slices: Vec<&[u8]> = framed.iter().map(|b| &b[..]).collect();
            let Ok((done, offset)) = self.write_together(&slices, 0) else {
                self.broken(&mut state);
                return false;
            };
            // What the socket left starts the held frames, the first from where it stopped.
            rest = &framed[done..];
            if let Some(first) = rest.first() {
                state.held.push_back(Bytes::clone(first));
                state.offset = offset;
                rest = &rest[1..];
            }
        }
        for bytes in rest {
            if !self.hold_or_write(&mut state, bytes) {
                return false;
            }
        }
        if !state.held.is_empty() {
            self.task.wake();
        }
        state.end.is_none()
    }

    /// [`Outlet::reliable`] once the frame is framed and the outlet is open.
    fn hold_or_write(&self, state: &mut State, bytes: &Bytes) -> bool {
        if state.held.len() >= self.capacity {
            // Too slow: what it holds is dropped (a frame begun is finished, so the close
            // frame is read as one), and it learns why.
            let begun = (state.offset > 0).then(|| state.held.pop_front()).flatten();
            state.held.clear();
            state.held.extend(begun);
            state.audience = None;
            self.end(state, End::Closed(Close::TooSlow));
            return false;
        }
        self.push(state, bytes);
        state.end.is_none()
    }

    /// Writes `frames` (the first from `offset`), up to [`TOGETHER`] in one vectored write at
    /// a time, as far as the socket takes them: how many went whole, and how far into the
    /// next. `Err` when the socket failed.
    fn write_together(&self, frames: &[&[u8]], mut offset: usize) -> Result<(usize, usize), ()> {
        let mut done = 0;
        while done < frames.len() {
            let mut slices = [IoSlice::new(&[]); TOGETHER];
            let count = (frames.len() - done).min(TOGETHER);
            slices[0] = IoSlice::new(&frames[done][offset..]);
            for (slice, frame) in slices[1..count].iter_mut().zip(&frames[done + 1..]) {
                *slice = IoSlice::new(frame);
            }
            match self.wire.try_write_vectored(&slices[..count]) {
                Ok(0) => return Err(()),
                Ok(mut n) => {
                    while n > 0 {
                        let left = frames[done].len() - offset;
                        if n < left {
                            offset += n;
                            break;
                        }
                        n -= left;
                        done += 1;
                        offset = 0;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok((done, offset)),
                Err(_) => return Err(()),
            }
        }
        Ok((done, 0))
    }

    /// Ephemeral frames: written only when nothing is held (the audience frame is kept, the
    /// latest one, until what is held is written).
    pub(crate) fn ephemeral(&self, reactions: &[Bytes], audience: Option<&Bytes>) {
        let mut state = self.state();
        if state.end.is_some() {
            return;
        }
        for frame in reactions {
            if !state.held.is_empty() {
                break;
            }
            self.push(&mut state, frame);
        }
        if let Some(frame) = audience {
            if state.held.is_empty() {
                self.push(&mut state, frame);
            } else {
                state.audience = Some(frame.clone());
            }
        }
    }

    /// A frame of the connection's own (a `pong`, a refusal), after what is held.
    pub fn text(&self, text: &str) {
        self.raw(text_frame(text));
    }

    /// Bytes of whole frames (the WebSocket library's, a ping), after what is held; dropped
    /// once the outlet ended.
    pub fn raw(&self, bytes: Bytes) {
        let mut state = self.state();
        if state.end.is_none() {
            self.push(&mut state, &bytes);
        }
    }

    /// Queues the close frame after what is held; nothing is written after it. The first
    /// close wins.
    pub fn close(&self, close: Close) {
        let mut state = self.state();
        if state.end.is_none() {
            state.audience = None;
            self.end(&mut state, End::Closed(close));
        }
    }

    /// The connection is gone: nothing more is written, and what is held is dropped.
    pub fn finish(&self) {
        let mut state = self.state();
        state.held.clear();
        state.audience = None;
        state.end = Some(End::Broken);
    }

    /// Whether the outlet has ended.
    pub fn ended(&self) -> bool {
        self.state().end.is_some()
    }

    /// Writes `bytes` now if nothing is held, else holds them after the rest. Frames shared
    /// by many connections are borrowed, not counted, unless held: the writer threads would
    /// otherwise all count and uncount the same frame, once for each connection.
    fn push(&self, state: &mut State, bytes: &Bytes) {
        if !state.held.is_empty() {
            state.held.push_back(bytes.clone());
            return;
        }
        match self.write_together(&[&bytes[..]], 0) {
            Ok((1, _)) => {}
            Ok((_, written)) => {
                state.held.push_back(bytes.clone());
                state.offset = written;
                // The connection's task writes the rest when the socket takes it.
                self.task.wake();
            }
            Err(()) => self.broken(state),
        }
    }

    fn end(&self, state: &mut State, end: End) {
        if let End::Closed(close) = end {
            self.push(state, &close_frame(close));
        }
        if state.end.is_none() {
            state.end = Some(end);
        }
        self.task.wake();
    }

    fn broken(&self, state: &mut State) {
        state.held.clear();
        state.audience = None;
        state.end = Some(End::Broken);
        self.task.wake();
    }

    /// Writes what is held, as far as the socket takes it, [`TOGETHER`] frames at a time.
    fn flush(&self, state: &mut State) -> Flush {
        while !state.held.is_empty() {
            let mut frames: [&[u8]; TOGETHER] = [&[]; TOGETHER];
            let count = state.held.len().min(TOGETHER);
            for (slot, frame) in frames.iter_mut().zip(&state.held) {
                *slot = frame;
            }
            let written = self.write_together(&frames[..count], state.offset);
            let Ok((done, offset)) = written else {
                self.broken(state);
                return Flush::Broken;
            };
            state.held.drain(..done);
            state.offset = offset;
            if done < count {
                return Flush::Blocked;
            }
        }
        if state.end.is_none() {
            if let Some(audience) = state.audience.take() {
                self.push(state, &audience);
                if !state.held.is_empty() {
                    return Flush::Blocked;
                }
            }
        }
        Flush::Done
    }

    /// The connection task's side: writes what is held whenever the socket takes more, and is
    /// ready with the end once the outlet ended (its close frame may still be held: see
    /// [`Outlet::poll_flushed`]).
    pub fn poll_serve(&self, cx: &mut Context<'_>) -> Poll<End> {
        self.task.register(cx.waker());
        loop {
            let mut state = self.state();
            if let Some(end) = state.end {
                return Poll::Ready(end);
            }
            match self.flush(&mut state) {
                Flush::Done => return Poll::Pending,
                Flush::Broken => return Poll::Ready(End::Broken),
                Flush::Blocked => {}
            }
            drop(state);
            match self.wire.poll_writable(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(_)) => {
                    self.broken(&mut self.state());
                    return Poll::Ready(End::Broken);
                }
            }
        }
    }

    /// Ready once everything held is written (true), or the socket failed (false).
    pub fn poll_flushed(&self, cx: &mut Context<'_>) -> Poll<bool> {
        loop {
            let mut state = self.state();
            match self.flush(&mut state) {
                Flush::Done => return Poll::Ready(true),
                Flush::Broken => return Poll::Ready(false),
                Flush::Blocked => {}
            }
            drop(state);
            match self.wire.poll_writable(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(_)) => return Poll::Ready(false),
            }
        }
    }
}

#[cfg(test)]
#[path = "outlet_tests.rs"]
mod tests;
