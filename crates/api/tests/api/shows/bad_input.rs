//! Bad input on the live WebSocket: each gets the answer or close code LIVE.md (and
//! docs/LIVE.md) gives, and the show keeps running for everyone else.

use std::time::Duration;

use medley_app::shows::live::LiveConfig;
use medley_domain::UserId;
use medley_store::Backend;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use super::client::{live_show, server, Client, Frame};

fn config() -> LiveConfig {
    LiveConfig {
        hello_timeout: Duration::from_millis(300),
        bad_frames: 4,
        ..LiveConfig::default()
    }
}

async fn reply(c: &mut Client) -> Value {
    c.expect("reply").await
}

#[tokio::test]
async fn frames_not_understood_are_answered_and_the_show_goes_on() {
    let app = server(Backend::Sqlite, config()).await.unwrap();
    let (ana_id, ana) = app.user("ana").await;
    let (bob_id, bob) = app.user("bob").await;
    let (_, cyd) = app.user("cyd").await;
    let show = live_show(&app, &ana, json!({"title": "Robust"})).await;
    let (mut host, _) = Client::join(&app, &show, &ana).await;
    let (mut b, _) = Client::join(&app, &show, &bob).await;

    b.send_text("nope".into()).await;
    let r = reply(&mut b).await;
    assert_eq!(
        (r["ok"].as_bool(), r["ref"].is_null()),
        (Some(false), true),
        "{r}"
    );
    assert_eq!(r["error"]["code"], "bad_request");
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("the frame is not JSON"));

    let big = json!({"op": "comment", "d": {"text": "a".repeat(5_000)}, "ref": "big"});
    b.send(big).await;
    let r = reply(&mut b).await;
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 4096 bytes"),
        "{r}"
    );

    let msg = b.refused("dance", json!({}), "bad_request").await;
    assert!(msg.starts_with("unknown op `dance`"), "{msg}");
    let msg = b
        .refused(
            "playback.seek",
            json!({"position_ms": "soon"}),
            "bad_request",
        )
        .await;
    assert!(
        msg.contains("`d` of `playback.seek` is not understood"),
        "{msg}"
    );
    let msg = b.refused("ban", json!({"user": ana_id}), "forbidden").await;
    assert!(msg.contains("only moderators"), "{msg}");
    b.refused("comment", json!({"text": "x".repeat(501)}), "bad_request")
        .await;
    b.refused("hello", json!({"v": 1, "token": bob}), "conflict")
        .await;

    // Still in the show: events reach it, and its ops work. (Each minute allows four frames
    // not understood here; bob sent four. Refused ops do not count.)
    host.ok("comment", json!({"text": "still on"})).await;
    assert_eq!(b.expect("comment").await["d"]["text"], "still on");
    b.ok("hand.raise", json!({})).await;
    host.expect_with("hand.raised", "user", &bob_id).await;

    // A fifth frame not understood within the minute: 4002. Binary frames count too.
    b.send_binary().await;
    assert_eq!(reply(&mut b).await["error"]["code"], "bad_request");
    assert_eq!(b.closed().await, Some(4002));

    // A message far over the limit is not read at all: 4002 at once.
    let (mut c, _) = Client::join(&app, &show, &cyd).await;
    c.send_text("x".repeat(100 * 1024)).await;
    assert_eq!(c.closed().await, Some(4002));

    host.ok("slow_mode.set", json!({"seconds": 3})).await;
}

#[tokio::test]
async fn hello_first_within_the_time_with_a_valid_token() {
    let app = server(Backend::Sqlite, config()).await.unwrap();
    let (_, ana) = app.user("ana").await;
    let show = live_show(&app, &ana, json!({"title": "Doors"})).await;

    let mut silent = Client::open(&app, &show).await;
    assert_eq!(silent.closed().await, Some(4003));

    let mut wrong = Client::open(&app, &show).await;
    wrong
        .send(json!({"op": "hello", "d": {"v": 1, "token": "not-a-token"}}))
        .await;
    assert_eq!(wrong.closed().await, Some(4001));

    // An expired token is no better.
    let ana_id = app.get("/v1/me", Some(&ana)).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.store
        .insert_token(medley_store::NewToken {
            token_hash: medley_app::accounts::hash_token("expired-token"),
            user_id: UserId::from(ana_id),
            kind: "session".into(),
            label: None,
            now_ms: 1,
            expires_at_ms: Some(2),
        })
        .await
        .unwrap();
    let mut expired = Client::open(&app, &show).await;
    expired
        .send(json!({"op": "hello", "d": {"v": 1, "token": "expired-token"}}))
        .await;
    assert_eq!(expired.closed().await, Some(4001));

    // Anything before `hello` is refused (with the frame's ref), then `hello` works.
    let mut early = Client::open(&app, &show).await;
    early
        .send(json!({"op": "comment", "d": {"text": "hi"}, "ref": "e1"}))
        .await;
    let r = early.reply("e1").await;
    assert_eq!(r["error"]["code"], "unauthorized", "{r}");
    early
        .send(json!({"op": "hello", "d": {"v": 2, "token": ana}, "ref": "e2"}))
        .await;
    let r = early.reply("e2").await;
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("send `v` 1"),
        "{r}"
    );
    early
        .send(json!({"op": "hello", "d": {"v": 1, "token": ana}}))
        .await;
    early.expect("welcome").await;

    // An unknown show, or one not live: 4004.
    let mut nowhere = Client::open(&app, &medley_domain::new_id()).await;
    nowhere
        .send(json!({"op": "hello", "d": {"v": 1, "token": ana}}))
        .await;
    assert_eq!(nowhere.closed().await, Some(4004));
}

#[tokio::test]
async fn a_flood_of_frames_is_closed_with_4008() {
    let config = LiveConfig {
        frames_per_second: 5,
        ..LiveConfig::default()
    };
    let app = server(Backend::Sqlite, config).await.unwrap();
    let (_, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    let show = live_show(&app, &ana, json!({"title": "Floods"})).await;
    let (mut host, _) = Client::join(&app, &show, &ana).await;
    let (mut b, _) = Client::join(&app, &show, &bob).await;
    for i in 0..40 {
        b.send(json!({"op": "ping", "d": {"t0": i}})).await;
    }
    let code = loop {
        match b.next().await {
            Frame::Json(v) => assert_eq!(v["op"], "pong", "{v}"),
            Frame::Closed(code) => break code,
        }
    };
    assert_eq!(code, Some(4008));
    // The clock: a pong carries the ping's time and the server's.
    let sent = medley_app::now_ms();
    host.send(json!({"op": "ping", "d": {"t0": sent}, "ref": "p"}))
        .await;
    let pong = host.expect("pong").await;
    assert_eq!(
        (pong["ref"].as_str(), pong["d"]["t0"].as_i64()),
        (Some("p"), Some(sent))
    );
    let (t1, t2) = (
        pong["d"]["t1"].as_i64().unwrap(),
        pong["d"]["t2"].as_i64().unwrap(),
    );
    assert!(t1 >= sent - 1_000 && t2 >= t1, "{pong}");
}

impl Client {
    async fn send_binary(&mut self) {
        self.send_message(Message::binary(vec![1, 2, 3])).await;
    }
}
