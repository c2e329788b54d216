//! Control characters (NUL among them) are refused in names with a 400 on both backends, and
//! nothing is written.

use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{assert_problem, TestApp};
use crate::on_both_backends;

async fn control_characters_in_names_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (_, bearer) = app.user("ana").await;
    let token = Some(bearer.as_str());

    for name in [
        "nul\u{0}inside",
        "bell\u{7}",
        "esc\u{1b}[31m",
        "two\nlines",
        "del\u{7f}",
    ] {
        let r = app
            .post("/v1/me/playlists", token, json!({"name": name}))
            .await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "control characters");
    }
    let r = app
        .post(
            "/v1/me/playlists",
            token,
            json!({"name": "Fine", "description": "a\u{0}b"}),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "control characters");
    // A description may span lines.
    let id = app
        .playlist(
            &bearer,
            json!({"name": "Fine", "description": "line one\nline two"}),
        )
        .await;
    let r = app
        .put(
            &format!("/v1/playlists/{id}"),
            token,
            json!({"name": "x\u{0}"}),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "control characters");
    let r = app.get(&format!("/v1/playlists/{id}"), token).await;
    assert_eq!(r.body["name"], "Fine");
    let r = app.get("/v1/me/playlists", token).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);

    let r = app
        .post(
            "/v1/users",
            None,
            json!({"username": "bo\u{0}b", "password": "long enough"}),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "username");

    let r = app
        .post(
            "/v1/library/tracks",
            token,
            json!([{"name": "Song\u{0}", "artists": ["Band"], "duration_ms": 1000}]),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "control characters");
    let r = app
        .post(
            "/v1/library/tracks",
            token,
            json!([{"name": "Song", "artists": ["Ba\u{0}nd"], "duration_ms": 1000}]),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "control characters");

    let r = app
        .post("/v1/shows", token, json!({"title": "Live\u{0}"}))
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "control characters");
    let r = app
        .post(
            "/v1/shows",
            token,
            json!({"title": "Live", "description": "\u{1b}[2J"}),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "control characters");
    let r = app.get("/v1/shows", token).await;
    assert_eq!(r.body["total"], 0, "{}", r.body);
}

on_both_backends!(control_characters_in_names_are_refused);
