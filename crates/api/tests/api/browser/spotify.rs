//! The Spotify connection in the browser: connecting goes through Spotify's consent redirect
//! (the emulator's) and back, the page shows the account, its state and the requests made;
//! disconnecting removes it.

use medley_spotify_emulator::{spawn, Config};

use super::{chromium, looks_right};
use crate::cdp::Browser;
use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_connects_spotify_through_the_redirect_and_disconnects() {
    let Some(chromium) = chromium() else { return };
    let emu = spawn(Config::default()).await.unwrap();
    emu.control().user("alice").await.unwrap();
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    let (_, ana) = app.user("ana").await;

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = browser
        .open(&format!("{}/sign-in?next=/spotify", app.base))
        .await;
    tab.type_into("#username", "ana").await;
    tab.type_into("#password", "ana-password").await;
    tab.click("button[type=submit]").await;
    tab.see("h1", "Spotify").await;
    tab.see("main", "No Spotify account connected").await;
    looks_right(&tab, "spotify").await;

    // To Spotify and back: the callback page names both accounts and links back to the app.
    tab.click("main button").await;
    tab.see("body", "is now linked to the Medley user ana")
        .await;
    tab.click("a[href='/spotify']").await;
    tab.see("h1", "Spotify").await;
    tab.see("ul[aria-label='Connected accounts']", "alice")
        .await;
    tab.see("ul[aria-label='Connected accounts']", "Connected")
        .await;
    tab.see("ul[aria-label='Connected accounts'] dd", "2").await;
    looks_right(&tab, "spotify-connected").await;

    tab.click("button[aria-label^='Disconnect']").await;
    tab.see("#status", "Disconnected").await;
    tab.see("main", "No Spotify account connected").await;
    let left = app.get("/v1/connections", Some(&ana)).await;
    assert_eq!(left.body["items"], serde_json::json!([]));
}
