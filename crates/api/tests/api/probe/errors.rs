//! Every error body, whatever the status, is a problem document that also carries Spotify's
//! `{"error":{"status","message"}}`.

use medley_api::ApiConfig;
use medley_store::testing::TestDb;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Reply, TestApp};

fn assert_both_shapes(r: &Reply, status: StatusCode) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(
        r.body["status"],
        status.as_u16(),
        "problem status: {}",
        r.body
    );
    assert!(r.body["title"].is_string(), "problem title: {}", r.body);
    let detail = r.body["detail"].as_str().unwrap_or_default();
    assert!(!detail.is_empty(), "problem detail: {}", r.body);
    assert_eq!(r.body["error"]["status"], status.as_u16(), "{}", r.body);
    assert_eq!(r.body["error"]["message"], detail, "{}", r.body);
}

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
    kind: &str,
) -> Reply {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.base))
        .header("content-type", kind)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json"),
        "{status} is a problem document"
    );
    let text = r.text().await.unwrap();
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or_default(),
    }
}

#[tokio::test]
async fn every_error_status_carries_both_error_shapes() {
    let config = ApiConfig {
        body_limit_bytes: 1024,
        ..ApiConfig::default()
    };
    let app = TestApp::spawn_with(TestDb::sqlite(), config).await;
    let (_, token) = app.user("ana").await;
    let t = Some(token.as_str());

    // 405: a known path with a method it does not take.
    let r = raw(
        &app,
        Method::PATCH,
        "/v1/me",
        t,
        Vec::new(),
        "application/json",
    )
    .await;
    assert_both_shapes(&r, StatusCode::METHOD_NOT_ALLOWED);
    let r = raw(
        &app,
        Method::DELETE,
        "/v1/search",
        t,
        Vec::new(),
        "application/json",
    )
    .await;
    assert_both_shapes(&r, StatusCode::METHOD_NOT_ALLOWED);
    // 404 of a route that does not exist.
    let r = raw(
        &app,
        Method::GET,
        "/v1/no-such-thing",
        t,
        Vec::new(),
        "application/json",
    )
    .await;
    assert_both_shapes(&r, StatusCode::NOT_FOUND);
    // 413: a body over the limit.
    let big = serde_json::to_vec(&json!({"name": "x".repeat(4096)})).unwrap();
    let r = raw(
        &app,
        Method::POST,
        "/v1/me/playlists",
        t,
        big,
        "application/json",
    )
    .await;
    assert_both_shapes(&r, StatusCode::PAYLOAD_TOO_LARGE);
    // 415: not JSON.
    let r = raw(
        &app,
        Method::POST,
        "/v1/me/playlists",
        t,
        b"name=x".to_vec(),
        "application/x-www-form-urlencoded",
    )
    .await;
    assert_both_shapes(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // 401.
    let r = raw(
        &app,
        Method::GET,
        "/v1/me",
        None,
        Vec::new(),
        "application/json",
    )
    .await;
    assert_both_shapes(&r, StatusCode::UNAUTHORIZED);
    // 429: failed sign-ins beyond the throttle.
    let mut last = None;
    for _ in 0..40 {
        let body = serde_json::to_vec(&json!({"username": "ana", "password": "not her password"}))
            .unwrap();
        let r = raw(
            &app,
            Method::POST,
            "/v1/sessions",
            None,
            body,
            "application/json",
        )
        .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            last = Some(r);
            break;
        }
        assert_both_shapes(&r, StatusCode::UNAUTHORIZED);
    }
    assert_both_shapes(&last.expect("throttled"), StatusCode::TOO_MANY_REQUESTS);
}
