//! The main flows through HTTP on PostgreSQL (the conformance suite covers storage in depth).

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn the_api_works_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!(
            "skipped: {} is not set",
            medley_store::testing::POSTGRES_ENV
        );
        return;
    };
    let (_, token) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    let t = app.tracks(&token, 5).await;
    let id = app
        .playlist(&token, json!({"name": "On Postgres", "public": false}))
        .await;
    let items = format!("/v1/playlists/{id}/items");
    assert_eq!(
        app.post(&items, Some(&token), json!({"uris": [t[0], t[1], t[2]]}))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.put(
            &items,
            Some(&token),
            json!({"range_start": 2, "insert_before": 0})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.delete(
            &items,
            Some(&token),
            Some(json!({"items": [{"uri": t[1]}]}))
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.item_uris(&token, &id).await,
        [t[2].clone(), t[0].clone()]
    );
    assert_eq!(
        app.get(&items, Some(&bob)).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app.get("/v1/search?q=track%203&type=track", None).await;
    assert_eq!(r.body["tracks"]["items"][0]["uri"], t[3]);
}
