//! Reorders whose range arithmetic would overflow are refused and change nothing.

use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{assert_problem, TestApp};
use crate::on_both_backends;

async fn reorders_near_the_integer_limit_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (_, token) = app.user("ana").await;
    let t = app.tracks(&token, 3).await;
    let id = app.playlist(&token, json!({"name": "Mix"})).await;
    let items = format!("/v1/playlists/{id}/items");
    let r = app.post(&items, Some(&token), json!({"uris": t})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let before = app.get(&format!("/v1/playlists/{id}"), Some(&token)).await;
    let max = i64::MAX;
    for body in [
        json!({"range_start": max, "insert_before": 0}),
        json!({"range_start": max, "range_length": 1, "insert_before": 0}),
        json!({"range_start": 1, "range_length": max, "insert_before": 0}),
        json!({"range_start": max - 1, "range_length": max - 1, "insert_before": 3}),
        json!({"range_start": 2, "range_length": max - 1, "insert_before": 0}),
    ] {
        let r = app.put(&items, Some(&token), body.clone()).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "range_start");
    }
    let after = app.get(&format!("/v1/playlists/{id}"), Some(&token)).await;
    assert_eq!(after.body["snapshot_id"], before.body["snapshot_id"]);
    assert_eq!(app.item_uris(&token, &id).await, t);
}

on_both_backends!(reorders_near_the_integer_limit_are_refused);
