use medley_domain::SyncJobId;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{assert_problem, TestApp};

fn pl(id: &str) -> String {
    format!("medley:playlist:{id}")
}

#[tokio::test]
async fn a_one_way_sync_copies_new_tracks_and_never_recopies_deleted_ones() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let t = app.tracks(&token, 5).await;
    let weekly = app.playlist(&token, json!({"name": "Weekly"})).await;
    let archive = app.playlist(&token, json!({"name": "Archive"})).await;
    app.post(
        &format!("/v1/playlists/{weekly}/items"),
        Some(&token),
        json!({"uris": [t[0], t[1]]}),
    )
    .await;
    app.post(
        &format!("/v1/playlists/{archive}/items"),
        Some(&token),
        json!({"uris": [t[1]]}),
    )
    .await;

    let r = app
        .post("/v1/sync-jobs", Some(&token), json!({"source": pl(&weekly), "target": pl(&archive), "schedule": "0 9 * * MON", "timezone": "Europe/Berlin"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let job = r.body["id"].as_str().unwrap().to_owned();
    assert!(r.body["next_run_at"].as_str().unwrap().ends_with('Z'));

    let run = app.run_sync_job(&token, &job).await;
    assert_eq!(
        (
            run["added"].as_i64(),
            run["skipped"].as_i64(),
            run["trigger"].as_str()
        ),
        (Some(1), Some(1), Some("manual")),
        "{run}"
    );
    assert!(run["error"].is_null());
    assert_eq!(
        app.item_uris(&token, &archive).await,
        [t[1].clone(), t[0].clone()],
        "skips what the target has"
    );

    // The owner deletes a copied track from the archive; the source moves on.
    app.delete(
        &format!("/v1/playlists/{archive}/items"),
        Some(&token),
        Some(json!({"items": [{"uri": t[0]}]})),
    )
    .await;
    app.post(
        &format!("/v1/playlists/{weekly}/items"),
        Some(&token),
        json!({"uris": [t[2]]}),
    )
    .await;
    let run = app.run_sync_job(&token, &job).await;
    assert_eq!(
        (run["added"].as_i64(), run["skipped"].as_i64()),
        (Some(1), Some(2)),
        "{run}"
    );
    assert_eq!(
        app.item_uris(&token, &archive).await,
        [t[1].clone(), t[2].clone()],
        "a deleted copy is never copied again"
    );
    // A source emptied (a new week) deletes nothing from the archive.
    app.put(
        &format!("/v1/playlists/{weekly}/items"),
        Some(&token),
        json!({"uris": [t[3]]}),
    )
    .await;
    let run = app.run_sync_job(&token, &job).await;
    assert_eq!(run["added"], 1);
    assert_eq!(
        app.item_uris(&token, &archive).await,
        [t[1].clone(), t[2].clone(), t[3].clone()]
    );

    let runs = app
        .get(&format!("/v1/sync-jobs/{job}/runs"), Some(&token))
        .await;
    assert_eq!(runs.body["total"], 3);

    // Pause, resume, delete.
    let paused = app
        .post(
            &format!("/v1/sync-jobs/{job}/pause"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(
        (
            paused.body["paused"].as_bool(),
            paused.body["next_run_at"].is_null()
        ),
        (Some(true), true)
    );
    let resumed = app
        .post(
            &format!("/v1/sync-jobs/{job}/resume"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(resumed.body["paused"], false);
    assert!(resumed.body["next_run_at"].is_string());
    assert_eq!(
        app.get("/v1/sync-jobs", Some(&token)).await.body["items"][0]["id"],
        job
    );
    assert_eq!(
        app.delete(&format!("/v1/sync-jobs/{job}"), Some(&token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/v1/sync-jobs/{job}"), Some(&token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_scheduler_queues_due_runs_once_and_moves_to_the_next_time() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let t = app.tracks(&token, 1).await;
    let src = app.playlist(&token, json!({"name": "S"})).await;
    let dst = app.playlist(&token, json!({"name": "D"})).await;
    app.post(
        &format!("/v1/playlists/{src}/items"),
        Some(&token),
        json!({"uris": [t[0]]}),
    )
    .await;
    let job = SyncJobId::from(
        app.post(
            "/v1/sync-jobs",
            Some(&token),
            json!({"source": pl(&src), "target": pl(&dst), "schedule": "0 3 1 * *"}),
        )
        .await
        .body["id"]
            .as_str()
            .unwrap(),
    );
    let stored = app.store.sync_job(&job).await.unwrap().unwrap();
    let due = stored.next_run_at_ms.unwrap();
    use medley_app::sync_jobs::schedule_due;
    use medley_app::worker::work_once;
    assert_eq!(
        schedule_due(&app.state.app, due - 1).await.unwrap(),
        0,
        "not due yet"
    );
    assert_eq!(schedule_due(&app.state.app, due).await.unwrap(), 1);
    assert_eq!(
        schedule_due(&app.state.app, due).await.unwrap(),
        0,
        "queued once"
    );
    let next = app
        .store
        .sync_job(&job)
        .await
        .unwrap()
        .unwrap()
        .next_run_at_ms
        .unwrap();
    let schedule = medley_domain::schedule::Schedule::parse("0 3 1 * *", "UTC").unwrap();
    assert_eq!(
        Some(next),
        schedule.next_after(due),
        "the next run is the schedule's next time"
    );
    assert!(next > due);
    // (Monthly, so the background scheduler, which uses the real clock, stays out of the way.)
    while work_once(&app.state.app, due, &Default::default())
        .await
        .unwrap()
        > 0
    {}
    let runs = app
        .get(&format!("/v1/sync-jobs/{job}/runs"), Some(&token))
        .await;
    assert_eq!(runs.body["total"], 1);
    assert_eq!(runs.body["items"][0]["trigger"], "schedule");
    assert_eq!(app.item_uris(&token, &dst).await, t);
}

#[tokio::test]
async fn bad_sync_jobs_are_refused_precisely() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    let mine = app.playlist(&token, json!({"name": "Mine"})).await;
    let other = app.playlist(&token, json!({"name": "Other"})).await;
    let bobs_private = app
        .playlist(&bob, json!({"name": "Bob", "public": false}))
        .await;
    let bobs_public = app.playlist(&bob, json!({"name": "Bob public"})).await;
    let job = |source: String, target: String, schedule: &str, tz: &str| json!({"source": source, "target": target, "schedule": schedule, "timezone": tz});
    let cases = [
        (
            job(pl(&mine), pl(&other), "every monday", "UTC"),
            StatusCode::BAD_REQUEST,
            "cron",
        ),
        (
            job(pl(&mine), pl(&other), "0 9 * * *", "Mars/Olympus"),
            StatusCode::BAD_REQUEST,
            "timezone",
        ),
        (
            job(pl("0000000000000000000000"), pl(&other), "0 9 * * *", "UTC"),
            StatusCode::NOT_FOUND,
            "source",
        ),
        (
            job(pl(&bobs_private), pl(&other), "0 9 * * *", "UTC"),
            StatusCode::NOT_FOUND,
            "source",
        ),
        (
            job(pl(&mine), pl(&bobs_public), "0 9 * * *", "UTC"),
            StatusCode::FORBIDDEN,
            "owner",
        ),
        (
            job(pl(&mine), pl(&mine), "0 9 * * *", "UTC"),
            StatusCode::BAD_REQUEST,
            "same playlist",
        ),
        (
            job("spotify:playlist:abc".into(), pl(&mine), "0 9 * * *", "UTC"),
            StatusCode::BAD_REQUEST,
            "Spotify",
        ),
        (
            json!({"source": pl(&mine)}),
            StatusCode::BAD_REQUEST,
            "missing field",
        ),
    ];
    for (body, status, needle) in cases {
        assert_problem(
            &app.post("/v1/sync-jobs", Some(&token), body).await,
            status,
            needle,
        );
    }
    assert!(app.get("/v1/sync-jobs", Some(&token)).await.body["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let ok = app
        .post(
            "/v1/sync-jobs",
            Some(&token),
            job(pl(&bobs_public), pl(&mine), "0 9 * * *", "UTC"),
        )
        .await;
    assert_eq!(
        ok.status,
        StatusCode::CREATED,
        "another user's public playlist is a readable source"
    );
    let id = ok.body["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/v1/sync-jobs/{id}"), Some(&bob))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "jobs are private"
    );
    assert_eq!(
        app.post(&format!("/v1/sync-jobs/{id}/run"), Some(&bob), json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
