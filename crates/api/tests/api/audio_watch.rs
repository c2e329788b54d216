//! Watched folders, on both backends: with the server watching a folder (as `serve` does with
//! its configured folders), a file copied in appears through the API within seconds, a changed
//! file is read again, and a deleted one is marked missing; nothing is waited for by sleeping
//! a fixed time: conditions are polled with a deadline.

use std::time::Duration;

use medley_app::library::scan::ScanOptions;
use medley_app::library::watch::scan_and_watch;
use medley_audio::testing::{wav, Written};
use medley_domain::TrackId;
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::Value;

use crate::audio_harness::AudioApp;
use crate::on_both_backends;

on_both_backends!(files_added_changed_and_deleted_in_a_watched_folder_are_picked_up);

/// How long a change may take to show (the debounce is 0.4 s).
const WITHIN: Duration = Duration::from_secs(5);

/// Polls `check` until it gives a value, or fails saying `what` after [`WITHIN`].
async fn within<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} within {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn search_track(a: &AudioApp, name: &str) -> Option<Value> {
    let r = a
        .get(&format!("/v1/search?q={name}&type=track&limit=10"), None)
        .await;
    r.body["tracks"]["items"]
        .as_array()?
        .iter()
        .find(|t| t["name"] == name)
        .cloned()
}

async fn files_added_changed_and_deleted_in_a_watched_folder_are_picked_up(backend: Backend) {
    let Some(a) = AudioApp::spawn(backend).await else {
        return;
    };
    a.put_wav(
        "Before/old.wav",
        600,
        200.0,
        &Written::song("Older", "Watcher", "Before"),
    );
    let music = a.music().to_string_lossy().into_owned();
    let _watch = scan_and_watch(&a.state.app, &[music], ScanOptions::default()).unwrap();
    // The folder is scanned at start.
    within("the folder's files scanned at start", || {
        search_track(&a, "Older")
    })
    .await;

    // A new file, written elsewhere and moved in as a copy would be.
    let incoming = a.dir.path().join("incoming.wav");
    let tags = Written::song("Newcomer", "Watcher", "Fresh");
    std::fs::write(&incoming, wav(700, 330.0, &tags)).unwrap();
    std::fs::create_dir_all(a.music().join("Fresh")).unwrap();
    let placed = a.music().join("Fresh/new.wav");
    std::fs::copy(&incoming, &placed).unwrap();
    let track = within("a copied file becomes a track", || {
        search_track(&a, "Newcomer")
    })
    .await;
    let track_id = track["id"].as_str().unwrap().to_owned();
    let files = a.track_files(track_id.as_str()).await;
    assert_eq!(files.len(), 1);
    let file_id = files[0].id.clone();
    let stream = a
        .get(&format!("/v1/tracks/{track_id}/stream"), Some(&a.admin))
        .await;
    assert_eq!(stream.status, StatusCode::OK, "it plays");

    // A changed file is read again: its new title shows.
    let tags = Written::song("Renamed", "Watcher", "Fresh");
    std::fs::write(&placed, wav(700, 330.0, &tags)).unwrap();
    within("a changed file is read again", || async {
        let files = a
            .state
            .app
            .store
            .track_audio(&TrackId::from(track_id.as_str()))
            .await
            .ok()?;
        let file = a.state.app.store.audio_file(&file_id).await.ok()??;
        (file.tags.contains("Renamed") || files.is_empty()).then_some(())
    })
    .await;

    // A deleted file is marked missing (its track stays).
    std::fs::remove_file(&placed).unwrap();
    let file_url = format!("/v1/library/files/{file_id}");
    within("a deleted file is marked missing", || async {
        let r = a.get(&file_url, Some(&a.admin)).await;
        (r.body["status"] == "missing").then_some(())
    })
    .await;
    let r = a.get(&format!("/v1/tracks/{track_id}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "the track stays in the catalog");
    // The file seen at start is untouched.
    let older = search_track(&a, "Older").await.unwrap();
    let files = a.track_files(older["id"].as_str().unwrap()).await;
    assert_eq!(files[0].status, medley_store::AudioStatus::Present);
}
