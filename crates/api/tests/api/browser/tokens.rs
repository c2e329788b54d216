//! API tokens on the account page: made with a name, the secret shown once and working, the
//! last use seen after it, and revoked with a click, after which it is refused.

use reqwest::StatusCode;

use super::{chromium, looks_right};
use crate::cdp::Browser;
use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_makes_an_api_token_uses_it_and_revokes_it() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn().await;
    app.user("ana").await;
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::launch(&chromium, profile.path()).await;
    let tab = browser
        .open(&format!("{}/sign-in?next=/account", app.base))
        .await;
    tab.type_into("#username", "ana").await;
    tab.type_into("#password", "ana-password").await;
    tab.click("button[type=submit]").await;
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
