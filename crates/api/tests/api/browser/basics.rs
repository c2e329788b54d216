//! The web app driven in headless Chromium as a person uses it: register, search, make a
//! playlist, add songs from search, reorder, remove, like, see statistics, reload and still be
//! signed in, change the password, sign out.

use reqwest::StatusCode;
use serde_json::json;

use super::{chromium, looks_right};
use crate::cdp::Browser;
use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_signs_up_makes_a_playlist_from_search_and_signs_out() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    let (_, curator) = app.user("curator").await;
    let songs = json!([
        {"name": "Harvest Moon", "artists": ["Neil Young"], "album": "Harvest Moon", "duration_ms": 303000},
        {"name": "Heart of Gold", "artists": ["Neil Young"], "album": "Harvest", "duration_ms": 187000},
        {"name": "Pink Moon", "artists": ["Nick Drake"], "album": "Pink Moon", "duration_ms": 124000},
    ]);
    let added = app.post("/v1/library/tracks", Some(&curator), songs).await;
    assert!(added.status.is_success(), "{}", added.body);

    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = browser.open(&format!("{}/", app.base)).await;
    tab.see("h1", "Your music").await;
    // The first load (shell, styles, every module, the icon) stays under 200 KB transferred:
    // about 65 KB, as every file comes gzipped (bodies and headers, as the browser counts them).
    let load = tab
        .eval(
            "(() => { const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]; \
             return {bytes: all.reduce((sum, r) => sum + r.transferSize, 0), files: all.length, \
             plain: all.filter(r => (r.entryType === 'navigation' || r.name.includes('/assets/')) && r.encodedBodySize >= r.decodedBodySize).map(r => r.name)}; })()",
        )
        .await
        .unwrap();
    let bytes = load["bytes"].as_f64().unwrap();
    eprintln!(
        "first load: {bytes} bytes transferred in {} files",
        load["files"]
    );
    assert!(
        bytes > 10_000.0 && bytes < 100_000.0,
        "first load transferred {bytes} bytes"
    );
    assert_eq!(
        load["plain"],
        json!([]),
        "every file of the app comes compressed"
    );
    looks_right(&tab, "welcome").await;

    tab.click("a[href='/register']").await;
    tab.see("h1", "Create an account").await;
    looks_right(&tab, "register").await;
    tab.type_into("#username", "walker").await;
    tab.type_into("#password", "walker-password-1").await;
    tab.click("button[type=submit]").await;
    tab.see("h1", "Search").await;
    tab.see("nav", "walker").await;

    tab.type_into("#q", "moon").await;
    tab.see("#results", "Harvest Moon").await;
    tab.see("#results", "Pink Moon").await;
    tab.see("#results", "Neil Young").await;
    looks_right(&tab, "search").await;

    tab.click("nav a[href='/playlists']").await;
    tab.see("h1", "Playlists").await;
    tab.type_into("#new-name", "Evening").await;
    tab.click("button[type=submit]").await;
    tab.see("h1", "Evening").await;
    tab.see("main", "0 songs").await;

    tab.type_into("#q", "harvest").await;
    tab.click("button[aria-label='Add Harvest Moon to Evening']")
        .await;
    tab.see("#items", "Harvest Moon").await;
    tab.see("main", "1 songs").await;
    tab.type_into("#q", "pink moon").await;
    tab.click("button[aria-label='Add Pink Moon to Evening']")
        .await;
    tab.see("main", "2 songs").await;

    // Reorder from the keyboard: the focus stays on the song that moved.
    tab.press_enter_on("button[aria-label='Move Pink Moon up']")
        .await;
    tab.wait(
        "Pink Moon to come first",
        "document.querySelector('#items li a').innerText === 'Pink Moon'",
    )
    .await;
    tab.wait(
        "the focus to follow it",
        "document.activeElement.getAttribute('aria-label') === 'Move Pink Moon down'",
    )
    .await;
    tab.click("button[aria-label='Remove Harvest Moon']").await;
    tab.see("main", "1 songs").await;
    tab.wait(
        "Harvest Moon gone",
        "!document.querySelector('#items').innerText.includes('Harvest Moon')",
    )
    .await;
    tab.click("button[aria-label='Add Harvest Moon to Evening']")
        .await;
    tab.see("main", "2 songs").await;
    looks_right(&tab, "playlist").await;

    tab.send("Page.reload", json!({})).await;
    tab.see("#items", "Harvest Moon").await;
    tab.see("nav", "Sign out").await;
    tab.click("nav a[href='/playlists']").await;
    tab.see("ul[aria-label='Your playlists']", "Evening").await;
    looks_right(&tab, "playlists").await;

    // Like a song from its page; it is among the liked songs.
    tab.click("ul[aria-label='Your playlists'] a").await;
    tab.see("h1", "Evening").await;
    tab.click("#items a[href^='/tracks/']").await;
    tab.see("h1", "Pink Moon").await;
    looks_right(&tab, "track").await;
    tab.click("main button[aria-pressed='false']").await;
    tab.wait("the like to hold", "document.querySelector('main button[aria-pressed]').getAttribute('aria-pressed') === 'true'").await;
    tab.click("nav a[href='/liked']").await;
    tab.see("main", "1 songs").await;
    tab.see("ol[aria-label='Liked songs']", "Pink Moon").await;
    looks_right(&tab, "liked").await;

    // Plays recorded elsewhere (another client, by Bearer) show in the statistics.
    let session = app
        .post(
            "/v1/sessions",
            None,
            json!({"username": "walker", "password": "walker-password-1"}),
        )
        .await;
    let token = session.body["access_token"].as_str().unwrap().to_owned();
    let found = app
        .get("/v1/search?q=pink%20moon&type=track", Some(&token))
        .await;
    let uri = found.body["tracks"]["items"][0]["uri"]
        .as_str()
        .unwrap()
        .to_owned();
    for hours in 1..=3 {
        let at = (chrono::Utc::now() - chrono::Duration::hours(hours)).to_rfc3339();
        let play = json!({"track": uri, "played_at": at});
        let played = app.post("/v1/me/player/plays", Some(&token), play).await;
        assert!(played.status.is_success(), "{}", played.body);
    }
    tab.click("nav a[href='/stats']").await;
    tab.see("ol[aria-label='Top songs']", "Pink Moon").await;
    tab.see(".stats", "3\nplays").await;
    tab.see("ol[aria-label='Top artists']", "Nick Drake").await;
    looks_right(&tab, "stats").await;

    // The cookie alone changes nothing: a request without the CSRF token is refused.
    let forged = "fetch('/v1/me/playlists', {method: 'POST', headers: {'Content-Type': 'application/json'}, \
        body: JSON.stringify({name: 'Forged'})}).then(r => r.status)";
    assert_eq!(tab.eval(forged).await.unwrap(), json!(403));

    // Change the password on the account page.
    tab.click("nav a[href='/account']").await;
    tab.see("h1", "Account").await;
    tab.type_into("#current", "walker-password-1").await;
    tab.type_into("#new", "walker-password-2").await;
    tab.click("button[type=submit]").await;
    tab.see("#status", "Password changed").await;
    looks_right(&tab, "account").await;

    tab.click("nav button").await;
    tab.see("h1", "Sign in").await;
    looks_right(&tab, "sign-in").await;
    tab.see("nav", "Register").await;
    let me = tab
        .eval("fetch('/v1/me').then(r => r.status)")
        .await
        .unwrap();
    assert_eq!(
        me,
        json!(StatusCode::UNAUTHORIZED.as_u16()),
        "signed out for real"
    );

    // The old password is refused in words; the new one signs in.
    tab.type_into("#username", "walker").await;
    tab.type_into("#password", "walker-password-1").await;
    tab.click("button[type=submit]").await;
    tab.see("form [role=alert]", "wrong username or password")
        .await;
    tab.type_into("#password", "walker-password-2").await;
    tab.click("button[type=submit]").await;
    tab.see("h1", "Search").await;
}
