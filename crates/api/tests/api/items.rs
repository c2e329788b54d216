use medley_api::ApiConfig;
use medley_store::testing::TestDb;
use medley_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{assert_problem, TestApp};
use crate::on_both_backends;

fn snapshot(r: &crate::harness::Reply) -> String {
    r.body["snapshot_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no snapshot in {}", r.body))
        .to_owned()
}

#[tokio::test]
async fn add_read_reorder_remove_replace() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let t = app.tracks(&token, 6).await;
    let id = app.playlist(&token, json!({"name": "Mix"})).await;
    let items = format!("/v1/playlists/{id}/items");

    let r = app
        .post(&items, Some(&token), json!({"uris": [t[0], t[1], t[2]]}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s1 = snapshot(&r);
    let r = app
        .post(&items, Some(&token), json!({"uris": [t[3]], "position": 1}))
        .await;
    let s2 = snapshot(&r);
    assert_ne!(s1, s2);
    assert_eq!(
        app.item_uris(&token, &id).await,
        [t[0].clone(), t[3].clone(), t[1].clone(), t[2].clone()]
    );

    let q = format!("{items}?uris={},{}", t[4], t[4]);
    let r = app
        .call(reqwest::Method::POST, &q, Some(&token), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "URIs in the query string work too: {}",
        r.body
    );
    assert_eq!(
        app.item_uris(&token, &id).await,
        [
            t[0].clone(),
            t[3].clone(),
            t[1].clone(),
            t[2].clone(),
            t[4].clone(),
            t[4].clone()
        ]
    );

    let r = app
        .put(
            &items,
            Some(&token),
            json!({"range_start": 0, "insert_before": 6}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.item_uris(&token, &id).await,
        [
            t[3].clone(),
            t[1].clone(),
            t[2].clone(),
            t[4].clone(),
            t[4].clone(),
            t[0].clone()
        ]
    );
    let r = app
        .put(
            &items,
            Some(&token),
            json!({"range_start": 3, "range_length": 2, "insert_before": 0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.item_uris(&token, &id).await,
        [
            t[4].clone(),
            t[4].clone(),
            t[3].clone(),
            t[1].clone(),
            t[2].clone(),
            t[0].clone()
        ]
    );

    let r = app
        .delete(
            &items,
            Some(&token),
            Some(json!({"items": [{"uri": t[4]}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.item_uris(&token, &id).await,
        [t[3].clone(), t[1].clone(), t[2].clone(), t[0].clone()],
        "every occurrence goes"
    );

    let current = snapshot(&app.get(&format!("/v1/playlists/{id}"), Some(&token)).await);
    let r = app
        .delete(
            &items,
            Some(&token),
            Some(json!({"tracks": [{"uri": t[1], "positions": [1]}], "snapshot_id": current})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.item_uris(&token, &id).await,
        [t[3].clone(), t[2].clone(), t[0].clone()]
    );
    let stale = app
        .delete(
            &items,
            Some(&token),
            Some(json!({"items": [{"uri": t[2], "positions": [1]}], "snapshot_id": current})),
        )
        .await;
    assert_problem(&stale, StatusCode::CONFLICT, "has changed");
    assert_eq!(
        app.item_uris(&token, &id).await,
        [t[3].clone(), t[2].clone(), t[0].clone()],
        "a stale removal changes nothing"
    );
    let wrong = app
        .delete(
            &items,
            Some(&token),
            Some(json!({"items": [{"uri": t[0], "positions": [0]}], "snapshot_id": snapshot(&r)})),
        )
        .await;
    assert_problem(&wrong, StatusCode::CONFLICT, "position 0");

    let r = app
        .put(&items, Some(&token), json!({"uris": [t[5], t[0]]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.item_uris(&token, &id).await,
        [t[5].clone(), t[0].clone()]
    );
    let r = app.put(&items, Some(&token), json!({"uris": []})).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "an empty replace clears: {}",
        r.body
    );
    assert!(app.item_uris(&token, &id).await.is_empty());
}

#[tokio::test]
async fn spotify_uris_resolve_to_medley_ids_or_spotify_external_ids() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let t = app.tracks(&token, 1).await;
    let r = app.post("/v1/library/tracks", Some(&token), json!({"name": "Known on Spotify", "artists": ["X"], "duration_ms": 1000, "external_ids": {"spotify": "4uLU6hMCjMI75M1A2tKUQC"}})).await;
    let spotify_known = r.body["tracks"][0]["uri"].as_str().unwrap().to_owned();
    let id = app.playlist(&token, json!({"name": "Mix"})).await;
    let bare = t[0].trim_start_matches("medley:track:");
    let r = app
        .post(&format!("/v1/playlists/{id}/items"), Some(&token), json!({"uris": [format!("spotify:track:{bare}"), "spotify:track:4uLU6hMCjMI75M1A2tKUQC"]}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        app.item_uris(&token, &id).await,
        [t[0].clone(), spotify_known]
    );
}

#[tokio::test]
async fn pages_are_linked_by_absolute_urls() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let t = app.tracks(&token, 100).await;
    let id = app.playlist(&token, json!({"name": "Long"})).await;
    for _ in 0..3 {
        assert_eq!(
            app.post(
                &format!("/v1/playlists/{id}/items"),
                Some(&token),
                json!({"uris": t})
            )
            .await
            .status,
            StatusCode::CREATED
        );
    }
    let r = app
        .get(
            &format!("/v1/playlists/{id}/items?limit=50&offset=275"),
            Some(&token),
        )
        .await;
    assert_eq!(r.body["total"], 300);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 25);
    assert_eq!(r.body["items"][0]["item"]["uri"], t[75]);
    assert_eq!(
        r.body["items"][0]["track"]["uri"], t[75],
        "the deprecated `track` field is kept for older clients"
    );
    assert!(r.body["next"].is_null());
    assert_eq!(
        r.body["previous"],
        format!("{}/v1/playlists/{id}/items?offset=225&limit=50", app.base)
    );
    let first = app
        .get(&format!("/v1/playlists/{id}/tracks?limit=10"), Some(&token))
        .await;
    assert_eq!(
        first.body["next"],
        format!("{}/v1/playlists/{id}/items?offset=10&limit=10", app.base),
        "`/tracks` is an alias"
    );
    assert_eq!(app.item_uris(&token, &id).await.len(), 300);
    assert_problem(
        &app.get(&format!("/v1/playlists/{id}/items?limit=101"), Some(&token))
            .await,
        StatusCode::BAD_REQUEST,
        "`limit`",
    );
    assert_problem(
        &app.get(&format!("/v1/playlists/{id}/items?offset=-1"), Some(&token))
            .await,
        StatusCode::BAD_REQUEST,
        "`offset`",
    );
    assert_problem(
        &app.get(&format!("/v1/playlists/{id}/items?limit=ten"), Some(&token))
            .await,
        StatusCode::BAD_REQUEST,
        "limit",
    );
}

#[tokio::test]
async fn bad_edits_are_refused_precisely_and_change_nothing() {
    let config = ApiConfig {
        max_playlist_items: 5,
        body_limit_bytes: 16 * 1024,
        ..ApiConfig::default()
    };
    let app = TestApp::spawn_with(TestDb::sqlite(), config).await;
    let (_, token) = app.user("ana").await;
    let t = app.tracks(&token, 4).await;
    let id = app.playlist(&token, json!({"name": "Mix"})).await;
    let items = format!("/v1/playlists/{id}/items");
    let r = app
        .post(&items, Some(&token), json!({"uris": [t[0], t[1], t[2]]}))
        .await;
    let before = snapshot(&r);

    let too_many: Vec<String> = (0..101).map(|_| t[0].clone()).collect();
    let cases = [
        (
            json!({"uris": too_many}),
            StatusCode::BAD_REQUEST,
            "at most 100",
        ),
        (
            json!({"uris": [t[0], "medley:track:0000000000000000000000"]}),
            StatusCode::BAD_REQUEST,
            "no catalog track",
        ),
        (
            json!({"uris": ["medley:album:0000000000000000000000"]}),
            StatusCode::BAD_REQUEST,
            "only track URIs",
        ),
        (
            json!({"uris": ["not a uri"]}),
            StatusCode::BAD_REQUEST,
            "not a valid URI",
        ),
        (
            json!({"uris": [t[0]], "position": 9}),
            StatusCode::BAD_REQUEST,
            "out of range",
        ),
        (
            json!({"uris": [t[0], t[1], t[3]]}),
            StatusCode::FORBIDDEN,
            "the limit is 5",
        ),
        (
            json!({"uris": "medley:track:x"}),
            StatusCode::BAD_REQUEST,
            "expected",
        ),
        (json!({}), StatusCode::BAD_REQUEST, "`uris`"),
    ];
    for (body, status, needle) in cases {
        assert_problem(&app.post(&items, Some(&token), body).await, status, needle);
    }
    let reorders = [
        (json!({"range_start": 5, "insert_before": 0}), "range_start"),
        (
            json!({"range_start": 0, "insert_before": 9}),
            "insert_before",
        ),
        (json!({"range_start": 0}), "insert_before"),
        (
            json!({"range_start": 0, "insert_before": 2, "uris": [t[0]]}),
            "cannot be combined",
        ),
        (json!({"range_strt": 0}), "unknown field"),
    ];
    for (body, needle) in reorders {
        assert_problem(
            &app.put(&items, Some(&token), body).await,
            StatusCode::BAD_REQUEST,
            needle,
        );
    }
    let stale = app
        .put(
            &items,
            Some(&token),
            json!({"range_start": 0, "insert_before": 2, "snapshot_id": "1-000000000000"}),
        )
        .await;
    assert_problem(&stale, StatusCode::CONFLICT, "has changed");
    assert_problem(
        &app.delete(
            &items,
            Some(&token),
            Some(json!({"items": [{"uri": t[0], "positions": [0]}]})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "snapshot_id",
    );
    assert_problem(
        &app.delete(&items, Some(&token), Some(json!({"items": []})))
            .await,
        StatusCode::BAD_REQUEST,
        "`items`",
    );

    let raw = |body: String| {
        app.http
            .post(format!("{}{items}", app.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = raw("{\"uris\": [".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let huge = format!("{{\"uris\": [\"{}\"]}}", "x".repeat(32 * 1024));
    let r = raw(huge).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let after = app.get(&format!("/v1/playlists/{id}"), Some(&token)).await;
    assert_eq!(
        snapshot(&after),
        before,
        "no refused edit changed the snapshot"
    );
    assert_eq!(
        app.item_uris(&token, &id).await,
        [t[0].clone(), t[1].clone(), t[2].clone()]
    );
    assert_problem(
        &app.post(
            "/v1/playlists/0000000000000000000000/items",
            Some(&token),
            json!({"uris": [t[0]]}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "playlist",
    );
    assert_problem(
        &app.post(&items, None, json!({"uris": [t[0]]})).await,
        StatusCode::UNAUTHORIZED,
        "Bearer",
    );
}

on_both_backends!(a_replace_without_uris_changes_nothing);

/// `PUT …/items?uris=` with no body once emptied the playlist: an empty query list is refused,
/// and emptying a playlist takes the explicit body `{"uris": []}`. A body of another media
/// type is refused with 415, also changing nothing.
async fn a_replace_without_uris_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (_, token) = app.user("ana").await;
    let t = app.tracks(&token, 2).await;
    let id = app.playlist(&token, json!({"name": "Kept"})).await;
    let items = format!("/v1/playlists/{id}/items");
    let r = app.post(&items, Some(&token), json!({ "uris": t })).await;
    let before = snapshot(&r);

    for query in ["?uris=", "?uris=,", "?uris=%20"] {
        let r = app
            .call(Method::PUT, &format!("{items}{query}"), Some(&token), None)
            .await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "names no URI");
    }
    let r = app.call(Method::PUT, &items, Some(&token), None).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "give `uris`");
    let r = app
        .http
        .put(format!("{}{items}", app.base))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(r#"{"uris": []}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let after = app.get(&format!("/v1/playlists/{id}"), Some(&token)).await;
    assert_eq!(
        snapshot(&after),
        before,
        "no refused replace changed the playlist"
    );
    assert_eq!(app.item_uris(&token, &id).await, t);

    let r = app.put(&items, Some(&token), json!({"uris": []})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        app.item_uris(&token, &id).await.is_empty(),
        "the explicit empty list empties it"
    );
}
