use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{assert_problem, TestApp};

#[tokio::test]
async fn liked_songs() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let t = app.tracks(&token, 3).await;
    let ids: Vec<&str> = t
        .iter()
        .map(|u| u.trim_start_matches("medley:track:"))
        .collect();
    let r = app
        .call(
            Method::PUT,
            &format!("/v1/me/tracks?ids={},{}", ids[0], ids[1]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.call(
        Method::PUT,
        &format!("/v1/me/tracks?ids={}", ids[2]),
        Some(&token),
        None,
    )
    .await;
    let saved = app.get("/v1/me/tracks", Some(&token)).await;
    assert_eq!(saved.body["total"], 3);
    assert_eq!(
        saved.body["items"][0]["track"]["id"], ids[2],
        "most recent first"
    );
    assert!(saved.body["items"][0]["added_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    let contains = app
        .get(
            &format!(
                "/v1/me/tracks/contains?ids={},{}",
                ids[0], "0000000000000000000000"
            ),
            Some(&token),
        )
        .await;
    assert_eq!(contains.body, json!([true, false]));
    app.delete(&format!("/v1/me/tracks?ids={}", ids[0]), Some(&token), None)
        .await;
    assert_eq!(
        app.get("/v1/me/tracks", Some(&token)).await.body["total"],
        2
    );
    assert_problem(
        &app.call(
            Method::PUT,
            "/v1/me/tracks?ids=0000000000000000000000",
            Some(&token),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "not a track",
    );
    let (_, other) = app.user("bob").await;
    assert_eq!(
        app.get("/v1/me/tracks", Some(&other)).await.body["total"],
        0,
        "liked songs are per user"
    );
}
