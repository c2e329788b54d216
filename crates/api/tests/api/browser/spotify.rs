//! The Spotify connection in the browser: connecting goes through Spotify's consent redirect
//! (the emulator's) and back, the page shows the account, its state and the requests made;
//! disconnecting removes it. Signing in with Spotify from the sign-in page makes an account
//! from the Spotify profile and signs the browser in.

use medley_spotify_emulator::control::types::NewUser;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_signs_in_with_spotify_from_the_sign_in_page() {
    let Some(chromium) = chromium() else { return };
    let emu = spawn(Config::default()).await.unwrap();
    emu.control()
        .create_user(&NewUser {
            id: "alice".into(),
            display_name: Some("Alice Liddell".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    app.user("ana").await;

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = browser.open(&format!("{}/sign-in", app.base)).await;
    let button = "form[aria-label='Sign in with Spotify'] button";
    tab.see(button, "Sign in with Spotify").await;
    looks_right(&tab, "sign-in-spotify").await;

    // To Spotify's consent page (the emulator's, which grants at once) and back, signed in
    // as the account made from the Spotify profile.
    tab.click(button).await;
    tab.see("#nav a[href='/account']", "alice.liddell").await;
    tab.click("#nav a[href='/account']").await;
    tab.see("main", "Signed in as alice.liddell").await;
    let me = tab
        .eval("fetch('/v1/web/session').then(r => r.json()).then(s => s.user.display_name)")
        .await
        .unwrap();
    assert_eq!(
        me, "Alice Liddell",
        "the name comes from the Spotify profile"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_spotify_the_sign_in_page_offers_no_spotify_button() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    app.user("ana").await;
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = browser.open(&format!("{}/sign-in", app.base)).await;
    tab.see("main", "Create an account").await;
    let buttons = tab
        .eval("[...document.querySelectorAll('main button')].map(b => b.textContent)")
        .await
        .unwrap();
    assert_eq!(buttons, serde_json::json!(["Sign in"]));
}
