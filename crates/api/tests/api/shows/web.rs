//! The web app's way in: a page cannot read its HttpOnly session cookie, so its `hello`
//! carries the session's CSRF token and the server takes the token from the cookie the
//! upgrade carried. Without that cookie, or with another CSRF token, the answer is 4001.

use reqwest::header::SET_COOKIE;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::client::{live_show, Client};
use crate::harness::TestApp;

/// Signs `who` in as a browser does: the cookie (`name=value`) and the CSRF token.
async fn browser_session(app: &TestApp, who: &str) -> (String, String) {
    let res = app
        .http
        .post(format!("{}/v1/web/session", app.base))
        .json(&json!({"username": who, "password": format!("{who}-password")}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let cookie = res.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = res.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_browser_joins_with_its_session_cookie_and_csrf_token() {
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let (ben_id, _) = app.user("ben").await;
    let show = live_show(&app, &ana, json!({"title": "Open house"})).await;
    let (cookie, csrf) = browser_session(&app, "ben").await;

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
    let (cookie, csrf) = browser_session(&app, "ben").await;
    let (_, other_csrf) = browser_session(&app, "ana").await;

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
