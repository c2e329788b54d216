//! One-way sync jobs between Medley playlists, Spotify playlists and Liked Songs.

use super::*;

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

