//! The outlet's rules, against a socket whose room the test sets.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Waker;

use super::*;

/// A socket that takes `room` more bytes, then blocks.
struct Gate {
    taken: Mutex<Vec<u8>>,
    room: AtomicUsize,
    /// Writes that took something.
    writes: AtomicUsize,
}

impl Gate {
    fn new(room: usize) -> Arc<Gate> {
        Arc::new(Gate {
            taken: Mutex::default(),
            room: AtomicUsize::new(room),
            writes: AtomicUsize::new(0),
        })
    }

    fn open(&self, more: usize) {
        self.room.fetch_add(more, Ordering::SeqCst);
    }

    fn taken(&self) -> Vec<u8> {
        std::mem::take(&mut self.taken.lock().unwrap())
    }
}

impl Wire for Gate {
    fn try_write(&self, bytes: &[u8]) -> io::Result<usize> {
        let room = self.room.load(Ordering::SeqCst);
        if room == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = room.min(bytes.len());
        self.room.fetch_sub(n, Ordering::SeqCst);
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.taken.lock().unwrap().extend_from_slice(&bytes[..n]);
        Ok(n)
    }

    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let all: Vec<u8> = bufs.iter().flat_map(|b| b.to_vec()).collect();
        self.try_write(&all)
    }

    fn poll_writable(&self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.room.load(Ordering::SeqCst) > 0 {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }
}

fn event(text: &str) -> Shared {
    Shared::new(text.into())
}

fn frames(texts: &[&str]) -> Vec<u8> {
    texts.iter().flat_map(|t| text_frame(t).to_vec()).collect()
}

fn serve(outlet: &Outlet) -> Poll<End> {
    outlet.poll_serve(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn what_the_socket_does_not_take_is_held_and_written_in_order_when_it_does() {
    let gate = Gate::new(5);
    let outlet = Outlet::new(gate.clone(), 8);
    assert!(outlet.reliable(&event("one")));
    assert!(outlet.reliable(&event("two")));
    outlet.text("three");
    assert_eq!(gate.taken(), frames(&["one"])[..5].to_vec());
    assert_eq!(
        serve(&outlet),
        Poll::Pending,
        "blocked: nothing more is written"
    );
    gate.open(1_000);
    assert_eq!(serve(&outlet), Poll::Pending, "written: waiting for more");
    assert_eq!(gate.taken(), frames(&["one", "two", "three"])[5..].to_vec());
}

#[test]
fn frames_held_while_the_socket_was_full_go_out_together_when_it_drains() {
    let gate = Gate::new(0);
    let outlet = Outlet::new(gate.clone(), 64);
    let texts: Vec<String> = (0..20).map(|i| format!("event {i}")).collect();
    for text in &texts {
        assert!(outlet.reliable(&event(text)));
    }
    assert_eq!(gate.writes.load(Ordering::SeqCst), 0);
    gate.open(10_000);
    assert_eq!(serve(&outlet), Poll::Pending);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(gate.taken(), frames(&texts), "all of them, in order");
    assert_eq!(
        gate.writes.load(Ordering::SeqCst),
        2,
        "{TOGETHER} frames a write"
    );
}

#[test]
fn events_taken_together_are_one_write_and_what_the_socket_leaves_is_held_in_order() {
    let gate = Gate::new(text_frame("one").len() + 2);
    let outlet = Outlet::new(gate.clone(), 8);
    let events = [event("one"), event("two"), event("three")];
    assert!(outlet.reliable_all(&events));
    assert_eq!(gate.writes.load(Ordering::SeqCst), 1);
    assert!(outlet.reliable(&event("four")), "held behind them");
    gate.open(1_000);
    assert_eq!(serve(&outlet), Poll::Pending);
    assert_eq!(gate.taken(), frames(&["one", "two", "three", "four"]));
    assert_eq!(
        gate.writes.load(Ordering::SeqCst),
        2,
        "the rest in one write"
    );
}

#[test]
fn a_connection_holding_its_capacity_is_closed_as_too_slow_after_the_frame_it_began() {
    let gate = Gate::new(3);
    let outlet = Outlet::new(gate.clone(), 2);
    assert!(outlet.reliable(&event("one")));
    assert!(outlet.reliable(&event("two")));
    assert!(!outlet.reliable(&event("three")), "one too many");
    assert!(!outlet.reliable(&event("four")), "nothing after the end");
    outlet.text("five");
    assert_eq!(serve(&outlet), Poll::Ready(End::Closed(Close::TooSlow)));
    gate.open(1_000);
    let flushed = outlet.poll_flushed(&mut Context::from_waker(Waker::noop()));
    assert_eq!(flushed, Poll::Ready(true));
    let mut expected = frames(&["one"]);
    expected.extend_from_slice(&close_frame(Close::TooSlow));
    assert_eq!(
        gate.taken(),
        expected,
        "the frame begun, finished, then the close"
    );
}

#[test]
fn ephemeral_frames_go_only_to_a_connection_keeping_up_and_the_latest_audience_waits() {
    let gate = Gate::new(1_000);
    let outlet = Outlet::new(gate.clone(), 8);
    let reaction = text_frame("reaction");
    outlet.ephemeral(
        std::slice::from_ref(&reaction),
        Some(&text_frame("audience 1")),
    );
    assert_eq!(gate.taken(), frames(&["reaction", "audience 1"]));

    gate.room.store(0, Ordering::SeqCst);
    outlet.reliable(&event("held"));
    outlet.ephemeral(
        std::slice::from_ref(&reaction),
        Some(&text_frame("audience 2")),
    );
    outlet.ephemeral(&[], Some(&text_frame("audience 3")));
    gate.open(1_000);
    assert_eq!(serve(&outlet), Poll::Pending);
    assert_eq!(
        gate.taken(),
        frames(&["held", "audience 3"]),
        "the reaction dropped, the latest audience sent once caught up"
    );
}

#[test]
fn a_close_goes_after_what_is_held_and_nothing_after_it() {
    let gate = Gate::new(0);
    let outlet = Outlet::new(gate.clone(), 8);
    outlet.reliable(&event("before"));
    outlet.close(Close::ShowEnded);
    outlet.close(Close::Normal);
    assert!(!outlet.reliable(&event("after")));
    outlet.raw(Bytes::from_static(PING));
    assert_eq!(serve(&outlet), Poll::Ready(End::Closed(Close::ShowEnded)));
    gate.open(1_000);
    let flushed = outlet.poll_flushed(&mut Context::from_waker(Waker::noop()));
    assert_eq!(flushed, Poll::Ready(true));
    let mut expected = frames(&["before"]);
    expected.extend_from_slice(&close_frame(Close::ShowEnded));
    assert_eq!(gate.taken(), expected);
}
