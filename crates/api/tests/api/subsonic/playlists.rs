//! Playlists through `/rest`: created, listed, read, edited, replaced and deleted; they are
//! Medley's own (the Web API sees the same); another user's private playlist is "not found"
//! (70), a public one is readable but not theirs to change (50); editing a composite through a
//! player is the owner's edit, which the composite keeps.

use std::time::Duration;

use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{elements, failed, ok, Sub};
use crate::on_both_backends;

on_both_backends!(
    playlists_are_created_edited_and_deleted_by_their_owner,
    editing_a_composite_through_a_player_is_the_owners_edit,
);

fn titles(playlist: &Value) -> Vec<String> {
    playlist["entry"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|s| s["title"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn playlists_are_created_edited_and_deleted_by_their_owner(backend: Backend) {
    let Some(s) = Sub::spawn(backend).await else {
        return;
    };
    let (hum, drone, kick) = (
        s.song_id("Hum").await,
        s.song_id("Drone").await,
        s.song_id("Kick").await,
    );
    let r = s
        .json(
            "createPlaylist",
            &[("name", "Mix"), ("songId", &hum), ("songId", &kick)],
        )
        .await;
    ok(&r);
    let p = &r["playlist"];
    assert_eq!(p["name"], "Mix");
    assert_eq!(p["owner"], "admin");
    assert_eq!(p["public"], false);
    assert_eq!(p["songCount"], 2);
    assert_eq!(p["readonly"], false);
    assert_eq!(titles(p), ["Hum", "Kick"]);
    let id = p["id"].as_str().unwrap().to_owned();
    let r = s.json("getPlaylists", &[]).await;
    ok(&r);
    assert_eq!(r["playlists"]["playlist"][0]["id"], id.as_str());
    assert!(
        r["playlists"]["playlist"][0]["entry"].is_null(),
        "lists carry no songs"
    );

    // Edit: rename, comment, add one, remove the first (indexes count the songs seen).
    let r = s
        .json(
            "updatePlaylist",
            &[
                ("playlistId", &id),
                ("name", "Mix 2"),
                ("comment", "for the road"),
                ("songIdToAdd", &drone),
                ("songIndexToRemove", "0"),
            ],
        )
        .await;
    ok(&r);
    let r = s.json("getPlaylist", &[("id", &id)]).await;
    ok(&r);
    assert_eq!(r["playlist"]["name"], "Mix 2");
    assert_eq!(r["playlist"]["comment"], "for the road");
    assert_eq!(titles(&r["playlist"]), ["Kick", "Drone"]);
    assert_eq!(r["playlist"]["duration"], 2, "1.0 s + 1.2 s");
    // The Web API sees the same playlist.
    let items = s.item_uris(&s.admin, &id).await;
    assert_eq!(
        items,
        [
            format!("medley:track:{kick}"),
            format!("medley:track:{drone}")
        ]
    );
    // In XML.
    let xml = s.xml("getPlaylist", &[("id", &id)]).await;
    assert_eq!(elements(&xml, "playlist")[0]["name"], "Mix 2");
    assert_eq!(elements(&xml, "entry").len(), 2);

    // Replacing the songs, and bad input that changes nothing.
    ok(&s
        .json("createPlaylist", &[("playlistId", &id), ("songId", &hum)])
        .await);
    failed(
        &s.json(
            "updatePlaylist",
            &[("playlistId", &id), ("songIndexToRemove", "5")],
        )
        .await,
        0,
    );
    failed(
        &s.json(
            "updatePlaylist",
            &[
                ("playlistId", &id),
                ("songIdToAdd", "0000000000000000000000"),
            ],
        )
        .await,
        70,
    );
    failed(&s.json("createPlaylist", &[("songId", &hum)]).await, 10);
    failed(&s.json("updatePlaylist", &[]).await, 10);
    let r = s.json("getPlaylist", &[("id", &id)]).await;
    assert_eq!(titles(&r["playlist"]), ["Hum"]);
    assert_eq!(r["playlist"]["name"], "Mix 2");

    // Another user: a private playlist does not exist for them.
    let (_, _, other) = s.other_user("other").await;
    let as_other = |method: &'static str, params: Vec<(&'static str, String)>| {
        let s = &s;
        let other = other.clone();
        async move {
            let mut all: Vec<(&str, &str)> = vec![("apiKey", other.as_str())];
            all.extend(params.iter().map(|(k, v)| (*k, v.as_str())));
            s.json_with(method, &all).await
        }
    };
    failed(&as_other("getPlaylist", vec![("id", id.clone())]).await, 70);
    failed(
        &as_other(
            "updatePlaylist",
            vec![("playlistId", id.clone()), ("name", "mine".into())],
        )
        .await,
        70,
    );
    failed(
        &as_other("deletePlaylist", vec![("id", id.clone())]).await,
        70,
    );
    let r = as_other("getPlaylists", vec![("username", "admin".into())]).await;
    ok(&r);
    assert!(
        r["playlists"]["playlist"].as_array().unwrap().is_empty(),
        "{r}"
    );

    // Public: readable (read-only for them), not theirs to change or delete.
    ok(&s
        .json("updatePlaylist", &[("playlistId", &id), ("public", "true")])
        .await);
    let r = as_other("getPlaylist", vec![("id", id.clone())]).await;
    ok(&r);
    assert_eq!(r["playlist"]["readonly"], true);
    assert_eq!(titles(&r["playlist"]), ["Hum"]);
    failed(
        &as_other(
            "updatePlaylist",
            vec![("playlistId", id.clone()), ("songIdToAdd", drone.clone())],
        )
        .await,
        50,
    );
    failed(
        &as_other(
            "updatePlaylist",
            vec![("playlistId", id.clone()), ("name", "mine".into())],
        )
        .await,
        50,
    );
    failed(
        &as_other("deletePlaylist", vec![("id", id.clone())]).await,
        50,
    );
    let r = as_other("getPlaylists", vec![("username", "admin".into())]).await;
    assert_eq!(r["playlists"]["playlist"][0]["id"], id.as_str());
    let r = s.json("getPlaylist", &[("id", &id)]).await;
    assert_eq!(titles(&r["playlist"]), ["Hum"], "nothing changed");

    // The owner deletes it: gone from both APIs.
    ok(&s.json("deletePlaylist", &[("id", &id)]).await);
    failed(&s.json("getPlaylist", &[("id", &id)]).await, 70);
    let r = s.get(&format!("/v1/playlists/{id}"), Some(&s.admin)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    failed(&s.json("deletePlaylist", &[("id", &id)]).await, 70);
}

async fn editing_a_composite_through_a_player_is_the_owners_edit(backend: Backend) {
    let Some(s) = Sub::spawn(backend).await else {
        return;
    };
    let (hum, drone, kick) = (
        s.song_id("Hum").await,
        s.song_id("Drone").await,
        s.song_id("Kick").await,
    );
    let uri = |id: &str| format!("medley:track:{id}");
    let source = s.playlist(&s.admin, json!({"name": "Source"})).await;
    let r = s
        .post(
            &format!("/v1/playlists/{source}/items"),
            Some(&s.admin),
            json!({"uris": [uri(&hum), uri(&drone)]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let composite = s
        .playlist(
            &s.admin,
            json!({"name": "Blend", "composition": {"sources": [{"uri": format!("medley:playlist:{source}")}]}}),
        )
        .await;
    s.wait_for_items(&s.admin, &composite, &[uri(&hum), uri(&drone)])
        .await;

    // Through the player: remove Hum, add Kick.
    let r = s.json("getPlaylist", &[("id", &composite)]).await;
    assert_eq!(titles(&r["playlist"]), ["Hum", "Drone"]);
    ok(&s
        .json(
            "updatePlaylist",
            &[
                ("playlistId", &composite),
                ("songIndexToRemove", "0"),
                ("songIdToAdd", &kick),
            ],
        )
        .await);
    // The composite learns both as the owner's: Hum stays out (a tombstone) though its source
    // still holds it, and Kick stays though no source has it, after a sync.
    // Learning a removal writes a tombstone and no items, so no bus event announces it: poll
    // the suppressed list until it shows, up to a deadline.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let tombs = s
            .get(
                &format!("/v1/playlists/{composite}/suppressed"),
                Some(&s.admin),
            )
            .await;
        if tombs.body["total"] == 1 {
            assert_eq!(tombs.body["items"][0]["uri"], uri(&hum));
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("the composite did not learn the removal: {}", tombs.body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = s
        .post(
            &format!("/v1/playlists/{composite}/composition/sync"),
            Some(&s.admin),
            json!({}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    s.wait_for_items(&s.admin, &composite, &[uri(&drone), uri(&kick)])
        .await;
    let r = s.json("getPlaylist", &[("id", &composite)]).await;
    assert_eq!(titles(&r["playlist"]), ["Drone", "Kick"]);
}
