//! Liked Songs, recently played, tracks, scopes and request counts.

use medley_spotify_emulator::control::{CountFilter, NewPlay, NewTrack};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn liked_songs_newest_first_with_limits() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let ids = env.control.generate(60, 8).await.unwrap().ids;
    let save = env
        .call(
            &alice,
            Method::PUT,
            "/me/tracks",
            Some(json!({"ids": &ids[..50]})),
        )
        .await;
    assert_eq!(save.status, StatusCode::OK);
    let too_many = env
        .call(
            &alice,
            Method::PUT,
            "/me/tracks",
            Some(json!({"ids": &ids[..51]})),
        )
        .await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    env.control.advance(10).await.unwrap();
    let q = format!("/me/tracks?ids={}", ids[50..55].join(","));
    assert_eq!(
        env.call(&alice, Method::PUT, &q, None).await.status,
        StatusCode::OK
    );
    let page = env.get(&alice, "/me/tracks?limit=50").await.body;
    assert_eq!(page["total"], 55);
    assert_eq!(page["items"][0]["track"]["id"], ids[54].as_str());
    assert!(page["next"].is_string());
    assert_eq!(
        env.get(&alice, "/me/tracks?limit=51").await.status,
        StatusCode::BAD_REQUEST
    );
    let del = env
        .call(
            &alice,
            Method::DELETE,
            "/me/tracks",
            Some(json!({"ids": [&ids[50]]})),
        )
        .await;
    assert_eq!(del.status, StatusCode::OK);
    let liked = env.control.liked("alice").await.unwrap();
    assert_eq!(liked.items.len(), 54);
    env.control.unlike("alice", &ids[..10]).await.unwrap();
    assert_eq!(env.get(&alice, "/me/tracks").await.body["total"], 44);
}

#[tokio::test]
async fn recently_played_keeps_50_with_cursors() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let ids = env.control.generate(60, 9).await.unwrap().ids;
    let now = env.control.clock().await.unwrap().now_ms;
    let plays: Vec<NewPlay> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| NewPlay {
            track_id: id.clone(),
            played_at_ms: Some(now - 1_000_000 + n as i64 * 1_000),
            context_uri: None,
        })
        .collect();
    env.control.record_plays("alice", &plays).await.unwrap();
    let page = env
        .get(&alice, "/me/player/recently-played?limit=50")
        .await
        .body;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    assert_eq!(items[0]["track"]["id"], ids[59].as_str());
    assert!(
        page["next"].is_null(),
        "only the 50 most recent are reachable"
    );
    let small = env
        .get(&alice, "/me/player/recently-played?limit=10")
        .await
        .body;
    let before = small["cursors"]["before"].as_str().unwrap();
    let next = env.get(&alice, small["next"].as_str().unwrap()).await.body;
    assert_eq!(next["items"][0]["track"]["id"], ids[49].as_str());
    let after = env
        .get(
            &alice,
            &format!("/me/player/recently-played?after={before}"),
        )
        .await
        .body;
    assert_eq!(after["items"].as_array().unwrap().len(), 9);
    let both = env
        .get(&alice, "/me/player/recently-played?after=1&before=2")
        .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        env.get(&alice, "/me/player/recently-played?limit=51")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn tracks_by_id() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let created = env
        .control
        .add_tracks(&[NewTrack {
            id: Some("4iV5W9uYEdYUVa79Axb7Rh".into()),
            name: "Song".into(),
            artists: vec!["Band".into()],
            album: "Album".into(),
            duration_ms: 200_000,
            isrc: Some("USRC17607839".into()),
            explicit: true,
            ..Default::default()
        }])
        .await
        .unwrap();
    let t = env
        .get(&alice, &format!("/tracks/{}", created.ids[0]))
        .await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(t.body["external_ids"]["isrc"], "USRC17607839");
    assert_eq!(t.body["explicit"], true);
    assert_eq!(t.body["duration_ms"], 200_000);
    assert_eq!(t.body["artists"][0]["name"], "Band");
    assert_eq!(t.body["album"]["name"], "Album");
    assert_eq!(
        env.get(&alice, "/tracks/0000000000000000000000")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let bad = env.get(&alice, "/tracks/nope").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["error"]["status"], 400);
}

#[tokio::test]
async fn scopes_are_enforced() {
    let env = start().await;
    env.control.user("alice").await.unwrap();
    let token = env
        .control
        .mint_token("alice", APP, &["playlist-read-private"])
        .await
        .unwrap()
        .access_token;
    let denied = env.get(&token, "/me/tracks").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.body["error"]["message"], "Insufficient client scope");
    assert_eq!(
        env.get(&token, "/me/playlists").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn requests_are_counted_by_app_user_and_endpoint() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let (id, _) = env.playlist_with("alice", 2, 10).await;
    env.get(&alice, "/me").await;
    env.get(&alice, &format!("/playlists/{id}/items")).await;
    env.get(&alice, &format!("/playlists/{id}/items?offset=1"))
        .await;
    env.get("bogus-token", "/me").await;
    let counts = env.control.requests().await.unwrap();
    assert_eq!(counts.total, 4);
    assert_eq!(counts.by_app[APP], 3);
    assert_eq!(counts.by_user["alice"], 3);
    assert_eq!(counts.by_endpoint["GET /v1/playlists/{id}/items"], 2);
    assert_eq!(counts.by_endpoint["GET /v1/me"], 2);
    let since = env.control.advance(5).await.unwrap().now_ms;
    env.get(&alice, "/me").await;
    let recent = env
        .control
        .requests_matching(&CountFilter {
            since_ms: Some(since),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(recent.total, 1);
    env.control.reset_requests().await.unwrap();
    assert_eq!(env.control.requests().await.unwrap().total, 0);
}
