//! The relay's watch over the owner's stream, against a real NATS server
//! (`MEDLEY_TEST_NATS_URL`), with the test in the owner's place: it answers joins and
//! publishes events, heartbeats and a new epoch, and sees what the relay's connections get.
//! A missed event, a heartbeat ahead of the last event, a new owner and an owner gone silent
//! each send the connections here to resume (1012); anything else reaches them in order. A
//! join waits for a busy owner, and is told to come back by a silent one, or at once when
//! another owner takes the show over or the owner answers a later join. Two relays on one node
//! are told apart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use medley_domain::ShowId;
use medley_live::Close;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::cluster::{close_of, ClusterLink, In, Out, OutMessage};
use super::links::Links;
use super::outlet::{Outlet, Wire};
use super::relay::{self, RelayCommand, RelayHandle, JOIN_TIMEOUT};
use super::writers::Writers;

/// How long anything the test waits for may take.
const DEADLINE: Duration = Duration::from_secs(10);
const SHOW: &str = "show";

/// The test, as the show's owner.
struct Owner {
    /// The link the relays here are made with.
    link: ClusterLink,
    client: async_nats::Client,
    inbox: async_nats::Subscriber,
    outbox: String,
    epoch: String,
}

impl Owner {
    /// The next message to the owner.
    async fn next(&mut self) -> In {
        let message = tokio::time::timeout(DEADLINE, self.inbox.next())
            .await
            .expect("a message to the owner in time")
            .expect("the owner's subscription is open");
        serde_json::from_slice(&message.payload).expect("a readable message to the owner")
    }

    async fn send(&self, body: Out) {
        let message = OutMessage {
            epoch: self.epoch.clone(),
            body,
        };
        self.client
            .publish(self.outbox.clone(), message.encode())
            .await
            .unwrap();
        self.client.flush().await.unwrap();
    }

    async fn event(&self, seq: u64) {
        self.send(Out::Event {
            seq,
            frame: format!("event {seq}"),
        })
        .await;
    }

    /// A connection asks to join through the relay, which passes the join on to the owner:
    /// the connection's wait for its answer, and the node and number the owner is told.
    async fn asked(&mut self, relay: &RelayHandle) -> (Answer, String, u64) {
        let wire = Arc::new(Recorder::default());
        let (reply, answer) = oneshot::channel();
        relay
            .commands
            .send(RelayCommand::Join {
                user: "listener".into(),
                resume: None,
                outlet: Arc::new(Outlet::new(wire.clone(), 256)),
                links: links(),
                reply,
            })
            .await
            .unwrap();
        let In::Connect { node, conn, .. } = self.next().await else {
            panic!("a join is the first the owner hears of a connection")
        };
        (Answer { answer, wire }, node, conn)
    }

    /// The owner welcomes the connection `conn` of the relay `node`.
    async fn welcome(&self, node: String, conn: u64) {
        self.send(Out::Welcome {
            node,
            conn,
            initial: vec!["welcome".into()],
            longest_track_ms: 0,
        })
        .await;
    }

    /// A connection joins through the relay; the owner welcomes it.
    async fn join(&mut self, relay: &RelayHandle) -> Listener {
        let (answer, node, conn) = self.asked(relay).await;
        self.welcome(node, conn).await;
        welcomed(answer).await
    }

    /// The relay tells the owner the connection `conn` is gone.
    async fn hears_gone(&mut self, conn: u64) {
        match self.next().await {
            In::Gone { conn: gone, .. } => assert_eq!(gone, conn),
            other => panic!("expected connection {conn} gone, the owner heard {other:?}"),
        }
    }
}

/// A socket that takes everything, for the test to read back frame by frame.
#[derive(Default)]
struct Recorder {
    bytes: Mutex<Vec<u8>>,
    written: tokio::sync::Notify,
}

impl Wire for Recorder {
    fn try_write(&self, bytes: &[u8]) -> std::io::Result<usize> {
        self.bytes.lock().unwrap().extend_from_slice(bytes);
        self.written.notify_one();
        Ok(bytes.len())
    }

    fn poll_writable(
        &self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

fn links() -> Links {
    let audio = crate::library::Audio::new(
        medley_audio::Storage::local(&std::env::temp_dir()),
        medley_audio::UrlSigner::from_secret(b"k"),
        crate::library::AudioSettings::default(),
    );
    Links::new(Arc::new(audio), "http://host/", &"listener".into())
}

/// A join in flight: the relay's answer, and the connection's socket.
struct Answer {
    answer: oneshot::Receiver<Result<u64, Close>>,
    wire: Arc<Recorder>,
}

/// A connection joined through the relay, as its socket sees it.
struct Listener {
    conn: u64,
    wire: Arc<Recorder>,
    read: usize,
}

/// What a connection is given.
enum Got {
    Frame(String),
    Close(Close),
}

impl Listener {
    /// The next frame written to the connection.
    async fn next(&mut self) -> Got {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            if let Some((got, len)) = frame_in(&self.wire.bytes.lock().unwrap()[self.read..]) {
                self.read += len;
                return got;
            }
            tokio::time::timeout_at(deadline, self.wire.written.notified())
                .await
                .expect("something for the connection in time");
        }
    }
}

/// The first whole server frame in `bytes`, and its length.
fn frame_in(bytes: &[u8]) -> Option<(Got, usize)> {
    let (&first, rest) = bytes.split_first()?;
    let (&len, rest) = rest.split_first()?;
    let (len, rest, head) = match len {
        126 => (
            usize::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?)),
            &rest[2..],
            4,
        ),
        127 => (
            u64::from_be_bytes(rest.get(..8)?.try_into().ok()?) as usize,
            &rest[8..],
            10,
        ),
        n => (usize::from(n), rest, 2),
    };
    let payload = rest.get(..len)?;
    let got = match first {
        0x81 => Got::Frame(String::from_utf8(payload.to_vec()).unwrap()),
        0x88 => Got::Close(close_of(u16::from_be_bytes([payload[0], payload[1]]))),
        other => panic!("an unexpected frame {other:#x}"),
    };
    Some((got, head + len))
}

/// What the relay answers a join.
async fn answered(answer: Answer) -> Result<Listener, Close> {
    let conn = tokio::time::timeout(DEADLINE, answer.answer)
        .await
        .expect("the join answered in time")
        .expect("the relay answers every join")?;
    Ok(Listener {
        conn,
        wire: answer.wire,
        read: 0,
    })
}

/// A join the owner welcomed: the connection, its welcome read.
async fn welcomed(answer: Answer) -> Listener {
    let mut listener = answered(answer).await.expect("the join welcomed");
    match listener.next().await {
        Got::Frame(frame) => assert_eq!(frame, "welcome"),
        Got::Close(close) => panic!("expected the welcome, the connection was closed: {close:?}"),
    }
    listener
}

async fn gets_event(listener: &mut Listener, seq: u64) {
    match listener.next().await {
        Got::Frame(frame) => assert_eq!(frame, format!("event {seq}")),
        Got::Close(close) => {
            panic!("expected event {seq}, the connection was closed: {close:?}")
        }
    }
}

async fn told_to_resume(listener: &mut Listener) {
    match listener.next().await {
        Got::Close(close) => assert_eq!(close, Close::Restarting),
        Got::Frame(frame) => panic!("expected a close (1012), the connection got {frame}"),
    }
}

/// A relay of its own (its own subject prefix), and the test as its owner; `None` without
/// NATS.
async fn relay_and_owner(lease: Duration) -> Option<(RelayHandle, Owner, CancellationToken)> {
    let Ok(url) = std::env::var("MEDLEY_TEST_NATS_URL") else {
        assert!(
            std::env::var("MEDLEY_REQUIRE_NATS").is_err(),
            "MEDLEY_REQUIRE_NATS is set but MEDLEY_TEST_NATS_URL is not"
        );
        eprintln!("skipped: MEDLEY_TEST_NATS_URL is not set");
        return None;
    };
    let client = async_nats::connect(url).await.expect("NATS");
    let link = ClusterLink {
        client: client.clone(),
        subject_prefix: format!("relaytest{}", medley_domain::id::new_id()),
        node: "here".into(),
        lease,
    };
    let inbox = client.subscribe(link.inbox(SHOW)).await.unwrap();
    client.flush().await.unwrap();
    let stop = CancellationToken::new();
    let relay = spawn_relay(&link, &stop).await;
    let owner = Owner {
        outbox: link.outbox(SHOW),
        link,
        client,
        inbox,
        epoch: "first".into(),
    };
    Some((relay, owner, stop))
}

/// A relay of the show on the node `link` names.
async fn spawn_relay(link: &ClusterLink, stop: &CancellationToken) -> RelayHandle {
    let registry: Arc<Mutex<HashMap<ShowId, RelayHandle>>> = Arc::default();
    relay::spawn(
        &ShowId::from(SHOW),
        link,
        Writers::with_threads(2).room(),
        registry,
        stop.clone(),
        &TaskTracker::new(),
    )
    .await
    .unwrap()
}

const LONG_LEASE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_missed_event_sends_the_connections_here_to_resume_and_the_stream_goes_on() {
    let Some((relay, mut owner, stop)) = relay_and_owner(LONG_LEASE).await else {
        return;
    };
    let mut first = owner.join(&relay).await;
    owner.event(1).await;
    owner.event(2).await;
    gets_event(&mut first, 1).await;
    gets_event(&mut first, 2).await;

    // Event 3 never arrives here.
    owner.event(4).await;
    told_to_resume(&mut first).await;
    owner.hears_gone(first.conn).await;

    // Whoever joins (or resumes) next gets the stream from there on, with no second alarm.
    let mut next = owner.join(&relay).await;
    owner.event(5).await;
    gets_event(&mut next, 5).await;
    stop.cancel();
}

#[tokio::test]
async fn a_heartbeat_ahead_of_the_last_event_sends_them_to_resume() {
    let Some((relay, mut owner, stop)) = relay_and_owner(LONG_LEASE).await else {
        return;
    };
    let mut listener = owner.join(&relay).await;
    owner.event(1).await;
    owner
        .send(Out::Beat {
            seq: 1,
            audience: 1,
        })
        .await;
    owner.event(2).await;
    gets_event(&mut listener, 1).await;
    gets_event(&mut listener, 2).await;

    // The owner says it is at 5: events 3 to 5 were lost on the way.
    owner
        .send(Out::Beat {
            seq: 5,
            audience: 1,
        })
        .await;
    told_to_resume(&mut listener).await;
    owner.hears_gone(listener.conn).await;
    assert_eq!(relay.audience.load(std::sync::atomic::Ordering::Relaxed), 1);
    stop.cancel();
}

#[tokio::test]
async fn a_new_owner_sends_them_to_resume_and_the_old_owners_late_words_are_ignored() {
    let Some((relay, mut owner, stop)) = relay_and_owner(LONG_LEASE).await else {
        return;
    };
    let mut before = owner.join(&relay).await;
    owner.event(1).await;
    gets_event(&mut before, 1).await;

    // Another node took the show over.
    owner.epoch = "second".into();
    owner.event(2).await;
    told_to_resume(&mut before).await;

    let mut after = owner.join(&relay).await;
    owner.epoch = "first".into();
    owner.event(3).await;
    owner.epoch = "second".into();
    owner.event(3).await;
    gets_event(&mut after, 3).await;
    owner.event(4).await;
    gets_event(&mut after, 4).await;
    stop.cancel();
}

#[tokio::test]
async fn an_owner_silent_for_a_lease_sends_them_to_resume() {
    let Some((relay, mut owner, stop)) = relay_and_owner(Duration::from_secs(1)).await else {
        return;
    };
    let mut listener = owner.join(&relay).await;
    owner.event(1).await;
    gets_event(&mut listener, 1).await;
    // Nothing more from the owner: within a lease and a check, the connection is told.
    told_to_resume(&mut listener).await;
    stop.cancel();
}

#[tokio::test]
async fn a_join_waits_for_a_busy_owner_and_is_told_to_come_back_by_a_silent_one() {
    let Some((relay, mut owner, stop)) = relay_and_owner(LONG_LEASE).await else {
        return;
    };
    // The owner is busy (a burst of joins, events) for longer than a silent owner is given:
    // the join waits, and is welcomed.
    let (answer, node, conn) = owner.asked(&relay).await;
    let busy = tokio::time::Instant::now();
    let mut seq = 0;
    let mut every = tokio::time::interval(Duration::from_millis(250));
    while busy.elapsed() < JOIN_TIMEOUT + Duration::from_secs(1) {
        every.tick().await;
        seq += 1;
        owner.event(seq).await;
    }
    owner.welcome(node, conn).await;
    let mut listener = welcomed(answer).await;
    owner.event(seq + 1).await;
    gets_event(&mut listener, seq + 1).await;

    // A join the owner never answers, and nothing else from it: the client comes back (timed
    // from before the join is sent, as the relay times it).
    let asked = tokio::time::Instant::now();
    let (answer, _, _) = owner.asked(&relay).await;
    assert_eq!(answered(answer).await.err(), Some(Close::Restarting));
    assert!(asked.elapsed() >= JOIN_TIMEOUT, "{:?}", asked.elapsed());
    stop.cancel();
}

#[tokio::test]
async fn a_join_waiting_when_the_owner_changes_is_told_to_come_back_at_once() {
    let Some((relay, mut owner, stop)) = relay_and_owner(LONG_LEASE).await else {
        return;
    };
    let _first = owner.join(&relay).await;
    // A join the owner never answers (it stopped with the join in hand), and another node
    // takes the show over and is heard from at once: the join must not wait for the new owner,
    // which never saw it, until the limit.
    let (answer, _, _) = owner.asked(&relay).await;
    owner.epoch = "second".into();
    let asked = tokio::time::Instant::now();
    owner.event(1).await;
    assert_eq!(answered(answer).await.err(), Some(Close::Restarting));
    assert!(
        asked.elapsed() < JOIN_TIMEOUT,
        "told only after {:?}",
        asked.elapsed()
    );
    stop.cancel();
}

#[tokio::test]
async fn two_relays_on_one_node_are_never_answered_for_each_others_connections() {
    let Some((relay, mut owner, stop)) = relay_and_owner(LONG_LEASE).await else {
        return;
    };
    // Another relay of the show on the same node: one started beside it by a second
    // connection at the same moment, or the next run of the node. Each numbers its
    // connections from one.
    let other = spawn_relay(&owner.link, &stop).await;
    let (answer, node, conn) = owner.asked(&relay).await;
    let (other_answer, other_node, other_conn) = owner.asked(&other).await;
    assert_eq!(conn, other_conn);
    assert_ne!(node, other_node, "the owner tells the two relays apart");

    // Each welcome reaches its own relay's connection, and the other relay leaves it alone:
    // had it taken the welcome for a join it gave up on, the owner would hear that
    // connection gone next.
    for (node, conn) in [(node, conn), (other_node.clone(), other_conn)] {
        owner.welcome(node, conn).await;
    }
    let mut first = welcomed(answer).await;
    let second = answered(other_answer).await.expect("the join welcomed");
    other
        .commands
        .send(RelayCommand::Gone { conn: second.conn })
        .await
        .unwrap();
    match owner.next().await {
        In::Gone { node, conn } => assert_eq!((node, conn), (other_node, second.conn)),
        other => panic!("expected the second relay's connection gone, the owner heard {other:?}"),
    }

    // An event reaches the connection still there.
    owner.event(1).await;
    gets_event(&mut first, 1).await;
    stop.cancel();
}

#[tokio::test]
async fn a_join_the_owner_never_heard_is_told_to_come_back_once_a_later_one_is_answered() {
    let Some((relay, mut owner, stop)) = relay_and_owner(LONG_LEASE).await else {
        return;
    };
    // The first join reaches nobody who answers (the owner's node dropped the subscription
    // that heard it); the owner is alive and answers the next one.
    let asked = tokio::time::Instant::now();
    let (lost, _, _) = owner.asked(&relay).await;
    let (answer, node, conn) = owner.asked(&relay).await;
    owner.welcome(node, conn).await;
    answered(answer).await.expect("the later join welcomed");
    assert_eq!(answered(lost).await.err(), Some(Close::Restarting));
    assert!(
        asked.elapsed() < JOIN_TIMEOUT,
        "told only after {:?}",
        asked.elapsed()
    );
    stop.cancel();
}
