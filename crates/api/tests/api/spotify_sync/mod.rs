//! Spotify collections as sources of composites and as ends of one-way syncs, against the
//! emulator: edits "in the Spotify app" through its control API, Medley's sweep noticing them
//! at the least cost, failed reads freezing a source, and exact request counts.
//!
//! This file: the shared world and composites reading Spotify; `jobs.rs`: one-way sync jobs;
//! `written.rs`: composites written to Spotify.

mod jobs;
mod written;

use std::time::Duration;

use medley_app::spotify::watch;
use medley_domain::UserId;
use medley_spotify_emulator::control::types::{FaultKind, ScriptedFault};
use medley_spotify_emulator::Running;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{assert_problem, TestApp};
use crate::spotify::{connect, held};

/// Spotify ids of a Medley playlist's items, in order (from their `external_urls`).
async fn spotify_ids(app: &TestApp, token: &str, playlist: &str) -> Vec<String> {
    let r = app
        .get(
            &format!("/v1/playlists/{playlist}/items?limit=100"),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let url = i["item"]["external_urls"]["spotify"].as_str().unwrap_or("");
            url.rsplit('/').next().unwrap().to_owned()
        })
        .collect()
}

fn id_of(uri: &str) -> String {
    uri.rsplit(':').next().unwrap().to_owned()
}

/// Waits until `playlist` holds exactly the Spotify ids `expected`, re-checking on each
/// change the bus reports, up to a deadline.
async fn wait_for_ids(app: &TestApp, token: &str, playlist: &str, expected: &[String]) {
    let mut events = app.bus.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = spotify_ids(app, token, playlist).await;
        if now == expected {
            return;
        }
        if tokio::time::timeout_at(deadline, events.next())
            .await
            .is_err()
        {
            panic!("playlist holds {now:?}, expected {expected:?}");
        }
    }
}

/// Waits, with a deadline, until the work queue is empty.
async fn queue_drained(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.store.queue_len().await.unwrap() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the queue never drained"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// `POST /v1/playlists/{id}/composition/sync` as Ana.
async fn resync(w: &World, playlist: &str) -> crate::harness::Reply {
    w.app
        .post(
            &format!("/v1/playlists/{playlist}/composition/sync"),
            Some(&w.token),
            json!({}),
        )
        .await
}

async fn requests(emu: &Running) -> u64 {
    emu.control().requests().await.unwrap().total
}

struct World {
    emu: Running,
    app: TestApp,
    token: String,
    tracks: Vec<String>,
    mix: String,
}

/// Alice on Spotify with 120 tracks, a playlist "Mix" of the first 60 and 10 Liked Songs;
/// Ana on Medley, connected to Alice's account.
async fn world() -> World {
    let emu = medley_spotify_emulator::spawn(Default::default())
        .await
        .unwrap();
    let control = emu.control();
    control.user("alice").await.unwrap();
    let tracks = control.generate(120, 7).await.unwrap().uris;
    let mix = control.playlist("alice", "Mix").await.unwrap().id;
    control.add_items(&mix, &tracks[..60]).await.unwrap();
    let liked: Vec<String> = tracks[100..110].iter().map(|u| id_of(u)).collect();
    control.like("alice", &liked).await.unwrap();
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    let (_, token) = app.user("ana").await;
    connect(&app, &token).await;
    World {
        emu,
        app,
        token,
        tracks,
        mix,
    }
}

async fn watch_once(w: &World) -> watch::Watched {
    let connection = &w.app.store.connections(&user_id(w).await).await.unwrap()[0];
    watch::watch(&w.app.state.app, &connection.id)
        .await
        .unwrap()
}

async fn user_id(w: &World) -> UserId {
    w.app
        .store
        .user_by_username("ana")
        .await
        .unwrap()
        .unwrap()
        .0
        .id
}

#[tokio::test]
async fn composites_follow_spotify_playlists_and_liked_songs_at_the_least_cost() {
    let w = world().await;
    let control = w.emu.control();
    let all = w.app.playlist(&w.token, json!({"name": "All of it"})).await;
    let sources = json!({"sources": [
        {"uri": format!("spotify:playlist:{}", w.mix), "mode": "include"},
        {"uri": "spotify:user:alice:collection", "mode": "include"},
    ]});
    let r = w
        .app
        .put(
            &format!("/v1/playlists/{all}/composition"),
            Some(&w.token),
            sources,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The Mix in its order, then Liked Songs oldest first.
    let mut expected: Vec<String> = w.tracks[..60].iter().map(|u| id_of(u)).collect();
    expected.extend(w.tracks[100..110].iter().map(|u| id_of(u)));
    assert_eq!(spotify_ids(&w.app, &w.token, &all).await, expected);
    // Spotify's tracks became catalog tracks, with their ISRC.
    let first = w
        .app
        .get(
            &format!("/v1/playlists/{all}/items?limit=1"),
            Some(&w.token),
        )
        .await;
    assert!(first.body["items"][0]["item"]["external_ids"]["isrc"].is_string());

    // The first watch learns the snapshots (and has the composite read its sources again,
    // since it cannot tell whether they changed before); from then on an unchanged world
    // costs one sweep request (one playlist page of 50) and one for Liked Songs.
    watch_once(&w).await;
    queue_drained(&w.app).await;
    let before = requests(&w.emu).await;
    let seen = watch_once(&w).await;
    assert_eq!(seen.changed, Vec::<String>::new());
    assert_eq!(requests(&w.emu).await - before, 2);
    assert_eq!(seen.requests, 2);

    // In the Spotify app Alice adds 5 tracks to the Mix and removes 2.
    control.add_items(&w.mix, &w.tracks[60..65]).await.unwrap();
    control.remove_items(&w.mix, &w.tracks[0..2]).await.unwrap();
    let before = requests(&w.emu).await;
    let seen = watch_once(&w).await;
    assert_eq!(seen.changed, vec![format!("spotify:playlist:{}", w.mix)]);
    assert_eq!(seen.queued, 1);
    let mut expected: Vec<String> = w.tracks[2..60].iter().map(|u| id_of(u)).collect();
    expected.extend(w.tracks[100..110].iter().map(|u| id_of(u)));
    expected.extend(w.tracks[60..65].iter().map(|u| id_of(u)));
    wait_for_ids(&w.app, &w.token, &all, &expected).await;
    // The sweep (2) and reading the 63 items of the changed playlist (2 pages of 50).
    assert_eq!(requests(&w.emu).await - before, 4);

    // A rename changes the snapshot, not the items: the composite stays as it is.
    control.rename(&w.mix, "Mix 2").await.unwrap();
    let seen = watch_once(&w).await;
    assert_eq!(seen.queued, 1);
    let r = resync(&w, &all).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["added"], json!([]));
    assert_eq!(r.body["removed"], json!([]));
    assert_eq!(spotify_ids(&w.app, &w.token, &all).await, expected);

    // Liked Songs: Alice likes one more.
    control
        .like("alice", &[id_of(&w.tracks[110])])
        .await
        .unwrap();
    let seen = watch_once(&w).await;
    assert_eq!(
        seen.changed,
        vec!["spotify:user:alice:collection".to_owned()]
    );
    expected.push(id_of(&w.tracks[110]));
    wait_for_ids(&w.app, &w.token, &all, &expected).await;
}

#[tokio::test]
async fn a_spotify_source_that_fails_to_read_is_frozen_not_emptied() {
    let w = world().await;
    let control = w.emu.control();
    let all = w.app.playlist(&w.token, json!({"name": "All"})).await;
    let r = w
        .app
        .put(
            &format!("/v1/playlists/{all}/composition"),
            Some(&w.token),
            json!({"sources": [{"uri": format!("spotify:playlist:{}", w.mix), "mode": "include"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let full: Vec<String> = w.tracks[..60].iter().map(|u| id_of(u)).collect();
    assert_eq!(spotify_ids(&w.app, &w.token, &all).await, full);

    // The Mix changes, and then every read of it fails (more 5xx than Medley retries).
    control.remove_items(&w.mix, &w.tracks[..30]).await.unwrap();
    control
        .next_faults(&ScriptedFault {
            path_prefix: format!("/v1/playlists/{}/items", w.mix),
            kind: FaultKind::ServerError,
            count: 20,
            status: Some(503),
        })
        .await
        .unwrap();
    let r = resync(&w, &all).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["removed"], json!([]), "a failed read never empties");
    assert_eq!(spotify_ids(&w.app, &w.token, &all).await, full);
    let c = w
        .app
        .get(&format!("/v1/playlists/{all}/composition"), Some(&w.token))
        .await;
    let source = &c.body["sources"][0];
    assert_eq!(source["healthy"], false, "{}", c.body);
    assert!(
        source["last_error"].as_str().unwrap().contains("503"),
        "{}",
        c.body
    );

    // Once reads work again, the composite follows.
    control.clear_faults().await.unwrap();
    let r = resync(&w, &all).await;
    assert_eq!(
        r.body["removed"].as_array().unwrap().len(),
        30,
        "{}",
        r.body
    );
    assert_eq!(
        spotify_ids(&w.app, &w.token, &all).await,
        full[30..].to_vec()
    );
}

#[tokio::test]
async fn only_spotify_playlists_the_account_owns_or_collaborates_on_can_be_sources() {
    let w = world().await;
    let control = w.emu.control();
    control.user("bob").await.unwrap();
    let bobs = control.playlist("bob", "Bob's").await.unwrap().id;
    let all = w.app.playlist(&w.token, json!({"name": "All"})).await;
    let path = format!("/v1/playlists/{all}/composition");
    let r = w
        .app
        .put(
            &path,
            Some(&w.token),
            json!({"sources": [{"uri": format!("spotify:playlist:{bobs}")}]}),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "owns or collaborates on");
    let r = w
        .app
        .put(
            &path,
            Some(&w.token),
            json!({"sources": [{"uri": "spotify:playlist:0000000000000000000000"}]}),
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "does not exist on Spotify");
    let r = w
        .app
        .put(
            &path,
            Some(&w.token),
            json!({"sources": [{"uri": "spotify:user:bob:collection"}]}),
        )
        .await;
    assert_problem(
        &r,
        StatusCode::CONFLICT,
        "no Spotify account `bob` is connected",
    );
    // Once Bob makes Alice a collaborator, she may.
    control.add_collaborator(&bobs, "alice").await.unwrap();
    let r = w
        .app
        .put(
            &path,
            Some(&w.token),
            json!({"sources": [{"uri": format!("spotify:playlist:{bobs}")}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
