//! Playlists: access rules, limits, edits, snapshots and the odd items.

use medley_spotify_emulator::control::{ItemsEdit, NewEpisode, NewPlaylist};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn items_of_another_users_playlist_are_forbidden() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let bob = env.user_with_token("bob").await;
    let (id, _) = env.playlist_with("alice", 3, 1).await;
    assert_eq!(
        env.get(&alice, &format!("/playlists/{id}/items"))
            .await
            .status,
        StatusCode::OK
    );
    let denied = env.get(&bob, &format!("/playlists/{id}/items")).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.body["error"]["status"], 403);
    // Metadata stays readable, without items.
    let meta = env.get(&bob, &format!("/playlists/{id}")).await;
    assert_eq!(meta.status, StatusCode::OK);
    assert!(meta.body.get("items").is_none());
    assert!(meta.body["snapshot_id"].is_string());
    // Following does not help; collaborating does.
    env.control.follow(&id, "bob").await.unwrap();
    assert_eq!(
        env.get(&bob, &format!("/playlists/{id}/items"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    env.control.add_collaborator(&id, "bob").await.unwrap();
    assert_eq!(
        env.get(&bob, &format!("/playlists/{id}/items"))
            .await
            .status,
        StatusCode::OK
    );
    let lists = env.get(&bob, "/me/playlists").await;
    assert_eq!(lists.body["total"], 1);
    assert_eq!(lists.body["items"][0]["collaborative"], true);
    // Writes by someone else are refused.
    let carol = env.user_with_token("carol").await;
    let add = env
        .call(
            &carol,
            Method::POST,
            &format!("/playlists/{id}/items"),
            Some(json!({"uris": []})),
        )
        .await;
    assert_eq!(add.status, StatusCode::BAD_REQUEST);
    let uri = env.control.generate(1, 99).await.unwrap().uris;
    let add = env
        .call(
            &carol,
            Method::POST,
            &format!("/playlists/{id}/items"),
            Some(json!({"uris": uri})),
        )
        .await;
    assert_eq!(add.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn paging_limits_and_links() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let (id, uris) = env.playlist_with("alice", 120, 2).await;
    let page = env.get(&alice, &format!("/playlists/{id}/items")).await;
    assert_eq!(page.body["limit"], 20);
    assert_eq!(page.body["total"], 120);
    assert!(page.body["previous"].is_null());
    let over = env
        .get(&alice, &format!("/playlists/{id}/items?limit=51"))
        .await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST);
    assert_eq!(over.body["error"]["message"], "Invalid limit");
    // Follow `next` to the end: absolute URLs, every item once, in order.
    let mut next = Some(format!(
        "{}/playlists/{id}/items?limit=50",
        env.emu.api_url()
    ));
    let mut seen = Vec::new();
    while let Some(url) = next {
        let page = env.get(&alice, &url).await;
        assert_eq!(page.status, StatusCode::OK);
        seen.extend(uris_of(&page.body).into_iter().flatten());
        next = page.body["next"].as_str().map(str::to_string);
    }
    assert_eq!(seen, uris);
    let lists = env.get(&alice, "/me/playlists?limit=50").await;
    assert_eq!(lists.status, StatusCode::OK);
    assert_eq!(
        env.get(&alice, "/me/playlists?limit=51").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        env.get(&alice, "/playlists/not-an-id/items").await.status,
        StatusCode::BAD_REQUEST
    );
    let missing = env
        .get(&alice, "/playlists/0000000000000000000000/items")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["status"], 404);
}

#[tokio::test]
async fn writes_limit_100_and_remove_every_occurrence() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let (id, uris) = env.playlist_with("alice", 0, 3).await;
    assert!(uris.is_empty());
    let tracks = env.control.generate(101, 3).await.unwrap().uris;
    let path = format!("/playlists/{id}/items");
    let too_many = env
        .call(&alice, Method::POST, &path, Some(json!({"uris": tracks})))
        .await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    let added = env
        .call(
            &alice,
            Method::POST,
            &path,
            Some(json!({"uris": &tracks[..100]})),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert!(added.body["snapshot_id"].is_string());
    // Duplicates, then insert at a position.
    let dup = env
        .call(
            &alice,
            Method::POST,
            &path,
            Some(json!({"uris": [&tracks[0], &tracks[1]], "position": 0})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CREATED);
    let state = env.control.get_playlist(&id).await.unwrap();
    assert_eq!(state.items.len(), 102);
    assert_eq!(state.items[0].uri, tracks[0]);
    // Local files cannot be added through the API.
    let local = env
        .call(
            &alice,
            Method::POST,
            &path,
            Some(json!({"uris": ["spotify:local:A:B:C:120"]})),
        )
        .await;
    assert_eq!(local.status, StatusCode::BAD_REQUEST);
    // Remove with the current and the older body shape: every occurrence goes.
    let removed = env
        .call(
            &alice,
            Method::DELETE,
            &path,
            Some(json!({"items": [{"uri": &tracks[0]}]})),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    let removed = env
        .call(
            &alice,
            Method::DELETE,
            &format!("/playlists/{id}/tracks"),
            Some(json!({"tracks": [{"uri": &tracks[1]}]})),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    let state = env.control.get_playlist(&id).await.unwrap();
    assert_eq!(state.items.len(), 98);
    assert!(state
        .items
        .iter()
        .all(|e| e.uri != tracks[0] && e.uri != tracks[1]));
    let many: Vec<_> = tracks.iter().map(|u| json!({"uri": u})).collect();
    let too_many = env
        .call(&alice, Method::DELETE, &path, Some(json!({"items": many})))
        .await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    // Replace (at most 100) and reorder (keeps added_at); not both.
    let both = env
        .call(
            &alice,
            Method::PUT,
            &path,
            Some(json!({"uris": [&tracks[5]], "range_start": 0, "insert_before": 2})),
        )
        .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    let replace = env
        .call(
            &alice,
            Method::PUT,
            &path,
            Some(json!({"uris": &tracks[..3]})),
        )
        .await;
    assert_eq!(replace.status, StatusCode::OK);
    let before = env.control.get_playlist(&id).await.unwrap();
    env.control.advance(60).await.unwrap();
    let reorder = env
        .call(
            &alice,
            Method::PUT,
            &path,
            Some(json!({"range_start": 0, "insert_before": 3, "snapshot_id": before.snapshot_id})),
        )
        .await;
    assert_eq!(reorder.status, StatusCode::OK);
    let after = env.control.get_playlist(&id).await.unwrap();
    let order: Vec<_> = after.items.iter().map(|e| e.uri.clone()).collect();
    assert_eq!(
        order,
        vec![tracks[1].clone(), tracks[2].clone(), tracks[0].clone()]
    );
    assert_eq!(after.items[2].added_at_ms, before.items[0].added_at_ms);
}

#[tokio::test]
async fn snapshot_changes_on_every_edit() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let (id, uris) = env.playlist_with("alice", 3, 4).await;
    let mut seen = vec![env.control.get_playlist(&id).await.unwrap().snapshot_id];
    let path = format!("/playlists/{id}");
    let rename = env
        .call(&alice, Method::PUT, &path, Some(json!({"name": "renamed"})))
        .await;
    assert_eq!(rename.status, StatusCode::OK);
    seen.push(
        env.get(&alice, &path).await.body["snapshot_id"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let visibility = env
        .call(&alice, Method::PUT, &path, Some(json!({"public": true})))
        .await;
    assert_eq!(visibility.status, StatusCode::OK);
    seen.push(
        env.get(&alice, &path).await.body["snapshot_id"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    seen.push(env.control.rename(&id, "again").await.unwrap().snapshot_id);
    seen.push(
        env.control
            .remove_items(&id, &uris[..1])
            .await
            .unwrap()
            .snapshot_id,
    );
    seen.push(
        env.control
            .add_items(&id, &uris[..1])
            .await
            .unwrap()
            .snapshot_id,
    );
    let listed = env.get(&alice, "/me/playlists").await;
    assert_eq!(
        listed.body["items"][0]["snapshot_id"].as_str().unwrap(),
        seen.last().unwrap()
    );
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "{seen:?}");
    // Details are the owner's alone.
    let bob = env.user_with_token("bob").await;
    assert_eq!(
        env.call(&bob, Method::PUT, &path, Some(json!({"name": "mine"})))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn null_local_episode_and_relinked_items() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let (id, uris) = env.playlist_with("alice", 3, 5).await;
    let gone = uris[0].trim_start_matches("spotify:track:").to_string();
    let old = uris[1].trim_start_matches("spotify:track:").to_string();
    let stand_in = env.control.generate(1, 55).await.unwrap();
    env.control.make_unavailable(&gone).await.unwrap();
    env.control.relink(&old, &stand_in.ids[0]).await.unwrap();
    let episode = env
        .control
        .add_episodes(&[NewEpisode {
            name: "Ep 1".into(),
            show: "The Show".into(),
            duration_ms: 1_800_000,
            ..Default::default()
        }])
        .await
        .unwrap();
    let local = "spotify:local:Some+Band:Some+Album:Some+Song:215";
    let edit = ItemsEdit {
        uris: vec![local.into(), episode.uris[0].clone()],
        ..Default::default()
    };
    env.control
        .edit_items(Method::POST, &id, &edit)
        .await
        .unwrap();

    let page = env
        .get(&alice, &format!("/playlists/{id}/items"))
        .await
        .body;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items[0]["item"].is_null() && items[0]["track"].is_null());
    assert_eq!(items[1]["item"]["id"], stand_in.ids[0].as_str());
    assert_eq!(items[1]["item"]["linked_from"]["uri"], uris[1].as_str());
    assert_eq!(items[1]["track"], items[1]["item"]);
    assert_eq!(items[2]["item"]["uri"], uris[2].as_str());
    assert_eq!(items[3]["is_local"], true);
    assert_eq!(items[3]["item"]["uri"], local);
    assert!(items[3]["item"]["id"].is_null());
    assert_eq!(items[3]["item"]["name"], "Some Song");
    assert_eq!(items[3]["item"]["duration_ms"], 215_000);
    assert!(
        items[4]["item"].is_null(),
        "episodes are null without additional_types"
    );
    let with_episodes = env
        .get(
            &alice,
            &format!("/playlists/{id}/items?additional_types=track,episode"),
        )
        .await
        .body;
    assert_eq!(with_episodes["items"][4]["item"]["type"], "episode");
    assert_eq!(
        with_episodes["items"][4]["item"]["id"],
        episode.ids[0].as_str()
    );
    // Removing by the stand-in's URI does nothing; by the URI in the playlist it works.
    let path = format!("/playlists/{id}/items");
    env.call(
        &alice,
        Method::DELETE,
        &path,
        Some(json!({"items": [{"uri": stand_in.uris[0]}]})),
    )
    .await;
    assert_eq!(env.control.get_playlist(&id).await.unwrap().items.len(), 5);
    env.call(
        &alice,
        Method::DELETE,
        &path,
        Some(json!({"items": [{"uri": uris[1]}]})),
    )
    .await;
    assert_eq!(env.control.get_playlist(&id).await.unwrap().items.len(), 4);
}

#[tokio::test]
async fn playlists_are_capped_at_10000_items() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let p = env
        .control
        .create_playlist(
            "alice",
            &NewPlaylist {
                name: "big".into(),
                public: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let tracks = env.control.generate(100, 6).await.unwrap().uris;
    for _ in 0..100 {
        env.control.add_items(&p.id, &tracks).await.unwrap();
    }
    assert_eq!(
        env.control.get_playlist(&p.id).await.unwrap().items.len(),
        10_000
    );
    let more = env
        .call(
            &alice,
            Method::POST,
            &format!("/playlists/{}/items", p.id),
            Some(json!({"uris": [&tracks[0]]})),
        )
        .await;
    assert_eq!(more.status, StatusCode::FORBIDDEN);
    assert!(more.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("10000"));
    // The user in the app cannot bypass it either.
    assert!(env.control.add_items(&p.id, &tracks[..1]).await.is_err());
    let listed = env.get(&alice, "/me/playlists").await;
    assert_eq!(listed.body["items"][0]["items"]["total"], 10_000);
}

#[tokio::test]
async fn create_and_change_playlists_through_the_api() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let created = env
        .call(
            &alice,
            Method::POST,
            "/me/playlists",
            Some(json!({"name": "Made by Medley", "public": false})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["owner"]["id"], "alice");
    assert_eq!(created.body["items"]["total"], 0);
    let bad = env
        .call(
            &alice,
            Method::POST,
            "/me/playlists",
            Some(json!({"name": "x", "public": true, "collaborative": true})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let missing = env
        .call(
            &alice,
            Method::POST,
            "/me/playlists",
            Some(json!({"public": false})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let lists = env.get(&alice, "/me/playlists").await;
    assert_eq!(lists.body["items"][0]["name"], "Made by Medley");
}
