//! Spotify collections as sources of composites and as ends of one-way syncs, against the
//! emulator: edits "in the Spotify app" through its control API, Medley's sweep noticing them
//! at the least cost, failed reads freezing a source, and exact request counts.

use std::time::Duration;

use medley_app::spotify::watch;
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

async fn user_id(w: &World) -> String {
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

#[tokio::test]
async fn sync_jobs_copy_between_medley_spotify_playlists_and_liked_songs() {
    let w = world().await;
    let control = w.emu.control();
    let archive = control.playlist("alice", "Archive").await.unwrap().id;
    let job = |source: String, target: String| json!({"source": source, "target": target, "schedule": "0 9 * * MON"});

    // Spotify playlist → Spotify playlist (the seed's (re)Discover Weekly, on a playlist the
    // user owns).
    let r = w
        .app
        .post(
            "/v1/sync-jobs",
            Some(&w.token),
            job(
                format!("spotify:playlist:{}", w.mix),
                format!("spotify:playlist:{archive}"),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let to_archive = r.body["id"].as_str().unwrap().to_owned();
    let run = w.app.run_sync_job(&w.token, &to_archive).await;
    assert_eq!(run["error"], Value::Null, "{run}");
    assert_eq!(run["added"], 60);
    // Reading the 60-item source (2) and the empty target (1); one write of 60.
    assert_eq!(run["requests"], 4, "{run}");
    let held: Vec<String> = control
        .get_playlist(&archive)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.uri)
        .collect();
    assert_eq!(held, w.tracks[..60].to_vec());

    // Alice deletes a copied track from the archive in the Spotify app, and adds one to the
    // Mix: the next run copies the newcomer and never the deleted one again.
    control
        .remove_items(&archive, &w.tracks[..1])
        .await
        .unwrap();
    control.add_items(&w.mix, &w.tracks[70..71]).await.unwrap();
    watch_once(&w).await;
    let run = w.app.run_sync_job(&w.token, &to_archive).await;
    assert_eq!(
        (run["added"].as_i64(), run["skipped"].as_i64()),
        (Some(1), Some(60)),
        "{run}"
    );
    let held = control.get_playlist(&archive).await.unwrap().items;
    assert_eq!(held.len(), 60);
    assert!(!held.iter().any(|i| i.uri == w.tracks[0]));
    assert_eq!(held.last().unwrap().uri, w.tracks[70]);

    // Liked Songs → a Medley playlist.
    let mine = w
        .app
        .playlist(&w.token, json!({"name": "Liked copy"}))
        .await;
    let r = w
        .app
        .post(
            "/v1/sync-jobs",
            Some(&w.token),
            job(
                "spotify:user:alice:collection".into(),
                format!("medley:playlist:{mine}"),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let run = w
        .app
        .run_sync_job(&w.token, r.body["id"].as_str().unwrap())
        .await;
    assert_eq!(run["added"], 10, "{run}");
    let liked: Vec<String> = w.tracks[100..110].iter().map(|u| id_of(u)).collect();
    assert_eq!(spotify_ids(&w.app, &w.token, &mine).await, liked);

    // A Medley playlist → Liked Songs: tracks Spotify does not have are skipped.
    // Ana registered first, so she administers the catalog.
    let local = w.app.tracks(&w.token, 2).await;
    let medley_list = w.app.playlist(&w.token, json!({"name": "Mixed"})).await;
    let mut uris = local.clone();
    // A Spotify track the catalog learned from the Mix.
    uris.push(w.tracks[5].clone());
    let r = w
        .app
        .post(
            &format!("/v1/playlists/{medley_list}/items"),
            Some(&w.token),
            json!({"uris": uris}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = w
        .app
        .post(
            "/v1/sync-jobs",
            Some(&w.token),
            job(
                format!("medley:playlist:{medley_list}"),
                "spotify:user:alice:collection".into(),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let run = w
        .app
        .run_sync_job(&w.token, r.body["id"].as_str().unwrap())
        .await;
    assert_eq!(
        (run["added"].as_i64(), run["skipped"].as_i64()),
        (Some(1), Some(2)),
        "{run}"
    );
    let liked = control.liked("alice").await.unwrap().items;
    assert_eq!(liked[0].track_id, id_of(&w.tracks[5]));

    // Writing to someone else's playlist is refused when the job is made.
    control.user("bob").await.unwrap();
    let bobs = control.playlist("bob", "Bob's").await.unwrap().id;
    let r = w
        .app
        .post(
            "/v1/sync-jobs",
            Some(&w.token),
            job(
                format!("medley:playlist:{mine}"),
                format!("spotify:playlist:{bobs}"),
            ),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "change only playlists");
}

#[tokio::test]
async fn sync_jobs_wait_while_their_spotify_account_must_be_connected_again() {
    let w = world().await;
    let mine = w.app.playlist(&w.token, json!({"name": "Copy"})).await;
    let other = w.app.playlist(&w.token, json!({"name": "Other"})).await;
    let create = |source: String, target: String| {
        let app = &w.app;
        let token = &w.token;
        async move {
            let body = json!({"source": source, "target": target, "schedule": "0 9 * * MON"});
            let r = app.post("/v1/sync-jobs", Some(token), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            r.body["id"].as_str().unwrap().to_owned()
        }
    };
    let from_spotify = create(
        format!("spotify:playlist:{}", w.mix),
        format!("medley:playlist:{mine}"),
    )
    .await;
    let held_back = create(
        "spotify:user:alice:collection".into(),
        format!("medley:playlist:{other}"),
    )
    .await;
    let local = create(
        format!("medley:playlist:{mine}"),
        format!("medley:playlist:{other}"),
    )
    .await;
    let job = |id: String| {
        let app = &w.app;
        let token = &w.token;
        async move {
            let r = app.get(&format!("/v1/sync-jobs/{id}"), Some(token)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.body
        }
    };
    // The owner pauses one job herself.
    let r = w
        .app
        .post(
            &format!("/v1/sync-jobs/{held_back}/pause"),
            Some(&w.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let run = w.app.run_sync_job(&w.token, &from_spotify).await;
    assert_eq!(
        (run["error"].clone(), run["added"].clone()),
        (Value::Null, json!(60))
    );

    // Six months on, Spotify refuses the refresh token: the run fails, the account must be
    // connected again, and the jobs that need it wait, saying why. The job between Medley
    // playlists runs on.
    w.emu.control().advance(184 * 24 * 3_600).await.unwrap();
    let run = w.app.run_sync_job(&w.token, &from_spotify).await;
    assert!(run["error"].as_str().is_some(), "{run}");
    let connections = w.app.get("/v1/connections", Some(&w.token)).await;
    assert_eq!(connections.body["items"][0]["state"], "reconnect");
    let paused = job(from_spotify.clone()).await;
    assert_eq!(
        (
            &paused["paused"],
            &paused["paused_reason"],
            &paused["next_run_at"]
        ),
        (&json!(true), &json!("spotify_reconnect"), &Value::Null),
        "{paused}"
    );
    let runs_local = job(local.clone()).await;
    assert_eq!(
        (&runs_local["paused"], &runs_local["paused_reason"]),
        (&json!(false), &Value::Null)
    );
    let owners = job(held_back.clone()).await;
    assert_eq!(
        (&owners["paused"], &owners["paused_reason"]),
        (&json!(true), &Value::Null)
    );

    // Resuming it by hand before linking the account: its next run fails and it waits again.
    let r = w
        .app
        .post(
            &format!("/v1/sync-jobs/{from_spotify}/resume"),
            Some(&w.token),
            json!({}),
        )
        .await;
    assert_eq!(r.body["paused_reason"], Value::Null, "{}", r.body);
    let run = w.app.run_sync_job(&w.token, &from_spotify).await;
    assert!(run["error"].as_str().is_some(), "{run}");
    assert_eq!(
        job(from_spotify.clone()).await["paused_reason"],
        "spotify_reconnect"
    );

    // Linking the account again resumes what Medley paused, and only that.
    connect(&w.app, &w.token).await;
    let resumed = job(from_spotify.clone()).await;
    assert_eq!(
        (&resumed["paused"], &resumed["paused_reason"]),
        (&json!(false), &Value::Null)
    );
    assert!(resumed["next_run_at"].as_str().is_some(), "{resumed}");
    assert_eq!(
        job(held_back).await["paused"],
        true,
        "the owner's pause stands"
    );
    w.emu
        .control()
        .add_items(&w.mix, &w.tracks[60..61])
        .await
        .unwrap();
    watch_once(&w).await;
    let run = w.app.run_sync_job(&w.token, &from_spotify).await;
    assert_eq!(
        (run["error"].clone(), run["added"].clone()),
        (Value::Null, json!(1)),
        "{run}"
    );
}

/// Requests per endpoint since the emulator's counts were reset.
async fn endpoint_counts(emu: &Running) -> std::collections::BTreeMap<String, u64> {
    emu.control().requests().await.unwrap().by_endpoint
}

#[tokio::test]
async fn a_composite_written_to_spotify_learns_the_owners_edits_made_in_the_app() {
    let w = world().await;
    let control = w.emu.control();
    let second = control.playlist("alice", "Second").await.unwrap().id;
    control.add_items(&second, &w.tracks[60..90]).await.unwrap();
    let out = control.playlist("alice", "Together").await.unwrap().id;
    let mirror = w.app.playlist(&w.token, json!({"name": "Together"})).await;
    let composition = json!({
        "sources": [
            {"uri": format!("spotify:playlist:{}", w.mix)},
            {"uri": format!("spotify:playlist:{second}")},
        ],
        "options": {"target": format!("spotify:playlist:{out}")},
    });
    control.reset_requests().await.unwrap();
    let r = w
        .app
        .put(
            &format!("/v1/playlists/{mirror}/composition"),
            Some(&w.token),
            composition,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(held(&w.emu.control(), &out).await, w.tracks[..90].to_vec());
    // 90 newcomers: one write.
    assert_eq!(
        endpoint_counts(&w.emu).await["POST /v1/playlists/{id}/items"],
        1
    );
    // The Medley playlist mirrors it, and refuses edits of its own.
    let ninety: Vec<String> = w.tracks[..90].iter().map(|u| id_of(u)).collect();
    assert_eq!(spotify_ids(&w.app, &w.token, &mirror).await, ninety);
    let r = w
        .app
        .post(
            &format!("/v1/playlists/{mirror}/items"),
            Some(&w.token),
            json!({"uris": [w.tracks[0]]}),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "edit that one in Spotify");

    // In the Spotify app Alice adds a track of her own and removes one Medley put there;
    // meanwhile the Mix drops a track and Second gains one.
    control.add_items(&out, &w.tracks[95..96]).await.unwrap();
    control.remove_items(&out, &w.tracks[3..4]).await.unwrap();
    control
        .remove_items(&w.mix, &w.tracks[10..11])
        .await
        .unwrap();
    control.add_items(&second, &w.tracks[90..91]).await.unwrap();
    control.reset_requests().await.unwrap();
    let r = resync(&w, &mirror).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["learned_direct"],
        json!(one_of(&w.app, &w.tracks[95]).await)
    );
    assert_eq!(
        r.body["learned_suppressed"],
        json!(one_of(&w.app, &w.tracks[3]).await)
    );
    assert_eq!(
        r.body["removed"],
        json!(one_of(&w.app, &w.tracks[10]).await)
    );
    assert_eq!(r.body["added"], json!(one_of(&w.app, &w.tracks[90]).await));
    let mut expected: Vec<String> = w.tracks[..90]
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 10)
        .map(|(_, u)| u.clone())
        .collect();
    expected.push(w.tracks[95].clone());
    expected.push(w.tracks[90].clone());
    assert_eq!(held(&w.emu.control(), &out).await, expected);
    // One removal and one addition: one request each.
    let counts = endpoint_counts(&w.emu).await;
    assert_eq!(counts["DELETE /v1/playlists/{id}/items"], 1);
    assert_eq!(counts["POST /v1/playlists/{id}/items"], 1);

    // The owner's removal holds although the Mix still has the track; a second sync changes
    // nothing.
    let r = resync(&w, &mirror).await;
    assert_eq!(
        (r.body["added"].clone(), r.body["removed"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(held(&w.emu.control(), &out).await, expected);
    let ids: Vec<String> = expected.iter().map(|u| id_of(u)).collect();
    assert_eq!(spotify_ids(&w.app, &w.token, &mirror).await, ids);
}

/// `[medley:track:<id>]` of the catalog track carrying a Spotify URI.
async fn one_of(app: &TestApp, spotify_uri: &str) -> Vec<String> {
    let found = app
        .store
        .tracks_by_spotify_ids(&[id_of(spotify_uri)])
        .await
        .unwrap();
    vec![format!("medley:track:{}", found[&id_of(spotify_uri)])]
}

#[tokio::test]
async fn a_write_cut_off_in_flight_is_neither_repeated_nor_taken_for_the_owners() {
    let w = world().await;
    let control = w.emu.control();
    let out = control.playlist("alice", "Out").await.unwrap().id;
    let mirror = w.app.playlist(&w.token, json!({"name": "Out"})).await;
    let composition = json!({
        "sources": [{"uri": format!("spotify:playlist:{}", w.mix)}],
        "options": {"target": format!("spotify:playlist:{out}")},
    });
    let r = w
        .app
        .put(
            &format!("/v1/playlists/{mirror}/composition"),
            Some(&w.token),
            composition,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(held(&w.emu.control(), &out).await, w.tracks[..60].to_vec());

    // The Mix gains 5 tracks, and a sync follows in the background (as after a sweep). Medley
    // knows the target as it left it (it checks the snapshot only), so the first request to
    // the target's items is the write: it goes through at Spotify, and the connection drops
    // before the answer.
    control.add_items(&w.mix, &w.tracks[60..65]).await.unwrap();
    control
        .next_faults(&ScriptedFault {
            path_prefix: format!("/v1/playlists/{out}/items"),
            kind: FaultKind::Drop,
            count: 1,
            status: None,
        })
        .await
        .unwrap();
    let cut = medley_app::compositions::sync(&w.app.state.app, &mirror).await;
    assert!(
        matches!(cut, Err(medley_app::AppError::Unavailable(_))),
        "{cut:?}"
    );
    assert_eq!(held(&w.emu.control(), &out).await, w.tracks[..65].to_vec());
    let path = format!("/v1/playlists/{mirror}/composition/sync");

    // The next sync reads the target, finds the write happened, and neither repeats it nor
    // takes the five for the owner's own additions.
    let r = w.app.post(&path, Some(&w.token), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["added"], json!([]), "{}", r.body);
    assert_eq!(r.body["learned_direct"], json!([]), "{}", r.body);
    assert_eq!(held(&w.emu.control(), &out).await, w.tracks[..65].to_vec());
    // And when the Mix drops one of them, it leaves: it was Medley's, not the owner's.
    control
        .remove_items(&w.mix, &w.tracks[62..63])
        .await
        .unwrap();
    let r = w.app.post(&path, Some(&w.token), json!({})).await;
    assert_eq!(
        r.body["removed"],
        json!(one_of(&w.app, &w.tracks[62]).await)
    );

    // A background sync plans on the target as Medley left it, but checks its snapshot before
    // writing: the owner's addition made meanwhile in the app is seen, not duplicated.
    control.add_items(&out, &w.tracks[66..67]).await.unwrap();
    control.add_items(&w.mix, &w.tracks[66..68]).await.unwrap();
    let report = medley_app::compositions::sync(&w.app.state.app, &mirror)
        .await
        .unwrap();
    assert_eq!(report.learned_direct.len(), 1, "{report:?}");
    let mut expected = w.tracks[..65].to_vec();
    expected.remove(62);
    expected.push(w.tracks[66].clone());
    expected.push(w.tracks[67].clone());
    assert_eq!(held(&w.emu.control(), &out).await, expected);
}

#[tokio::test]
async fn local_files_episodes_unavailable_and_relinked_items_are_handled_as_spotify_says() {
    use medley_spotify_emulator::control::types::NewEpisode;

    let w = world().await;
    let control = w.emu.control();
    let odd = control.playlist("alice", "Odd").await.unwrap().id;
    let episode = control
        .add_episodes(&[NewEpisode {
            name: "A talk".into(),
            show: "A show".into(),
            duration_ms: 1_800_000,
            ..Default::default()
        }])
        .await
        .unwrap()
        .uris
        .remove(0);
    // The playlist holds: t0, a local file, an episode, t1 (to become unavailable), t2
    // (relinked to t3 in the listener's market), t4.
    let local = "spotify:local:Some+Band:Some+Album:A+Demo:200".to_owned();
    let uris = vec![
        w.tracks[110].clone(),
        local,
        episode,
        w.tracks[111].clone(),
        w.tracks[112].clone(),
        w.tracks[114].clone(),
    ];
    control.add_items(&odd, &uris).await.unwrap();
    control
        .make_unavailable(&id_of(&w.tracks[111]))
        .await
        .unwrap();
    control
        .relink(&id_of(&w.tracks[112]), &id_of(&w.tracks[113]))
        .await
        .unwrap();

    let mine = w.app.playlist(&w.token, json!({"name": "Odd copy"})).await;
    let r = w
        .app
        .put(
            &format!("/v1/playlists/{mine}/composition"),
            Some(&w.token),
            json!({"sources": [{"uri": format!("spotify:playlist:{odd}")}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Tracks only; the relinked one is known by the URI the playlist holds.
    let expected = vec![
        id_of(&w.tracks[110]),
        id_of(&w.tracks[112]),
        id_of(&w.tracks[114]),
    ];
    assert_eq!(spotify_ids(&w.app, &w.token, &mine).await, expected);

    // Removing the relinked track in the app (by the URI the playlist holds) removes it here.
    control
        .remove_items(&odd, &w.tracks[112..113])
        .await
        .unwrap();
    let r = resync(&w, &mine).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        spotify_ids(&w.app, &w.token, &mine).await,
        vec![id_of(&w.tracks[110]), id_of(&w.tracks[114])]
    );
}
