//! Faults: each kind on demand, and random ones that repeat for the same seed.

use std::time::Duration;

use medley_spotify_emulator::control::{FaultKind, FaultSettings, ScriptedFault};
use medley_spotify_emulator::Config;
use reqwest::StatusCode;

use crate::support::*;

fn scripted(kind: FaultKind, path_prefix: &str, count: u32) -> ScriptedFault {
    ScriptedFault {
        path_prefix: path_prefix.into(),
        kind,
        count,
        status: None,
    }
}

#[tokio::test]
async fn server_errors_are_scripted_per_path() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    env.control
        .next_faults(&scripted(FaultKind::ServerError, "/v1/me/tracks", 2))
        .await
        .unwrap();
    assert_eq!(env.get(&alice, "/me").await.status, StatusCode::OK);
    let failed = env.get(&alice, "/me/tracks").await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(failed.body["error"]["status"], 500);
    assert_eq!(
        env.get(&alice, "/me/tracks").await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(env.get(&alice, "/me/tracks").await.status, StatusCode::OK);
}

#[tokio::test]
async fn short_pages_keep_total_and_next() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let (id, _) = env.playlist_with("alice", 60, 11).await;
    env.control
        .next_faults(&scripted(
            FaultKind::ShortPage,
            &format!("/v1/playlists/{id}/items"),
            1,
        ))
        .await
        .unwrap();
    let short = env
        .get(&alice, &format!("/playlists/{id}/items?limit=50"))
        .await
        .body;
    assert!(short["items"].as_array().unwrap().len() < 50);
    assert_eq!(short["total"], 60);
    assert!(short["next"].as_str().unwrap().contains("offset=50"));
    let full = env
        .get(&alice, &format!("/playlists/{id}/items?limit=50"))
        .await
        .body;
    assert_eq!(full["items"].as_array().unwrap().len(), 50);
}

#[tokio::test]
async fn dropped_connections_apply_the_write_but_answer_nothing() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let (id, uris) = env.playlist_with("alice", 1, 12).await;
    env.control
        .next_faults(&scripted(FaultKind::Drop, "/v1/playlists", 1))
        .await
        .unwrap();
    let resp = env
        .http
        .post(format!("{}/playlists/{id}/items", env.emu.api_url()))
        .bearer_auth(&alice)
        .json(&serde_json::json!({"uris": [&uris[0]]}))
        .send()
        .await;
    assert!(
        resp.is_err(),
        "the connection closes without a response: {resp:?}"
    );
    assert_eq!(env.control.get_playlist(&id).await.unwrap().items.len(), 2);
}

#[tokio::test]
async fn timeouts_hold_the_response() {
    let env = start_with(Config {
        fault_hold: Duration::from_secs(5),
        ..Config::default()
    })
    .await;
    let alice = env.user_with_token("alice").await;
    env.control
        .next_faults(&scripted(FaultKind::Timeout, "/v1/me", 1))
        .await
        .unwrap();
    let resp = env
        .http
        .get(format!("{}/me", env.emu.api_url()))
        .bearer_auth(&alice)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(resp.unwrap_err().is_timeout());
    assert_eq!(env.get(&alice, "/me").await.status, StatusCode::OK);
}

async fn statuses(seed: u64) -> Vec<u16> {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let settings = FaultSettings {
        seed,
        probability: 0.4,
        kinds: vec![FaultKind::ServerError],
        path_prefix: "/v1".into(),
    };
    env.control.set_faults(&settings).await.unwrap();
    let mut out = Vec::new();
    for _ in 0..30 {
        out.push(env.get(&alice, "/me").await.status.as_u16());
    }
    out
}

#[tokio::test]
async fn random_faults_repeat_for_the_same_seed() {
    let a = statuses(42).await;
    assert_eq!(a, statuses(42).await);
    assert_ne!(a, statuses(43).await);
    assert!(a.contains(&200));
    assert!(a.iter().any(|s| [500, 502, 503].contains(s)));
}

#[tokio::test]
async fn token_endpoint_faults_can_be_scripted() {
    let env = start().await;
    let grant = {
        env.control.user("alice").await.unwrap();
        env.control.mint_token("alice", APP, SCOPES).await.unwrap()
    };
    env.control
        .next_faults(&ScriptedFault {
            status: Some(503),
            ..scripted(FaultKind::ServerError, "/api/token", 1)
        })
        .await
        .unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", grant.refresh_token.as_str()),
        ("client_id", APP),
    ];
    let url = format!("{}/api/token", env.emu.accounts_url());
    let first = env.http.post(&url).form(&form).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
    // The failed attempt did not consume the refresh token.
    let second = env.http.post(&url).form(&form).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    let counted = wait_for(Duration::from_secs(2), || async {
        env.control
            .requests()
            .await
            .unwrap()
            .by_endpoint
            .get("POST /api/token")
            == Some(&1)
    })
    .await;
    assert!(
        counted,
        "only the request that reached the token logic is counted"
    );
}

#[tokio::test]
async fn stale_snapshots_show_new_contents_under_the_old_id() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let (id, uris) = env.playlist_with("alice", 3, 13).await;
    let old = env.control.get_playlist(&id).await.unwrap().snapshot_id;
    let new = env
        .control
        .remove_items(&id, &uris[..1])
        .await
        .unwrap()
        .snapshot_id;
    env.control
        .next_faults(&scripted(FaultKind::StaleSnapshot, "/v1/", 2))
        .await
        .unwrap();
    let listed = env.get(&alice, "/me/playlists").await.body;
    assert_eq!(listed["items"][0]["snapshot_id"], old.as_str());
    assert_eq!(listed["items"][0]["items"]["total"], 2);
    let full = env.get(&alice, &format!("/playlists/{id}")).await.body;
    assert_eq!(full["snapshot_id"], old.as_str());
    assert_eq!(full["items"]["total"], 2);
    assert_eq!(
        env.get(&alice, &format!("/playlists/{id}")).await.body["snapshot_id"],
        new.as_str()
    );
}
