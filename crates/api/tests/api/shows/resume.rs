//! Dropping and coming back: resume within the window (nothing lost or repeated, nobody sees
//! the user leave), a fresh welcome after it, a second connection replacing the first,
//! heartbeats and silent clients, slow consumers, and a server restart.

use std::time::Duration;

use medley_app::shows::live::LiveConfig;
use medley_store::testing::TestDb;
use medley_store::Backend;
use serde_json::{json, Value};

use super::client::{live_show, live_show_playing, server, Client, Frame};
use super::node::Node;

fn about(events: &[Value], user: &str, ops: &[&str]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| ops.contains(&e["op"].as_str().unwrap()) && e["d"]["user"] == user)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_dropped_listener_resumes_missing_and_repeating_nothing_unseen_by_others() {
    let app = server(Backend::Sqlite, LiveConfig::default())
        .await
        .unwrap();
    let (_, ana) = app.user("ana").await;
    let (bob_id, bob) = app.user("bob").await;
    let (cyd_id, cyd) = app.user("cyd").await;
    let show = live_show(&app, &ana, json!({"title": "Resumes"})).await;
    let (mut host, _) = Client::join(&app, &show, &ana).await;
    let (mut b, _) = Client::join(&app, &show, &bob).await;
    let (mut c, _) = Client::join(&app, &show, &cyd).await;
    b.ok("comment", json!({"text": "before the drop"})).await;
    host.expect_with("comment", "user", &bob_id).await;
    let seen_before = b.events.len();
    b.abandon();

    // While bob is away: comments, a hand, a role change, slow mode.
    c.ok("comment", json!({"text": "while away"})).await;
    c.ok("hand.raise", json!({})).await;
    host.ok("hand.accept", json!({"user": cyd_id})).await;
    host.ok("slow_mode.set", json!({"seconds": 5})).await;

    let (mut b, first) = Client::resume(&app.base, &show, &bob, &b).await;
    assert_eq!(first["op"], "resumed", "{first}");
    let latest = first["d"]["seq"].as_u64().unwrap();
    while b.seq < latest {
        let Frame::Json(_) = b.next().await else {
            panic!("closed while replaying")
        };
    }
    assert_eq!(b.seq, latest);
    let missed: Vec<&str> = b.events[seen_before..]
        .iter()
        .map(|e| e["op"].as_str().unwrap())
        .collect();
    assert_eq!(
        missed,
        [
            "comment",
            "hand.raised",
            "hand.lowered",
            "role.changed",
            "slow_mode.changed"
        ]
    );
    // Live again: bob's next op reaches everyone, and nobody saw bob leave or come back.
    b.ok("hand.raise", json!({})).await;
    host.expect_with("hand.raised", "user", &bob_id).await;
    assert!(
        about(&host.events, &bob_id, &["left", "joined"]).len() == 1,
        "only the first join"
    );
    let first_seq = b.events[0]["seq"].as_u64().unwrap();
    let host_since: Vec<Value> = host
        .events
        .iter()
        .filter(|e| e["seq"].as_u64().unwrap() >= first_seq)
        .cloned()
        .collect();
    assert_eq!(b.events, host_since, "every event exactly once, in order");
}

#[tokio::test]
async fn after_the_window_a_resume_gets_a_fresh_welcome_and_the_user_had_left() {
    let config = LiveConfig {
        resume_window: Duration::from_millis(200),
        ..LiveConfig::default()
    };
    let app = server(Backend::Sqlite, config).await.unwrap();
    let (_, ana) = app.user("ana").await;
    let (bob_id, bob) = app.user("bob").await;
    let show = live_show(&app, &ana, json!({"title": "Windows"})).await;
    let (mut host, _) = Client::join(&app, &show, &ana).await;
    let (mut b, _) = Client::join(&app, &show, &bob).await;
    b.abandon();
    let left = host.expect_with("left", "user", &bob_id).await;
    assert_eq!(left["d"]["role"], "listener");
    let (_, first) = Client::resume(&app.base, &show, &bob, &b).await;
    assert_eq!(first["op"], "welcome", "{first}");
    host.expect_with("joined", "user", &bob_id).await;
}

#[tokio::test]
async fn a_second_connection_replaces_the_first_with_4013() {
    let app = server(Backend::Sqlite, LiveConfig::default())
        .await
        .unwrap();
    let (_, ana) = app.user("ana").await;
    let (bob_id, bob) = app.user("bob").await;
    let show = live_show(&app, &ana, json!({"title": "Twice"})).await;
    let (mut host, _) = Client::join(&app, &show, &ana).await;
    let (mut first, _) = Client::join(&app, &show, &bob).await;
    let (mut second, welcome) = Client::join(&app, &show, &bob).await;
    assert_eq!(first.closed().await, Some(4013));
    assert_eq!(welcome["d"]["audience"], 2);
    second
        .ok("comment", json!({"text": "from the second"}))
        .await;
    host.expect_with("comment", "user", &bob_id).await;
    assert_eq!(about(&host.events, &bob_id, &["left", "joined"]).len(), 1);
}

#[tokio::test]
async fn the_server_pings_a_reading_client_stays_and_a_silent_one_is_dropped() {
    let config = LiveConfig {
        ping_interval: Duration::from_millis(100),
        ping_jitter: Duration::ZERO,
        idle_timeout: Duration::from_millis(400),
        resume_window: Duration::from_millis(100),
        ..LiveConfig::default()
    };
    let app = server(Backend::Sqlite, config).await.unwrap();
    let (_, ana) = app.user("ana").await;
    let (bob_id, bob) = app.user("bob").await;
    let show = live_show(&app, &ana, json!({"title": "Heartbeats"})).await;
    let (mut host, _) = Client::join(&app, &show, &ana).await;
    // Reading answers pings (the library sends the pongs): well past the idle timeout, the
    // host is still there.
    for _ in 0..6 {
        host.ping().await;
    }
    host.ok("comment", json!({"text": "still here"})).await;
    // A client that reads nothing sends no pong: dropped, and after the window, gone.
    let (silent, _) = Client::join(&app, &show, &bob).await;
    host.expect_with("left", "user", &bob_id).await;
    drop(silent);
}

#[tokio::test]
async fn a_consumer_too_slow_for_its_queue_is_closed_with_4009() {
    let config = LiveConfig {
        queue_frames: 64,
        frames_per_second: 100_000,
        ..LiveConfig::default()
    };
    let app = server(Backend::Sqlite, config).await.unwrap();
    let (_, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    // A track with long names: each playback event is several KiB, so the slow client's
    // socket buffers fill after a few hundred.
    let artists: Vec<String> = (0..20)
        .map(|i| format!("{i:02}{}", "a".repeat(290)))
        .collect();
    let r = app
        .post(
            "/v1/library/tracks",
            Some(&ana),
            json!({"name": "n".repeat(500), "artists": artists, "duration_ms": 180_000}),
        )
        .await;
    let uris = vec![r.body["tracks"][0]["uri"].as_str().unwrap().to_owned()];
    let show = live_show_playing(&app, &ana, "Busy", json!({"name": "One"}), &uris).await;
    let (mut host, _) = Client::join(&app, &show, &ana).await;
    let mut slow = Client::connect_slow(&app.base, &show).await;
    slow.send(json!({"op": "hello", "d": {"v": 1, "token": bob}}))
        .await;
    host.expect("joined").await;
    // Many events while the slow client reads nothing: its queue fills.
    // The host reads its own events as it goes, so that only the slow client falls behind.
    for chunk in 0..75 {
        for i in 0..20 {
            let position = (chunk * 20 + i) * 10 % 170_000;
            host.send(json!({"op": "playback.seek", "d": {"position_ms": position}}))
                .await;
        }
        let reference = format!("chunk{chunk}");
        host.send(json!({"op": "playback.seek", "d": {"position_ms": 5}, "ref": reference}))
            .await;
        host.reply(&reference).await;
    }
    assert_eq!(slow.closed().await, Some(4009));
    // The show goes on for everyone else.
    host.ok("playback.play", json!({"index": 0})).await;
}

#[tokio::test]
async fn a_restart_closes_with_1012_and_everyone_resumes_on_the_new_server() {
    let db = TestDb::sqlite();
    let node = Node::start(&db, LiveConfig::default()).await;
    let (_, ana) = node.user("ana").await;
    let (bob_id, bob) = node.user("bob").await;
    let show = node.live_show(&ana, "Restarts").await;
    let (mut host, _) = Client::join_on(&node.base, &show, &ana).await;
    let (mut b, _) = Client::join_on(&node.base, &show, &bob).await;
    // Bob will come back from before the next event: the new server replays it (stored as an
    // event of the replay buffer, apart from the show's state).
    let seen = b.seq;
    host.ok("slow_mode.set", json!({"seconds": 9})).await;
    b.expect("slow_mode.changed").await;
    node.stop().await;
    assert_eq!(host.closed().await, Some(1012));
    assert_eq!(b.closed().await, Some(1012));

    let node = Node::start(&db, LiveConfig::default()).await;
    let (mut host, first) = Client::resume(&node.base, &show, &ana, &host).await;
    assert_eq!(first["op"], "resumed", "{first}");
    host.ok("comment", json!({"text": "after the restart"}))
        .await;
    b.seq = seen;
    let (mut b, first) = Client::resume(&node.base, &show, &bob, &b).await;
    assert_eq!(first["op"], "resumed", "{first}");
    let missed = b.expect("slow_mode.changed").await;
    assert_eq!(missed["d"]["seconds"], 9);
    assert_eq!(missed["seq"].as_u64(), Some(seen + 1));
    let replayed = b.expect("comment").await;
    assert_eq!(replayed["d"]["text"], "after the restart");
    assert_eq!(b.seq, first["d"]["seq"].as_u64().unwrap());
    b.ok("comment", json!({"text": "me too"})).await;
    host.expect_with("comment", "user", &bob_id).await;
    assert_eq!(
        about(&host.events, &bob_id, &["left", "joined"]).len(),
        1,
        "nobody saw bob leave"
    );
    node.stop().await;
}

#[tokio::test]
async fn a_removed_session_is_refused_after_a_restart_too() {
    let db = TestDb::sqlite();
    let node = Node::start(&db, LiveConfig::default()).await;
    let (_, ana) = node.user("ana").await;
    let (cy_id, cy) = node.user("cyd").await;
    let show = node.live_show(&ana, "Removals").await;
    let (mut host, _) = Client::join_on(&node.base, &show, &ana).await;
    let (mut cy_c, _) = Client::join_on(&node.base, &show, &cy).await;
    host.ok("remove", json!({"user": cy_id})).await;
    assert_eq!(cy_c.expect("removed").await["d"]["user"], cy_id.as_str());
    assert_eq!(cy_c.closed().await, Some(4011));
    node.stop().await;

    // The new server never saw cy's session; the removal is in the replay it took back.
    let node = Node::start(&db, LiveConfig::default()).await;
    let mut back = Client::open_on(&node.base, &show).await;
    back.send(json!({"op": "hello", "d": {"v": 1, "token": cy,
        "resume": {"session": cy_c.session, "seq": cy_c.seq}}}))
        .await;
    assert_eq!(back.closed().await, Some(4011));
    // A fresh join is allowed, and so is resuming the session it gives.
    let (cy_c, welcome) = Client::join_on(&node.base, &show, &cy).await;
    assert_eq!(welcome["d"]["you"]["role"], "listener");
    let (_again, first) = Client::resume(&node.base, &show, &cy, &cy_c).await;
    assert_eq!(first["op"], "resumed", "{first}");
    node.stop().await;
}
