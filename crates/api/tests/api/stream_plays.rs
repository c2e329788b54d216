//! Plays counted from streams (docs/API.md, "Plays"): a stream alone counts once at its
//! threshold (30 s or half the track), a stream the player also reports counts once, a peek
//! counts nothing. Short tracks make the thresholds a second or two; the tests wait for the
//! node's own count of playbacks still waiting (`/metrics`), never for a fixed time.

use std::time::{Duration, Instant};

use medley_audio::testing::Written;
use reqwest::StatusCode;
use serde_json::json;

use crate::audio_harness::AudioApp;
use crate::audio_streams::fetch;

/// Scans WAVs of the given (title, seconds); returns their track ids in order.
async fn tracks(a: &AudioApp, specs: &[(&str, u32)]) -> Vec<String> {
    for (title, seconds) in specs {
        a.put_wav(
            &format!("{title}.wav"),
            seconds * 1000,
            300.0,
            &Written::song(title, "Counter", "Plays"),
        );
    }
    a.scan_music().await;
    let mut ids = Vec::new();
    for (title, _) in specs {
        ids.push(
            a.track_named(title).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    ids
}

/// Waits (with a deadline) until no playback of this node waits for its threshold.
async fn thresholds_passed(a: &AudioApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = a.metrics().await;
        if text
            .lines()
            .any(|l| l == "medley_stream_playbacks_waiting 0")
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "playbacks still waiting:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The track ids of the user's recorded plays, latest first.
async fn played(a: &AudioApp, token: &str) -> Vec<String> {
    let r = a
        .get("/v1/me/player/recently-played?limit=50", Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["track"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_stream_alone_counts_once_and_a_peek_counts_nothing() {
    let a = AudioApp::spawn(medley_store::Backend::Sqlite)
        .await
        .unwrap();
    // Thresholds: half of each track, 1 s and 2 s.
    let ids = tracks(&a, &[("Peeked", 2), ("Kept", 4)]).await;
    let (peeked, kept) = (&ids[0], &ids[1]);
    let (_, listener) = a.user("listener").await;
    let stream = |id: &str| format!("/v1/tracks/{id}/stream");

    // A peek: another track starts before the first one's threshold.
    assert_eq!(
        fetch(&a, &stream(peeked), Some(&listener), &[])
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        fetch(&a, &stream(kept), Some(&listener), &[]).await.status,
        StatusCode::OK
    );
    // Range requests of the same track continue its playback.
    for range in ["bytes=0-999", "bytes=1000-", "bytes=-10"] {
        let r = fetch(&a, &stream(kept), Some(&listener), &[("range", range)]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
    }
    thresholds_passed(&a).await;
    assert_eq!(
        played(&a, &listener).await,
        vec![kept.clone()],
        "the peek counts nothing"
    );

    // More of the same playback later: still one play.
    let r = fetch(&a, &stream(kept), Some(&listener), &[("range", "bytes=0-")]).await;
    assert_eq!(r.status, StatusCode::OK);
    thresholds_passed(&a).await;
    assert_eq!(
        played(&a, &listener).await,
        vec![kept.clone()],
        "never twice"
    );
    // HEAD and 304 are not listening.
    let head = a
        .http
        .head(format!("{}{}", a.base, stream(peeked)))
        .bearer_auth(&listener)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    let etag = head.headers()["etag"].to_str().unwrap().to_owned();
    let r = fetch(
        &a,
        &stream(peeked),
        Some(&listener),
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    thresholds_passed(&a).await;
    assert_eq!(played(&a, &listener).await.len(), 1);
}

#[tokio::test]
async fn a_stream_the_player_also_reports_counts_once() {
    let a = AudioApp::spawn(medley_store::Backend::Sqlite)
        .await
        .unwrap();
    let ids = tracks(&a, &[("Counted", 2), ("Reported", 8)]).await;
    let (counted, reported) = (&ids[0], &ids[1]);
    let (_, listener) = a.user("listener").await;

    // Counted from the stream first, then reported by the player at its end.
    let r = fetch(
        &a,
        &format!("/v1/tracks/{counted}/stream"),
        Some(&listener),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    thresholds_passed(&a).await;
    assert_eq!(played(&a, &listener).await, vec![counted.clone()]);
    let report = a
        .post(
            "/v1/me/player/plays",
            Some(&listener),
            json!({"track": counted, "ms_played": 2000}),
        )
        .await;
    assert!(report.status.is_success(), "{}", report.body);
    assert_eq!(
        played(&a, &listener).await,
        vec![counted.clone()],
        "the report replaced the play counted from the stream"
    );

    // Through a signed URL (its own playback id), reported before the threshold (4 s).
    let link = a
        .get(
            &format!("/v1/tracks/{reported}/stream-url"),
            Some(&listener),
        )
        .await;
    let url = link.body["url"].as_str().unwrap().to_owned();
    assert!(url.contains("playback="), "{url}");
    assert_eq!(fetch(&a, &url, None, &[]).await.status, StatusCode::OK);
    let report = a
        .post(
            "/v1/me/player/plays",
            Some(&listener),
            json!({"track": reported, "ms_played": 8000}),
        )
        .await;
    assert_eq!(report.status, StatusCode::CREATED, "{}", report.body);
    fetch(&a, &url, None, &[("range", "bytes=100-")]).await;
    thresholds_passed(&a).await;
    let plays = played(&a, &listener).await;
    assert_eq!(
        plays.iter().filter(|id| *id == reported).count(),
        1,
        "{plays:?}"
    );
    assert_eq!(plays.len(), 2);
}

#[tokio::test]
async fn a_song_played_twice_in_a_row_counts_twice_when_only_the_first_is_reported() {
    let a = AudioApp::spawn(medley_store::Backend::Sqlite)
        .await
        .unwrap();
    // Threshold 1 s: both listens fall well within the one-minute pairing tolerance.
    let ids = tracks(&a, &[("Short", 2)]).await;
    let short = &ids[0];
    let (_, listener) = a.user("listener").await;
    let signed = || async {
        let link = a
            .get(&format!("/v1/tracks/{short}/stream-url"), Some(&listener))
            .await;
        assert_eq!(link.status, StatusCode::OK, "{}", link.body);
        link.body["url"].as_str().unwrap().to_owned()
    };

    // The first listen: streamed, and reported by the player before its threshold.
    let first = signed().await;
    assert_eq!(fetch(&a, &first, None, &[]).await.status, StatusCode::OK);
    let report = a
        .post(
            "/v1/me/player/plays",
            Some(&listener),
            json!({"track": short, "ms_played": 2000}),
        )
        .await;
    assert_eq!(report.status, StatusCode::CREATED, "{}", report.body);

    // The second: streamed again (a new playback), never reported, counted from the stream.
    let second = signed().await;
    assert_ne!(first, second);
    assert_eq!(fetch(&a, &second, None, &[]).await.status, StatusCode::OK);
    thresholds_passed(&a).await;
    assert_eq!(
        played(&a, &listener).await,
        vec![short.clone(), short.clone()],
        "the stream started after the reported listen ended: another listen, not its copy"
    );
}

#[tokio::test]
async fn a_stopping_node_gives_up_playbacks_before_their_threshold_at_once() {
    let a = AudioApp::spawn(medley_store::Backend::Sqlite)
        .await
        .unwrap();
    // Thresholds: 1 s, and 10 s (half of 20 s).
    let ids = tracks(&a, &[("Heard", 2), ("Cut", 20)]).await;
    let (heard, cut) = (&ids[0], &ids[1]);
    let (_, listener) = a.user("listener").await;
    let (_, other) = a.user("other").await;
    let stream = |id: &str| format!("/v1/tracks/{id}/stream");
    let r = fetch(&a, &stream(heard), Some(&listener), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    thresholds_passed(&a).await;

    // Another playback has 10 s to go when the node stops: it is given up at once, not left
    // to a task the stop would abort.
    let r = fetch(&a, &stream(cut), Some(&other), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let playbacks = a.state.app.playbacks.clone();
    assert_eq!(playbacks.waiting(), 1);
    let started = Instant::now();
    assert_eq!(playbacks.shutdown().await, 1, "one playback given up");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the stop waited {:?} for a playback's threshold",
        started.elapsed()
    );
    assert_eq!(playbacks.waiting(), 0);
    assert_eq!(played(&a, &listener).await, vec![heard.clone()]);
    assert!(played(&a, &other).await.is_empty(), "not a play yet");
}
