//! Following someone else's playlist from its page: it joins the follower's playlists, the
//! page remembers it after a reload, and unfollowing takes it away again.

use reqwest::StatusCode;
use serde_json::json;

use super::{chromium, looks_right, open_signed_in};
use crate::cdp::Browser;
use crate::harness::TestApp;

async fn followed_names(app: &TestApp, token: &str) -> Vec<String> {
    let r = app.get("/v1/me/playlists?limit=50", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_follows_and_unfollows_a_public_playlist() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let (_, ben) = app.user("ben").await;
    let picks = app
        .playlist(&ben, json!({"name": "Ben's picks", "public": true}))
        .await;
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let page = format!("/playlists/{picks}");
    let tab = open_signed_in(&browser, &app.base, "ana", &page).await;
    tab.see("h1", "Ben's picks").await;
    tab.see("#follow", "Follow").await;
    looks_right(&tab, "playlist-of-someone-else").await;

    tab.click("#follow").await;
    tab.see("#follow", "Following").await;
    tab.see("#status", "among your playlists").await;
    assert_eq!(followed_names(&app, &ana).await, ["Ben's picks"]);

    tab.send("Page.reload", json!({})).await;
    tab.see("#follow", "Following").await;
    tab.click("#follow").await;
    tab.wait(
        "the button back to Follow",
        "document.querySelector('#follow').getAttribute('aria-pressed') === 'false'",
    )
    .await;
    assert!(followed_names(&app, &ana).await.is_empty());
}
