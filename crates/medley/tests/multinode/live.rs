//! Live shows across nodes: listeners on three nodes, the show surviving its owner, ending it
//! through a node that does not run it; the helpers the rolling restart shares.

use super::*;

/// The user id behind a token, asked of one node.
pub(crate) async fn user_id(base: &str, token: &str) -> String {
    Client::new(base, token).get("/v1/me").await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The node holding a live show's lease.
pub(crate) async fn show_owner(db: &sqlx::PgPool, show: &str) -> Option<String> {
    sqlx::query_scalar("SELECT node_id FROM live_show_owners WHERE show_id = $1")
        .bind(show)
        .fetch_optional(db)
        .await
        .unwrap()
}

/// Each listener comments `n` times in turn (every reply a success); then every listener
/// has every comment, in the same order, and the same reliable events with the same `seq`
/// since the latest of their joins. Returns the texts sent.
pub(crate) async fn comment_round(listeners: &mut [Listener], tag: &str, n: usize) -> Vec<String> {
    let mut sent = Vec::new();
    let mut last = 0;
    let started = std::time::Instant::now();
    for i in 0..n {
        for l in listeners.iter_mut() {
            let text = format!("{tag} {} {i}", l.name);
            let reply = l.ok("comment", json!({"text": text})).await;
            last = last.max(reply["d"]["seq"].as_u64().unwrap());
            sent.push(text);
        }
    }
    for l in listeners.iter_mut() {
        l.until_seq(last).await;
    }
    let took = started.elapsed();
    eprintln!(
        "{tag}: {} comments sent one after another, each answered and seen by all {} listeners, in {took:?} ({:?} a comment)",
        sent.len(),
        listeners.len(),
        took / sent.len() as u32
    );
    same_events(listeners);
    sent
}

/// Every listener holds the same reliable events since the latest of their joins.
pub(crate) fn same_events(listeners: &[Listener]) {
    let from = listeners.iter().map(|l| l.joined_at).max().unwrap();
    let since = |l: &Listener| -> Vec<(u64, Value, Value)> {
        l.events
            .iter()
            .filter(|e| e["seq"].as_u64().unwrap() > from)
            .map(|e| (e["seq"].as_u64().unwrap(), e["op"].clone(), e["d"].clone()))
            .collect()
    };
    let first = since(&listeners[0]);
    for l in &listeners[1..] {
        assert_eq!(
            since(l),
            first,
            "{} and {} saw different events",
            l.name,
            listeners[0].name
        );
    }
}

/// A live show across the nodes: `people` (name, node) sign up through their node; the first,
/// through node 0, creates and starts the show; everyone joins through their node in order, so
/// node 0 takes the show; slow mode is off. Their tokens, the show, and their listeners.
pub(crate) async fn live_show_across(
    cluster: &Cluster,
    db: &sqlx::PgPool,
    title: &str,
    people: &[(&str, usize)],
) -> (Vec<String>, String, Vec<Listener>) {
    assert_eq!(people[0].1, 0, "the show's creator joins through node 0");
    let http = reqwest::Client::new();
    let base: Vec<&str> = cluster.nodes.iter().map(|n| n.base.as_str()).collect();
    let mut tokens = Vec::new();
    for (name, node) in people {
        tokens.push(common::sign_up(&http, base[*node], name).await);
    }
    let creator = Client::new(base[0], &tokens[0]);
    let show = creator.post("/v1/shows", json!({"title": title})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    creator
        .post(&format!("/v1/shows/{show}/start"), json!({}))
        .await;
    let mut listeners = Vec::new();
    for ((name, node), token) in people.iter().zip(&tokens) {
        listeners.push(Listener::join(name, base[*node], &show, token).await);
    }
    assert_eq!(
        show_owner(db, &show).await,
        Some(cluster.nodes[0].node_id())
    );
    listeners[0]
        .ok("slow_mode.set", json!({"seconds": 0}))
        .await;
    (tokens, show, listeners)
}

#[tokio::test]
async fn a_live_show_with_listeners_on_three_nodes_survives_its_owner_and_a_handover() {
    // A lease of 5 s (the shortest): a killed owner's show is taken over within seconds.
    let Some(mut cluster) = Cluster::start(3, 5).await else {
        return;
    };
    let db = cluster.database().await;
    let http = reqwest::Client::new();
    let base: Vec<String> = cluster.nodes.iter().map(|n| n.base.clone()).collect();
    // Delia joins beside Anna, on the owner.
    let people = [("anna", 0), ("boris", 1), ("cyril", 2), ("delia", 0)];
    let (tokens, show, mut listeners) =
        live_show_across(&cluster, &db, "Across nodes", &people).await;

    // Ops from a listener on another node reach the owner, and everyone sees the outcome.
    let bo = user_id(&base[1], &tokens[1]).await;
    listeners[1].ok("hand.raise", json!({})).await;
    let accepted = listeners[0].ok("hand.accept", json!({"user": bo})).await;
    let seq = accepted["d"]["seq"].as_u64().unwrap();
    for l in listeners.iter_mut() {
        l.until_seq(seq).await;
        let last = l.events.last().unwrap();
        assert_eq!(
            (&last["op"], &last["d"]["user"], &last["d"]["role"]),
            (&json!("role.changed"), &json!(bo), &json!("speaker")),
            "{}",
            l.name
        );
    }

    let mut sent = comment_round(&mut listeners, "before", 10).await;

    // The owner is killed. Listeners on the other nodes are told to resume (1012); those on
    // the killed node lose their connection. All come back through the survivors and miss
    // nothing.
    let killed = std::time::Instant::now();
    cluster.nodes[0].kill().await;
    for l in listeners.iter_mut() {
        let code = l.closed().await;
        if l.name == "boris" || l.name == "cyril" {
            assert_eq!(code, Some(1012), "{}", l.name);
        }
    }
    for (l, node) in listeners.iter_mut().zip([1, 1, 2, 2]) {
        let first = l.resume(&base[node], Duration::from_secs(30)).await;
        assert_eq!(first["op"], "resumed", "{}: {first}", l.name);
    }
    eprintln!(
        "everyone resumed {:?} after the owner was killed (lease 5 s)",
        killed.elapsed()
    );
    let owner = show_owner(&db, &show)
        .await
        .expect("a node took the show over");
    let survivor = (1..3)
        .find(|i| cluster.nodes[*i].node_id() == owner)
        .expect("the new owner is a survivor");
    sent.extend(comment_round(&mut listeners, "after kill", 5).await);

    // The new owner is told to stop: it hands the show over to the last node.
    let stopped = std::time::Instant::now();
    cluster.nodes[survivor].terminate().await;
    let last = 3 - survivor;
    for l in listeners.iter_mut() {
        assert_eq!(l.closed().await, Some(1012), "{}", l.name);
    }
    for l in listeners.iter_mut() {
        let first = l.resume(&base[last], Duration::from_secs(30)).await;
        assert_eq!(first["op"], "resumed", "{}: {first}", l.name);
    }
    eprintln!(
        "everyone resumed {:?} after the owner was told to stop",
        stopped.elapsed()
    );
    assert_eq!(
        show_owner(&db, &show).await,
        Some(cluster.nodes[last].node_id())
    );
    sent.extend(comment_round(&mut listeners, "after handover", 3).await);
    let metrics = http
        .get(format!("{}/metrics", base[last]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in ["medley_live_shows_owned 1", "medley_live_relays 1"] {
        assert!(metrics.lines().any(|l| l == line), "{line} in {metrics}");
    }

    // Every comment reached every listener, once, in the order sent.
    for l in &listeners {
        assert_eq!(l.comments(), sent, "{}", l.name);
    }
    cluster.stop().await;
}

#[tokio::test]
async fn a_live_show_ended_through_a_node_that_does_not_run_it_ends_everywhere() {
    let Some(cluster) = Cluster::start(2, 120).await else {
        return;
    };
    let http = reqwest::Client::new();
    let base: Vec<String> = cluster.nodes.iter().map(|n| n.base.clone()).collect();
    let anna = common::sign_up(&http, &base[0], "anna").await;
    let boris = common::sign_up(&http, &base[1], "boris").await;
    let creator = Client::new(&base[0], &anna);
    let show = creator.post("/v1/shows", json!({"title": "Short"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    creator
        .post(&format!("/v1/shows/{show}/start"), json!({}))
        .await;
    // Boris joins first, through node 1, which takes the show; Anna is on node 0.
    let boris_listens = Listener::join("boris", &base[1], &show, &boris).await;
    let db = cluster.database().await;
    assert_eq!(
        show_owner(&db, &show).await,
        Some(cluster.nodes[1].node_id())
    );
    // Node 0 neither runs the show nor has anyone in it, and counts its audience all the same.
    let through_node_0 = Client::new(&base[0], &boris);
    let audience_is = |n: u64| {
        let (client, show) = (&through_node_0, &show);
        move || async move { client.get(&format!("/v1/shows/{show}")).await["audience"] == n }
    };
    within(SOON, "node 0 counts the listener on node 1", audience_is(1)).await;
    let mut listeners = [
        boris_listens,
        Listener::join("anna", &base[0], &show, &anna).await,
    ];
    within(SOON, "node 0 counts both listeners", audience_is(2)).await;
    // Anna ends it through node 0: node 1 ends it, and everyone hears so.
    creator
        .post(&format!("/v1/shows/{show}/end"), json!({}))
        .await;
    assert_eq!(
        creator.get(&format!("/v1/shows/{show}")).await["state"],
        "ended"
    );
    for l in listeners.iter_mut() {
        l.expect("show.ended").await;
        assert_eq!(l.closed().await, Some(4010), "{}", l.name);
    }
    within(SOON, "the lease given up once the show ended", || {
        let (db, show) = (db.clone(), show.clone());
        async move { show_owner(&db, &show).await.is_none() }
    })
    .await;
    cluster.stop().await;
}
