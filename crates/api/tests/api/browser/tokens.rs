//! API tokens on the account page: made with a name, the secret shown once and working, the
//! last use seen after it, and revoked with a click, after which it is refused.

use reqwest::StatusCode;

use super::{chromium, looks_right, open_signed_in};
use crate::cdp::Browser;
use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_makes_an_api_token_uses_it_and_revokes_it() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    app.user("ana").await;
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = open_signed_in(&browser, &app.base, "ana", "/account").await;
    tab.see("h1", "Account").await;
    tab.see("#tokens", "No API tokens yet").await;

    tab.type_into("#token-name", "backup script").await;
    tab.click("form:has(#token-name) button[type=submit]").await;
    tab.wait(
        "the secret, selected for copying",
        "document.activeElement.id === 'token-secret' && document.activeElement.value.length > 40",
    )
    .await;
    tab.see("#new-token", "shown only this once").await;
    tab.see("#tokens", "backup script").await;
    tab.see("#tokens tbody td:nth-child(3)", "never").await;
    looks_right(&tab, "account-tokens").await;
    let secret = tab
        .eval("document.querySelector('#token-secret').value")
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();

    // A script uses it; the page shows when, after a reload (and no longer the secret).
    assert_eq!(
        app.get("/v1/me", Some(&secret)).await.status,
        StatusCode::OK
    );
    tab.send("Page.reload", serde_json::json!({})).await;
    tab.see("#tokens", "backup script").await;
    tab.wait(
        "the last use shown",
        "(() => { const c = document.querySelector('#tokens tbody td:nth-child(3)'); return c && c.innerText !== 'never'; })()",
    )
    .await;
    assert!(
        !tab.text().await.contains(&secret),
        "the secret is shown once"
    );

    tab.click("button[aria-label='Revoke backup script']").await;
    tab.see("#tokens", "No API tokens yet").await;
    tab.see("#status", "Revoked backup script").await;
    assert_eq!(
        app.get("/v1/me", Some(&secret)).await.status,
        StatusCode::UNAUTHORIZED,
        "revoked at once"
    );
}

/// Whether `/rest` accepts this Subsonic API key.
async fn subsonic_accepts(app: &TestApp, key: &str) -> bool {
    let r = app
        .get(
            &format!("/rest/ping.view?apiKey={key}&f=json&v=1.16.1&c=browser-test"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["subsonic-response"]["status"] == "ok"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_gives_a_music_player_a_subsonic_key_and_sets_a_subsonic_password() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    app.user("ana").await;
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = open_signed_in(&browser, &app.base, "ana", "/account").await;
    tab.see("#subsonic-keys", "No Subsonic API keys yet").await;
    tab.see("#subsonic-keys-h + p", "/rest").await;

    tab.type_into("#subsonic-key-name", "My phone").await;
    tab.click("form:has(#subsonic-key-name) button[type=submit]")
        .await;
    tab.wait(
        "the key, selected for copying",
        "document.activeElement.id === 'subsonic-key-secret' && document.activeElement.value.length > 20",
    )
    .await;
    tab.see("#subsonic-keys", "My phone").await;
    looks_right(&tab, "account-subsonic").await;
    let key = tab
        .eval("document.querySelector('#subsonic-key-secret').value")
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        subsonic_accepts(&app, &key).await,
        "the new key signs a player in"
    );

    // The Subsonic password: the login password is refused in words; another one is set.
    tab.see("#subsonic-password-state", "No Subsonic password")
        .await;
    tab.type_into("#subsonic-password", "ana-password").await;
    tab.click("form:has(#subsonic-password) button[type=submit]")
        .await;
    tab.see("form:has(#subsonic-password) .error", "").await;
    tab.type_into("#subsonic-password", "player-secret-9").await;
    tab.click("form:has(#subsonic-password) button[type=submit]")
        .await;
    tab.see("#subsonic-password-state", "A Subsonic password is set")
        .await;
    let r = app
        .get(
            "/rest/ping.view?u=ana&p=player-secret-9&f=json&v=1.16.1&c=browser-test",
            None,
        )
        .await;
    assert_eq!(r.body["subsonic-response"]["status"], "ok", "{}", r.body);

    tab.click("button[aria-label='Revoke My phone']").await;
    tab.see("#subsonic-keys", "No Subsonic API keys yet").await;
    assert!(!subsonic_accepts(&app, &key).await, "revoked at once");
}
