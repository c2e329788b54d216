//! How a show's frames reach its connections' outlets. A show's actor (or a node's relay of
//! the show) sends through its [`Room`]. A small room writes each frame itself, there and then;
//! a large one hands its frames to the writer threads, one per core, each owning a share of
//! every large room's connections: an event once for all (framed once, see [`Shared`]), a reply
//! or a close to the thread of that connection. Each thread writes in the order it is handed
//! things, so a connection gets its first frames, the events, its replies and its close in the
//! order the actor sent them.
//!
//! Threads of their own rather than tasks: writing an event to 10,000 sockets is tens of
//! milliseconds of system calls that never wait (a full socket holds the rest in its
//! [`Outlet`]), which would hold a runtime's worker for as long; the kernel shares the cores
//! between these threads and the runtime's workers instead.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use bytes::Bytes;
use medley_live::Close;

use super::outlet::{Outlet, Shared};

/// What a writer thread is handed.
enum Job {
    /// A connection joins the room: its first frames, then whatever follows.
    Attach {
        room: u64,
        conn: u64,
        outlet: Arc<Outlet>,
        initial: Vec<Arc<str>>,
    },
    /// A reliable event, for every connection of the room.
    Event { room: u64, frame: Shared },
    /// Ephemeral frames, for every connection of the room that holds nothing unsent.
    Ephemeral {
        room: u64,
        reactions: Arc<[Bytes]>,
        audience: Option<Bytes>,
    },
    /// A frame for one connection (a reply).
    One { room: u64, conn: u64, frame: Shared },
    /// Closes one connection after what it was sent before.
    Close { room: u64, conn: u64, close: Close },
    /// Closes every connection of the room.
    CloseAll { room: u64, close: Close },
    /// The connection is gone: forgotten.
    Leave { room: u64, conn: u64 },
    /// The room is gone: connections still in it are told to resume.
    Forget { room: u64 },
}

/// The writer threads of a node.
pub(crate) struct Writers {
    threads: Vec<mpsc::Sender<Job>>,
    next_room: AtomicU64,
}

impl Writers {
    /// One writer thread per core, or per worker of the runtime when it has fewer (nodes
    /// that share a machine share its cores out with `--workers`).
    pub(crate) fn new() -> Writers {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let workers = tokio::runtime::Handle::try_current()
            .ok()
            .filter(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
            .map_or(cores, |h| h.metrics().num_workers());
        Writers::with_threads(cores.min(workers))
    }

    pub(crate) fn with_threads(count: usize) -> Writers {
        let threads = (0..count.max(1))
            .map(|i| {
                let (tx, rx) = mpsc::channel();
                std::thread::Builder::new()
                    .name(format!("medley-live-writer-{i}"))
                    .spawn(move || {
                        batch_work();
                        write(rx)
                    })
                    .expect("a thread can be started");
                tx
            })
            .collect();
        Writers {
            threads,
            next_room: AtomicU64::new(1),
        }
    }

    /// A room for one show's connections (of its actor, or of a relay).
    pub(crate) fn room(&self) -> Room {
        Room {
            id: self.next_room.fetch_add(1, Ordering::Relaxed),
            threads: self.threads.clone(),
            small: Some(HashMap::new()),
        }
    }
}

/// Events a writer thread that fell behind takes together for one show, at most (bytes of text).
const TOGETHER_BYTES: usize = 2 * 1024;

/// Connections a room writes to itself, on its actor's or relay's task, before it hands them to
/// the writer threads. A small room's event is a few sends, cheaper than waking the threads;
/// a large one's would hold the task for as long as it takes to write them all.
const SMALL_ROOM: usize = 512;

/// A show's connections as its actor or relay reaches them. A small room writes its frames
/// itself; once it grows past [`SMALL_ROOM`] its connections move to the writer threads (each
/// connection belongs to one, and what is for all goes to every thread) and stay there. The
/// move keeps each connection's order: everything written before it is written already.
pub(crate) struct Room {
    id: u64,
    threads: Vec<mpsc::Sender<Job>>,
    /// The connections while the room is small; `None` once they are the threads'.
    small: Option<HashMap<u64, Arc<Outlet>>>,
}

impl Room {
    fn thread(&self, conn: u64) -> &mpsc::Sender<Job> {
        &self.threads[(conn % self.threads.len() as u64) as usize]
    }

    fn all(&self, job: impl Fn() -> Job) {
        for thread in &self.threads {
            // A writer thread ends only when every sender is gone.
            let _ = thread.send(job());
        }
    }

    /// `conn` joins: `initial` is written first (signed for its user), then what follows.
    pub(crate) fn attach(&mut self, conn: u64, outlet: Arc<Outlet>, initial: Vec<Arc<str>>) {
        let Some(small) = &mut self.small else {
            let room = self.id;
            let _ = self.thread(conn).send(Job::Attach {
                room,
                conn,
                outlet,
                initial,
            });
            return;
        };
        for frame in initial {
            outlet.reliable(&Shared::new(frame));
        }
        small.insert(conn, outlet);
        if small.len() > SMALL_ROOM {
            let conns = self.small.take().unwrap_or_default();
            for (conn, outlet) in conns {
                let _ = self.thread(conn).send(Job::Attach {
                    room: self.id,
                    conn,
                    outlet,
                    initial: Vec::new(),
                });
            }
        }
    }

    pub(crate) fn event(&self, frame: Arc<str>) {
        let frame = Shared::new(frame);
        if let Some(small) = &self.small {
            for outlet in small.values() {
                outlet.reliable(&frame);
            }
            return;
        }
        self.all(|| Job::Event {
            room: self.id,
            frame: frame.clone(),
        });
    }

    pub(crate) fn ephemeral(&self, reactions: &[Arc<str>], audience: Option<&str>) {
        let reactions: Arc<[Bytes]> = reactions
            .iter()
            .map(|f| super::outlet::text_frame(f))
            .collect();
        let audience = audience.map(super::outlet::text_frame);
        if let Some(small) = &self.small {
            for outlet in small.values() {
                outlet.ephemeral(&reactions, audience.as_ref());
            }
            return;
        }
        self.all(|| Job::Ephemeral {
            room: self.id,
            reactions: reactions.clone(),
            audience: audience.clone(),
        });
    }

    pub(crate) fn one(&self, conn: u64, frame: Arc<str>) {
        let frame = Shared::new(frame);
        if let Some(small) = &self.small {
            if let Some(outlet) = small.get(&conn) {
                outlet.reliable(&frame);
            }
            return;
        }
        let _ = self.thread(conn).send(Job::One {
            room: self.id,
            conn,
            frame,
        });
    }

    pub(crate) fn close(&mut self, conn: u64, close: Close) {
        if let Some(small) = &mut self.small {
            if let Some(outlet) = small.remove(&conn) {
                outlet.close(close);
            }
            return;
        }
        let _ = self.thread(conn).send(Job::Close {
            room: self.id,
            conn,
            close,
        });
    }

    pub(crate) fn close_all(&mut self, close: Close) {
        if let Some(small) = &mut self.small {
            for (_, outlet) in small.drain() {
                outlet.close(close);
            }
            return;
        }
        self.all(|| Job::CloseAll {
            room: self.id,
            close,
        });
    }

    pub(crate) fn leave(&mut self, conn: u64) {
        if let Some(small) = &mut self.small {
            small.remove(&conn);
            return;
        }
        let _ = self.thread(conn).send(Job::Leave {
            room: self.id,
            conn,
        });
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        if let Some(small) = &mut self.small {
            // Connections still here when their actor or relay went: they resume (1012).
            for (_, outlet) in small.drain() {
                outlet.close(Close::Restarting);
            }
            return;
        }
        let room = self.id;
        self.all(|| Job::Forget { room });
    }
}

/// Marks the calling thread as batch work (Linux's `SCHED_BATCH`, at the same niceness): the
/// kernel still gives it its fair share of the cores, but it does not preempt a running thread
/// when it wakes. A writer wakes for every event (a thousand times a second with a hundred busy
/// shows) and then writes for a while; taking the core at each wake-up from whatever ran there
/// (a connection reading a comment, the show's actor, any request) is what this avoids; it
/// was not shown to deliver sooner (docs/BENCHMARKS.md, "Runs of 2026-12-07").
fn batch_work() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::{
            set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
            ThreadPriority, ThreadPriorityOsValue, ThreadSchedulePolicy,
        };
        let policy = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
        let same = ThreadPriority::Os(ThreadPriorityOsValue::default());
        if let Err(e) = set_thread_priority_and_policy(thread_native_id(), same, policy) {
            tracing::debug!(error = ?e, "a live writer thread stays an ordinary thread");
        }
    }
}

/// A writer thread: its connections by room, each written in turn.
fn write(rx: mpsc::Receiver<Job>) {
    let mut rooms: HashMap<u64, HashMap<u64, Arc<Outlet>>> = HashMap::new();
    // A job taken while gathering events, to do next.
    let mut next = None;
    while let Some(job) = next.take().or_else(|| rx.recv().ok()) {
        match job {
            Job::Attach {
                room,
                conn,
                outlet,
                initial,
            } => {
                for frame in initial {
                    outlet.reliable(&Shared::new(frame));
                }
                rooms.entry(room).or_default().insert(conn, outlet);
            }
            Job::Event { room, frame } => {
                // Fallen behind: the show's events already waiting go with this one, written
                // together to each connection (fewer sends, and fewer reads for the client).
                let mut frames = vec![frame];
                let mut bytes = frames[0].len();
                while bytes < TOGETHER_BYTES {
                    match rx.try_recv() {
                        Ok(Job::Event { room: same, frame }) if same == room => {
                            bytes += frame.len();
                            frames.push(frame);
                        }
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                if let Some(conns) = rooms.get(&room) {
                    for outlet in conns.values() {
                        outlet.reliable_all(&frames);
                    }
                }
            }
            Job::Ephemeral {
                room,
                reactions,
                audience,
            } => {
                if let Some(conns) = rooms.get(&room) {
                    for outlet in conns.values() {
                        outlet.ephemeral(&reactions, audience.as_ref());
                    }
                }
            }
            Job::One { room, conn, frame } => {
                if let Some(outlet) = rooms.get(&room).and_then(|c| c.get(&conn)) {
                    outlet.reliable(&frame);
                }
            }
            Job::Close { room, conn, close } => {
                if let Some(outlet) = rooms.get_mut(&room).and_then(|c| c.remove(&conn)) {
                    outlet.close(close);
                }
            }
            Job::CloseAll { room, close } => {
                for outlet in rooms
                    .remove(&room)
                    .into_iter()
                    .flat_map(|c| c.into_values())
                {
                    outlet.close(close);
                }
            }
            Job::Leave { room, conn } => {
                if let Some(conns) = rooms.get_mut(&room) {
                    conns.remove(&conn);
                }
            }
            // Connections still here when their actor or relay went: they resume (1012), as
            // when a show's actor stops for a restart.
            Job::Forget { room } => {
                for outlet in rooms
                    .remove(&room)
                    .into_iter()
                    .flat_map(|c| c.into_values())
                {
                    outlet.close(Close::Restarting);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, IoSlice};
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;
    use std::task::{Context, Poll};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::shows::live::outlet::{text_frame, Wire, TOGETHER};

    /// A socket that takes everything and counts its writes; each write waits for `gate`.
    struct Sink {
        gate: Arc<Mutex<()>>,
        bytes: Mutex<Vec<u8>>,
        writes: AtomicUsize,
    }

    impl Wire for Sink {
        fn try_write(&self, bytes: &[u8]) -> io::Result<usize> {
            let _open = self.gate.lock().unwrap();
            self.writes.fetch_add(1, Ordering::SeqCst);
            self.bytes.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            self.try_write(&bufs.iter().flat_map(|b| b.to_vec()).collect::<Vec<u8>>())
        }

        fn poll_writable(&self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn a_writer_that_fell_behind_writes_the_waiting_events_together_and_in_order() {
        let writers = Writers::with_threads(2);
        let mut room = writers.room();
        let gate = Arc::new(Mutex::new(()));
        let sinks: Vec<Arc<Sink>> = (0..=SMALL_ROOM)
            .map(|_| {
                Arc::new(Sink {
                    gate: gate.clone(),
                    bytes: Mutex::default(),
                    writes: AtomicUsize::new(0),
                })
            })
            .collect();
        for (conn, sink) in sinks.iter().enumerate() {
            let outlet = Arc::new(Outlet::new(sink.clone(), 256));
            room.attach(conn as u64, outlet, vec!["welcome".into()]);
        }
        assert!(room.small.is_none(), "the room is the writer threads' now");

        // The threads cannot write until every event is sent: they fall behind.
        let closed = gate.lock().unwrap();
        let events: Vec<String> = (0..100).map(|i| format!("event {i}")).collect();
        for event in &events {
            room.event(event.as_str().into());
        }
        drop(closed);

        let mut expected = text_frame("welcome").to_vec();
        for event in &events {
            expected.extend_from_slice(&text_frame(event));
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for sink in &sinks {
            while sink.bytes.lock().unwrap().len() < expected.len() {
                assert!(Instant::now() < deadline, "the events were not all written");
                std::thread::yield_now();
            }
            assert_eq!(*sink.bytes.lock().unwrap(), expected, "each in order, once");
            // The welcome, then the events a thread took before it found the gate closed and
            // the rest: two batches, each in writes of up to `TOGETHER` frames.
            let writes = sink.writes.load(Ordering::SeqCst);
            let most = 1 + 2 + events.len() / TOGETHER;
            assert!(
                writes <= most,
                "{writes} writes for 101 frames, not at most {most}"
            );
        }
    }
}
