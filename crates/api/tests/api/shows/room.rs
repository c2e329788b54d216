//! A show run from start to end over real WebSockets, on both backends: joining, hands,
//! roles, mutes, comments and slow mode, removal, bans, playback, the end, and what the show
//! leaves readable afterwards.

use medley_app::shows::live::LiveConfig;
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use super::client::{live_show, live_show_playing, server, Client};
use crate::on_both_backends;

on_both_backends!(a_show_runs_from_start_to_end);

async fn a_show_runs_from_start_to_end(backend: Backend) {
    let app = server(backend, LiveConfig::default()).await.unwrap();
    let (ana, ana_token) = app.user("ana").await;
    let (bob, bob_token) = app.user("bob").await;
    let (cy, cy_token) = app.user("cyd").await;
    let mut uris = app.tracks(&ana_token, 2).await;
    let r = app
        .post(
            "/v1/library/tracks",
            Some(&ana_token),
            json!({"name": "On Spotify", "artists": ["Far Band"], "album": "Far", "duration_ms": 200_000,
                "external_ids": {"spotify": "4uLU6hMCjMI75M1A2tKUQC"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    uris.push(r.body["tracks"][0]["uri"].as_str().unwrap().to_owned());
    let show = live_show_playing(
        &app,
        &ana_token,
        "Late night",
        json!({"name": "Set", "public": false}),
        &uris,
    )
    .await;

    // Joining: the whole state at once.
    let (mut host, welcome) = Client::join(&app, &show, &ana_token).await;
    let d = &welcome["d"];
    assert_eq!(
        d["you"],
        json!({"user": ana, "role": "creator", "muted": false})
    );
    assert_eq!(d["show"]["title"], "Late night");
    assert_eq!(d["show"]["state"], "live");
    assert_eq!(d["show"]["creator"], ana.as_str());
    assert_eq!(d["show"]["playlist"]["tracks"].as_array().unwrap().len(), 3);
    assert_eq!(d["audience"], 1);
    assert_eq!(d["playback"]["state"], "stopped");
    assert!(d["server_time"].as_i64().unwrap() > 0);
    let (mut bob_c, welcome) = Client::join(&app, &show, &bob_token).await;
    assert_eq!(welcome["d"]["you"]["role"], "listener");
    assert_eq!(welcome["d"]["audience"], 2);
    assert_eq!(welcome["d"]["participants"][0]["user"], ana.as_str());
    let joined = host.expect_with("joined", "user", &bob).await;
    assert_eq!(joined["d"]["role"], "listener");
    let r = app.get(&format!("/v1/shows/{show}"), Some(&cy_token)).await;
    assert_eq!(r.body["audience"], 2, "{}", r.body);

    // Raise a hand, accepted: a speaker.
    let r = bob_c.ok("hand.raise", json!({})).await;
    let seq = r["d"]["seq"].as_u64().unwrap();
    assert_eq!(host.expect("hand.raised").await["seq"], seq);
    host.ok("hand.accept", json!({"user": bob})).await;
    let changed = bob_c.expect("role.changed").await;
    assert_eq!(
        changed["d"],
        json!({"user": bob, "role": "speaker", "by": ana})
    );
    // Moved back, by themselves.
    bob_c
        .ok("role.set", json!({"user": bob, "role": "listener"}))
        .await;
    // A listener may not do what moderators do.
    let msg = bob_c
        .refused("mute", json!({"user": ana}), "forbidden")
        .await;
    assert!(msg.contains("only moderators"), "{msg}");

    // Comments: stored, one a second, a slow mode, deletion.
    let (mut cy_c, _) = Client::join(&app, &show, &cy_token).await;
    cy_c.ok("comment", json!({"text": "hello all"})).await;
    let comment = bob_c.expect("comment").await;
    assert_eq!(comment["d"]["user"], cy.as_str());
    assert_eq!(comment["d"]["text"], "hello all");
    let msg = cy_c
        .refused("comment", json!({"text": "again"}), "rate_limited")
        .await;
    assert!(msg.contains("one comment every 1 s"), "{msg}");
    host.ok("slow_mode.set", json!({"seconds": 30})).await;
    assert_eq!(cy_c.expect("slow_mode.changed").await["d"]["seconds"], 30);
    bob_c.ok("comment", json!({"text": "to be deleted"})).await;
    let doomed = cy_c.expect_with("comment", "user", &bob).await["d"]["id"].clone();
    let msg = bob_c
        .refused("comment", json!({"text": "third"}), "rate_limited")
        .await;
    assert!(msg.contains("every 30 s"), "{msg}");
    host.ok("comment.delete", json!({"id": doomed})).await;
    assert_eq!(bob_c.expect("comment.deleted").await["d"]["id"], doomed);
    host.ok("slow_mode.set", json!({"seconds": 0})).await;

    // Mute: no comments until unmuted.
    host.ok("mute", json!({"user": cy})).await;
    assert_eq!(
        cy_c.expect("muted").await["d"],
        json!({"user": cy, "by": ana})
    );
    cy_c.refused("comment", json!({"text": "x"}), "forbidden")
        .await;
    host.ok("unmute", json!({"user": cy})).await;
    cy_c.ok("comment", json!({"text": "back"})).await;

    // Playback: the creator's; `at` a little ahead of the event's server time.
    bob_c.refused("playback.play", json!({}), "forbidden").await;
    host.ok("playback.play", json!({"index": 0})).await;
    let play = bob_c.expect("playback").await;
    let d = &play["d"];
    assert_eq!(
        (d["state"].as_str(), d["index"].as_u64()),
        (Some("playing"), Some(0))
    );
    let lead = d["at"].as_i64().unwrap() - play["ts"].as_i64().unwrap();
    assert!(lead > 0 && lead <= 1_000, "lead {lead} ms");
    assert_eq!(d["track"]["uri"], uris[0]);
    host.ok("playback.seek", json!({"position_ms": 60_000}))
        .await;
    let seek = bob_c.expect("playback").await;
    assert_eq!(seek["d"]["position_ms"], 60_000);
    assert!(seek["d"]["at"].as_i64().unwrap() > seek["ts"].as_i64().unwrap());
    host.ok("playback.next", json!({})).await;
    host.ok("playback.next", json!({})).await;
    let last = bob_c.expect_with("playback", "state", "playing").await;
    let last = if last["d"]["index"] == 2 {
        last
    } else {
        bob_c.expect("playback").await
    };
    assert_eq!(last["d"]["index"], 2);
    assert_eq!(last["d"]["position_ms"], 0);
    assert_eq!(
        last["d"]["track"]["spotify_uri"],
        "spotify:track:4uLU6hMCjMI75M1A2tKUQC"
    );
    host.refused("playback.next", json!({}), "conflict").await;

    // Removal (4011; may come back), ban (4012, also on rejoining), unban.
    host.ok("remove", json!({"user": cy})).await;
    assert_eq!(cy_c.expect("removed").await["d"]["user"], cy.as_str());
    assert_eq!(cy_c.closed().await, Some(4011));
    // Resuming the removed session is refused as well: a client that never saw its close
    // frame does not come back unasked. A fresh join is allowed.
    let mut back = Client::open(&app, &show).await;
    back.send(json!({"op": "hello", "d": {"v": 1, "token": cy_token,
        "resume": {"session": cy_c.session, "seq": cy_c.seq}}}))
        .await;
    assert_eq!(back.closed().await, Some(4011));
    let (mut cy_c, welcome) = Client::join(&app, &show, &cy_token).await;
    assert_eq!(welcome["d"]["you"]["role"], "listener");
    host.ok("ban", json!({"user": cy})).await;
    assert_eq!(cy_c.closed().await, Some(4012));
    let mut again = Client::open(&app, &show).await;
    again
        .send(json!({"op": "hello", "d": {"v": 1, "token": cy_token}}))
        .await;
    assert_eq!(again.closed().await, Some(4012));
    host.ok("unban", json!({"user": cy})).await;
    let (mut cy_c, _) = Client::join(&app, &show, &cy_token).await;

    // The end: everyone closes with 4010; nobody joins afterwards.
    bob_c.refused("show.end", json!({}), "forbidden").await;
    host.ok("show.end", json!({})).await;
    assert_eq!(
        host.events.last().unwrap()["op"],
        "show.ended",
        "before the reply"
    );
    assert_eq!(host.closed().await, Some(4010));
    for c in [&mut bob_c, &mut cy_c] {
        c.expect("show.ended").await;
        assert_eq!(c.closed().await, Some(4010));
    }
    // Everyone received every reliable event, the same, in order.
    let first = bob_c.events[0]["seq"].as_u64().unwrap();
    let host_since: Vec<_> = host
        .events
        .iter()
        .filter(|e| e["seq"].as_u64().unwrap() >= first)
        .cloned()
        .collect();
    assert_eq!(host_since, bob_c.events);
    let mut late = Client::open(&app, &show).await;
    late.send(json!({"op": "hello", "d": {"v": 1, "token": bob_token}}))
        .await;
    assert_eq!(late.closed().await, Some(4010));

    // Afterwards: the show, its comments and its history.
    let r = app
        .get(&format!("/v1/shows/{show}"), Some(&bob_token))
        .await;
    assert_eq!(r.body["state"], "ended", "{}", r.body);
    assert!(r.body["ended_at"].is_string());
    let r = app
        .get(&format!("/v1/shows/{show}/comments"), Some(&bob_token))
        .await;
    let texts: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["hello all", "back"], "deleted comment left out");
    let r = app
        .get(
            &format!("/v1/shows/{show}/history?limit=100"),
            Some(&bob_token),
        )
        .await;
    let ops: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["op"].as_str().unwrap())
        .collect();
    for op in [
        "joined",
        "role.changed",
        "slow_mode.changed",
        "muted",
        "unmuted",
        "playback",
        "removed",
        "banned",
        "unbanned",
        "show.ended",
    ] {
        assert!(ops.contains(&op), "history has {op}: {ops:?}");
    }
    assert_eq!(ops.iter().filter(|o| **o == "playback").count(), 4);
    let seqs: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");
    let r = app.get("/v1/shows?state=ended", Some(&cy_token)).await;
    assert_eq!(r.body["items"][0]["id"], show.as_str());
}

#[tokio::test]
async fn reactions_and_the_audience_are_ephemeral_and_a_late_joiner_gets_the_latest_comments() {
    let app = server(Backend::Sqlite, LiveConfig::default())
        .await
        .unwrap();
    let (_, ana) = app.user("ana").await;
    let (bob_id, bob) = app.user("bob").await;
    let (_, cyd) = app.user("cyd").await;
    let show = live_show(&app, &ana, json!({"title": "Cheers"})).await;
    let (mut host, _) = Client::join(&app, &show, &ana).await;
    let (mut b, _) = Client::join(&app, &show, &bob).await;
    let audience = host.expect("audience").await;
    assert_eq!(audience["d"]["count"], 2);
    assert!(audience.get("seq").is_none() && audience["ts"].is_i64());
    let r = b.ok("react", json!({"emoji": "🔥"})).await;
    assert_eq!(r["d"], json!({}), "no reliable event");
    let reaction = host.expect("reaction").await;
    assert_eq!(reaction["d"]["emoji"], "🔥");
    assert!(reaction.get("seq").is_none());
    b.refused("react", json!({"emoji": "two words"}), "bad_request")
        .await;
    b.ok("comment", json!({"text": "first"})).await;
    let (_, welcome) = Client::join(&app, &show, &cyd).await;
    let comments = welcome["d"]["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["user"], bob_id.as_str());
    assert_eq!(comments[0]["text"], "first");
    assert_eq!(welcome["d"]["audience"], 3);
    // Leaving: announced, then a normal close.
    b.ok("leave", json!({})).await;
    assert_eq!(b.closed().await, Some(1000));
    host.expect_with("left", "user", &bob_id).await;
}
