//! The web app's way in: a page cannot read its HttpOnly session cookie, so its `hello`
//! carries the session's CSRF token and the server takes the token from the cookie the
//! upgrade carried. Without that cookie, or with another CSRF token, the answer is 4001.

use serde_json::json;

use super::client::{live_show, Client};
use crate::harness::TestApp;

#[tokio::test]
async fn a_browser_joins_with_its_session_cookie_and_csrf_token() {
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let (ben_id, _) = app.user("ben").await;
    let show = live_show(&app, &ana, json!({"title": "Open house"})).await;
    let (cookie, csrf) = app.browser_session("ben").await;

    let mut c = Client::open_with_cookie(&app.base, &show, &cookie).await;
    c.send(json!({"op": "hello", "d": {"v": 1, "csrf": csrf}}))
        .await;
    let welcome = c.expect("welcome").await;
    assert_eq!(welcome["d"]["you"]["user"], ben_id.as_str());
    assert_eq!(welcome["d"]["you"]["role"], "listener");
}

#[tokio::test]
async fn a_csrf_token_without_its_cookie_or_another_sessions_is_refused() {
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    app.user("ben").await;
    let show = live_show(&app, &ana, json!({"title": "Open house"})).await;
    let (cookie, csrf) = app.browser_session("ben").await;
    let (_, other_csrf) = app.browser_session("ana").await;

    // Another site's page has no cookie of ours to send (SameSite=Strict).
    let mut c = Client::open(&app, &show).await;
    c.send(json!({"op": "hello", "d": {"v": 1, "csrf": csrf}}))
        .await;
    assert_eq!(c.closed().await, Some(4001));

    // The cookie with some other session's CSRF token.
    let mut c = Client::open_with_cookie(&app.base, &show, &cookie).await;
    c.send(json!({"op": "hello", "d": {"v": 1, "csrf": other_csrf}}))
        .await;
    assert_eq!(c.closed().await, Some(4001));

    // The cookie alone (no token, no CSRF token).
    let mut c = Client::open_with_cookie(&app.base, &show, &cookie).await;
    c.send(json!({"op": "hello", "d": {"v": 1}})).await;
    assert_eq!(c.closed().await, Some(4001));
}
