//! The demo seed, the browser's refusal, unknown routes and shutdown.

use medley_spotify_emulator::control::BrowserUser;
use medley_spotify_emulator::world::auth::s256;
use medley_spotify_emulator::{spawn, Config};
use reqwest::StatusCode;

use crate::support::*;

#[tokio::test]
async fn seed_demo_gives_a_user_with_playlists() {
    let env = start_with(Config {
        seed_demo: true,
        ..Config::default()
    })
    .await;
    let token = env.token("demo").await;
    let lists = env.get(&token, "/me/playlists").await.body;
    assert_eq!(lists["total"], 4);
    let everything = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Everything")
        .unwrap();
    assert_eq!(everything["items"]["total"], 240);
    assert_eq!(env.get(&token, "/me/tracks").await.body["total"], 40);
    let recent = env
        .get(&token, "/me/player/recently-played?limit=50")
        .await
        .body;
    assert_eq!(recent["items"].as_array().unwrap().len(), 40);
}

#[tokio::test]
async fn a_refusing_user_sends_access_denied() {
    let env = start().await;
    env.control.user("alice").await.unwrap();
    env.control
        .set_browser(&BrowserUser {
            user_id: "alice".into(),
            deny: true,
        })
        .await
        .unwrap();
    let challenge = s256("verifier-verifier-verifier-verifier-verifier-0");
    let resp = env
        .http
        .get(format!("{}/authorize", env.emu.accounts_url()))
        .query(&[
            ("client_id", "x"),
            ("response_type", "code"),
            ("redirect_uri", "https://app.example/cb"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert!(resp.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=access_denied"));
}

#[tokio::test]
async fn unknown_routes_answer_spotify_404() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let missing = env.get(&alice, "/recommendations").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["message"], "Service not found");
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let emu = spawn(Config::default()).await.unwrap();
    let url = format!("{}/control/clock", emu.url());
    assert!(reqwest::get(&url).await.unwrap().status().is_success());
    emu.shutdown().await;
    assert!(reqwest::get(&url).await.is_err());
}
