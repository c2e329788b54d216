//! A rolling restart of every node drops no live show.

use super::live::{comment_round, live_show_across, show_owner};
use super::*;

/// The nodes that are up, as an operator's rolling restart leaves them: each listener
/// reconnects through one of them.
#[derive(Clone)]
struct Up(Arc<Mutex<Vec<(String, bool)>>>);

impl Up {
    fn new(cluster: &Cluster) -> Up {
        Up(Arc::new(Mutex::new(
            cluster
                .nodes
                .iter()
                .map(|n| (n.base.clone(), true))
                .collect(),
        )))
    }

    fn set(&self, node: usize, up: bool) {
        self.0.lock().unwrap()[node].1 = up;
    }

    /// The bases of the nodes up, starting from the `from`-th (listeners spread out).
    fn bases(&self, from: usize) -> Vec<String> {
        let mut up: Vec<String> = self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, up)| *up)
            .map(|(base, _)| base.clone())
            .collect();
        if !up.is_empty() {
            let n = up.len();
            up.rotate_left(from % n);
        }
        up
    }
}

/// Resumes a listener whose connection closed through a node that is up; it must be
/// resumed, never given a fresh state.
async fn come_back(l: &mut Listener, up: &Up, from: usize) {
    let first = l
        .resume_through(|| up.bases(from), Duration::from_secs(30))
        .await;
    assert_eq!(first["op"], "resumed", "{}: {first}", l.name);
}

/// Reads a listener's frames, coming back after each close, and publishes its `seq`; returns
/// it once `until` names a `seq` it has reached.
async fn follow(
    mut l: Listener,
    from: usize,
    up: Up,
    seen: Arc<AtomicU64>,
    mut until: watch::Receiver<Option<u64>>,
) -> Listener {
    loop {
        seen.store(l.seq, Ordering::SeqCst);
        if until.borrow_and_update().is_some_and(|last| l.seq >= last) {
            return l;
        }
        tokio::select! {
            frame = l.next() => {
                if let Frame::Closed(code) = frame {
                    // Its node stopped, or the show's owner handed it over.
                    assert_eq!(code, Some(1012), "{}: closed", l.name);
                    come_back(&mut l, &up, from).await;
                }
            }
            _ = until.changed() => {}
        }
    }
}

/// The comments one listener sent during the restarts.
struct Said {
    /// Answered: carried out, with a `seq`.
    answered: Vec<String>,
    /// Sent when the connection closed: carried out or not.
    unknown: Vec<String>,
}

/// Comments until `stop`, ten a second (under the 20 frames a second a connection may send),
/// coming back after each close; publishes the `seq` of the latest answered one.
async fn comment_on(
    mut l: Listener,
    from: usize,
    up: Up,
    said_seq: Arc<AtomicU64>,
    stop: watch::Receiver<bool>,
) -> (Listener, Said) {
    let mut said = Said {
        answered: Vec::new(),
        unknown: Vec::new(),
    };
    let mut pace = tokio::time::interval(Duration::from_millis(100));
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for i in 0.. {
        if *stop.borrow() {
            break;
        }
        pace.tick().await;
        let text = format!("rolling {i}");
        match l.try_ok("comment", json!({"text": text})).await {
            Ok(reply) => {
                said_seq.store(reply["d"]["seq"].as_u64().unwrap(), Ordering::SeqCst);
                said.answered.push(text);
            }
            Err(code) => {
                said.unknown.push(text);
                // 1012, or (`None`) the comment could not be sent on a connection closing.
                assert!(
                    matches!(code, Some(1012) | None),
                    "{}: closed ({code:?})",
                    l.name
                );
                come_back(&mut l, &up, from).await;
            }
        }
    }
    (l, said)
}

/// `GET /v1/shows/{id}` through every node that is up says the show is live.
async fn live_on_every_node_up(client: &Client, cluster: &Cluster, up: &Up, show: &str) {
    let bases = up.bases(0);
    assert!(!bases.is_empty());
    for node in cluster.nodes.iter().filter(|n| bases.contains(&n.base)) {
        let state = client.on(node).get(&format!("/v1/shows/{show}")).await["state"].clone();
        assert_eq!(state, "live", "through {}", node.base);
    }
}

#[tokio::test]
async fn a_rolling_restart_of_every_node_drops_no_live_show() {
    let Some(mut cluster) = Cluster::start(3, 5).await else {
        return;
    };
    let db = cluster.database().await;
    let http = reqwest::Client::new();
    // Two listeners on every node.
    let people = [
        ("anna", 0),
        ("boris", 1),
        ("cyril", 2),
        ("delia", 0),
        ("emil", 1),
        ("fedor", 2),
    ];
    let (tokens, show, mut listeners) = live_show_across(&cluster, &db, "Rolling", &people).await;
    let anna = Client::new(&cluster.nodes[0].base, &tokens[0]);
    let mut sent = comment_round(&mut listeners, "before", 2).await;

    // Anna comments all along; everyone reads, and comes back through a node that is up
    // whenever their connection closes.
    let up = Up::new(&cluster);
    let said_seq = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = watch::channel(false);
    let (until, reading) = watch::channel(None);
    let mut listeners = listeners.into_iter().enumerate();
    let (_, first) = listeners.next().unwrap();
    let commenter = tokio::spawn(comment_on(first, 0, up.clone(), said_seq.clone(), stopped));
    let mut seen = Vec::new();
    let mut readers = Vec::new();
    for (i, l) in listeners {
        let s = Arc::new(AtomicU64::new(l.seq));
        seen.push(s.clone());
        readers.push(tokio::spawn(follow(l, i, up.clone(), s, reading.clone())));
    }
    // Comments have been said and everyone has them.
    let caught_up = |what: String| {
        let (said_seq, seen) = (said_seq.clone(), seen.clone());
        async move {
            let started = std::time::Instant::now();
            let from = said_seq.load(Ordering::SeqCst);
            within(
                Duration::from_secs(30),
                &format!("{what}: comments flow"),
                || {
                    let said_seq = said_seq.clone();
                    async move { said_seq.load(Ordering::SeqCst) >= from + 5 }
                },
            )
            .await;
            let last = said_seq.load(Ordering::SeqCst);
            within(
                Duration::from_secs(30),
                &format!("{what}: every listener has them"),
                || {
                    let seen = seen.clone();
                    async move { seen.iter().all(|s| s.load(Ordering::SeqCst) >= last) }
                },
            )
            .await;
            eprintln!(
                "{what}: comments said and heard by all in {:?}",
                started.elapsed()
            );
        }
    };
    caught_up("before the restarts".into()).await;

    // The rolling restart: SIGTERM a node, wait until it has exited, start it again on its
    // port and data folder, wait until it is ready, and go on with the next.
    let restarts = std::time::Instant::now();
    for k in 0..3 {
        live_on_every_node_up(&anna, &cluster, &up, &show).await;
        let owner = show_owner(&db, &show).await.expect("someone runs the show");
        up.set(k, false);
        let stopping = std::time::Instant::now();
        cluster.nodes[k].terminate().await;
        eprintln!(
            "node {k} (owner: {}) stopped in {:?}",
            owner == cluster.nodes[k].node_id(),
            stopping.elapsed()
        );
        live_on_every_node_up(&anna, &cluster, &up, &show).await;
        caught_up(format!("while node {k} is down")).await;
        cluster.restart(k).await;
        let node = &cluster.nodes[k];
        let took = within(
            Duration::from_secs(30),
            "the restarted node is ready",
            || node.ready(&http),
        )
        .await;
        eprintln!("node {k} ready {took:?} after it listened");
        up.set(k, true);
        caught_up(format!("after node {k} restarted")).await;
        live_on_every_node_up(&anna, &cluster, &up, &show).await;
    }
    eprintln!("three nodes restarted in turn in {:?}", restarts.elapsed());

    // Anna stops; everyone reads up to the last she said.
    stop.send(true).unwrap();
    let (first, said) = commenter.await.unwrap();
    let last = first.seq.max(said_seq.load(Ordering::SeqCst));
    until.send(Some(last)).unwrap();
    let mut listeners = vec![first];
    for reader in readers {
        listeners.push(reader.await.unwrap());
    }
    listeners[0].until_seq(last).await;
    assert_eq!(
        anna.get(&format!("/v1/shows/{show}")).await["state"],
        "live"
    );

    // A last comment from everyone reaches everyone; all hold the same events, seq without
    // gaps (checked as they read), and none was given a fresh state.
    let ending = comment_round(&mut listeners, "after", 1).await;
    for l in &listeners {
        assert_eq!(l.welcomes, 1, "{}: a fresh state after a restart", l.name);
        // Its node was restarted under it, at least.
        assert!(l.resumes >= 1, "{}: never resumed", l.name);
    }
    eprintln!(
        "resumes: {:?}",
        listeners
            .iter()
            .map(|l| (l.name.as_str(), l.resumes))
            .collect::<Vec<_>>()
    );
    // What Anna said during the restarts: every answered comment once, in the order said; an
    // unanswered one at most once.
    let during: Vec<String> = listeners[0]
        .comments()
        .into_iter()
        .filter(|c| c.starts_with("rolling "))
        .collect();
    let number = |c: &String| c["rolling ".len()..].parse::<u64>().unwrap();
    assert!(
        during.windows(2).all(|w| number(&w[0]) < number(&w[1])),
        "in order, once each: {during:?}"
    );
    for c in &said.answered {
        assert!(during.contains(c), "{c} answered but not seen");
    }
    for c in &during {
        assert!(
            said.answered.contains(c) || said.unknown.contains(c),
            "{c} seen but never said"
        );
    }
    eprintln!(
        "{} comments answered during the restarts, {} sent as a connection closed ({} of those carried out)",
        said.answered.len(),
        said.unknown.len(),
        during.len() - said.answered.len()
    );
    sent.extend(during);
    sent.extend(ending);
    for l in &listeners {
        assert_eq!(l.comments(), sent, "{}", l.name);
    }
    cluster.stop().await;
}
