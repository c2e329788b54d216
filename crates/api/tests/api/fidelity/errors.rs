//! Every error answer, whatever made it (a handler, an extractor, the router, a layer), has
//! the problem fields and Spotify's `{"error":{"status","message"}}`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::TestApp;

/// Sends a request and checks its answer is a problem with Spotify's error object; returns the
/// detail.
async fn problem(app: &TestApp, req: reqwest::RequestBuilder, status: StatusCode) -> String {
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), status);
    let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(kind, "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert_eq!(body["error"]["status"], status.as_u16(), "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{body}");
    assert_eq!(body["detail"], message, "{body}");
    let _ = app;
    message.to_owned()
}

#[tokio::test]
async fn every_error_status_carries_spotifys_error_object() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let url = |p: &str| format!("{}{p}", app.base);
    let http = &app.http;

    problem(
        &app,
        http.get(url("/v1/nothing-here")),
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(&app, http.get(url("/v1/me")), StatusCode::UNAUTHORIZED).await;
    let bad = http
        .get(url("/v1/me/tracks?limit=zero"))
        .bearer_auth(&token);
    problem(&app, bad, StatusCode::BAD_REQUEST).await;

    // 405 from routes of every kind: JSON ones, the upload routes, the documentation.
    for (method, path) in [
        (Method::PUT, "/v1/me"),
        (Method::PATCH, "/v1/me/playlists"),
        (Method::GET, "/v1/library/files"),
        (Method::DELETE, "/v1/me/imports"),
        (Method::POST, "/docs"),
    ] {
        let req = http.request(method.clone(), url(path)).bearer_auth(&token);
        let message = problem(&app, req, StatusCode::METHOD_NOT_ALLOWED).await;
        assert!(
            message.contains(method.as_str()),
            "{method} {path}: {message}"
        );
    }

    let big = http
        .post(url("/v1/me/playlists"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024]);
    problem(&app, big, StatusCode::PAYLOAD_TOO_LARGE).await;
    let text = http
        .post(url("/v1/me/playlists"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(json!({"name": "x"}).to_string());
    problem(&app, text, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;

    // Wrong passwords until the account is throttled (bounded).
    let mut throttled = false;
    for _ in 0..50 {
        let r = http
            .post(url("/v1/sessions"))
            .json(&json!({"username": "ana", "password": "wrong wrong"}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            throttled = true;
            break;
        }
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert!(throttled, "50 wrong passwords were never throttled");
    let again = http
        .post(url("/v1/sessions"))
        .json(&json!({"username": "ana", "password": "wrong wrong"}));
    problem(&app, again, StatusCode::TOO_MANY_REQUESTS).await;
}
