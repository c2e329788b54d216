//! A playlist made private is invisible to everyone but its owner and collaborators: its
//! followers included, everywhere.

use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;
use crate::on_both_backends;

async fn a_playlist_made_private_vanishes_for_its_followers(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (_, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    let t = app.tracks(&ana, 3).await;
    let id = app
        .playlist(&ana, json!({"name": "Road trip", "public": true}))
        .await;
    let r = app
        .put(
            &format!("/v1/playlists/{id}/followers"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.get("/v1/me/playlists", Some(&bob)).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);

    let r = app
        .put(
            &format!("/v1/playlists/{id}"),
            Some(&ana),
            json!({"public": false, "name": "Secret plans", "description": "Do not tell bob"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    app.post(
        &format!("/v1/playlists/{id}/items"),
        Some(&ana),
        json!({"uris": t}),
    )
    .await;

    let everything = [
        "/v1/me/playlists".to_owned(),
        "/v1/me/playlists?limit=50&offset=0".to_owned(),
        format!("/v1/playlists/{id}"),
        format!("/v1/playlists/{id}/items"),
        format!("/v1/playlists/{id}/followers/contains?ids=x"),
        "/v1/search?q=Secret&type=track,artist,album".to_owned(),
    ];
    for path in &everything {
        let r = app.get(path, Some(&bob)).await;
        let text = r.body.to_string();
        // A 404 may repeat the id bob asked for; nothing else about the playlist shows.
        let asked = path.contains(id.as_str());
        for leak in ["Secret plans", "Do not tell bob", id.as_str()] {
            if leak == id && asked {
                continue;
            }
            assert!(!text.contains(leak), "{path} shows bob `{leak}`: {text}");
        }
    }
    let r = app.get("/v1/me/playlists", Some(&bob)).await;
    assert_eq!(r.body["total"], 0, "{}", r.body);
    assert_eq!(
        app.get(&format!("/v1/playlists/{id}"), Some(&bob))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Its owner still sees it, and a follower sees it again once it is public again.
    let r = app.get("/v1/me/playlists", Some(&ana)).await;
    assert_eq!(r.body["items"][0]["name"], "Secret plans");
    app.put(
        &format!("/v1/playlists/{id}"),
        Some(&ana),
        json!({"public": true}),
    )
    .await;
    let r = app.get("/v1/me/playlists", Some(&bob)).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["tracks"]["total"], 3, "{}", r.body);
}

on_both_backends!(a_playlist_made_private_vanishes_for_its_followers);
