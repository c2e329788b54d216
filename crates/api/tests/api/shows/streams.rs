//! Stream URLs in a show's frames: a Medley track with audio carries a `stream_url` signed for
//! each listener, which plays without a token; a track without audio carries none; the
//! stored history keeps no URL.

use medley_audio::testing::Written;
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::client::{live_show_playing, Client};
use crate::audio_harness::AudioApp;
use crate::on_both_backends;

on_both_backends!(a_listener_plays_the_stream_url_of_a_track_with_audio_without_a_token);

/// GET without any header: (status, body).
async fn fetch(a: &AudioApp, url: &str) -> (StatusCode, Vec<u8>) {
    let r = a.http.get(url).send().await.expect("request sent");
    (r.status(), r.bytes().await.unwrap().to_vec())
}

fn url_of(track: &Value) -> &str {
    track["stream_url"]
        .as_str()
        .unwrap_or_else(|| panic!("a stream_url: {track}"))
}

async fn a_listener_plays_the_stream_url_of_a_track_with_audio_without_a_token(backend: Backend) {
    let Some(a) = AudioApp::spawn(backend).await else {
        return;
    };
    let path = a.put_wav(
        "Aloud.wav",
        // Long enough not to end (and advance) while the test runs.
        60_000,
        440.0,
        &Written::song("Aloud", "Streamer", "Live"),
    );
    let report = a.scan_music().await;
    assert_eq!(report["failed"], 0, "{report}");
    let bytes = std::fs::read(path).unwrap();
    let audible = format!(
        "medley:track:{}",
        a.track_named("Aloud").await["id"].as_str().unwrap()
    );
    let silent = a.tracks(&a.admin, 1).await.remove(0);
    let show = live_show_playing(
        &a,
        &a.admin,
        "Listen",
        json!({"name": "Set", "public": false}),
        &[audible.clone(), silent.clone()],
    )
    .await;
    let (bob_id, bob) = a.user("bob").await;
    let (mut host, _) = Client::join(&a, &show, &a.admin).await;
    let (mut listener, welcome) = Client::join(&a, &show, &bob).await;

    // The welcome's playlist: a signed URL for the track with audio, none for the other.
    let tracks = welcome["d"]["show"]["playlist"]["tracks"]
        .as_array()
        .unwrap();
    assert_eq!(tracks[0]["uri"], audible.as_str());
    let in_welcome = url_of(&tracks[0]);
    assert!(
        in_welcome.starts_with(&format!("{}/v1/tracks/", a.base)),
        "{in_welcome}"
    );
    assert!(tracks[1].get("stream_url").is_none(), "{}", tracks[1]);

    // Playing it: the listener's own URL, fetched without a token, gives the file's bytes.
    host.ok("playback.play", json!({"index": 0})).await;
    let playback = listener.expect("playback").await;
    let track = &playback["d"]["track"];
    assert_eq!(track["uri"], audible.as_str());
    let url = url_of(track).to_owned();
    assert!(
        url.contains(&format!("user={bob_id}&")),
        "signed for bob: {url}"
    );
    let (status, body) = fetch(&a, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body == bytes,
        "the file's bytes ({} of {})",
        body.len(),
        bytes.len()
    );
    // The creator got a URL of their own; bob's is bob's alone.
    // (It came before the reply to its op.)
    let host_saw = host
        .events
        .iter()
        .rev()
        .find(|e| e["op"] == "playback")
        .unwrap();
    let host_url = url_of(&host_saw["d"]["track"]).to_owned();
    assert_ne!(host_url, url);
    assert!(
        host_url.contains(&format!("user={}&", a.admin_id)),
        "{host_url}"
    );
    let forged = url.replace(&bob_id, &a.admin_id);
    assert_eq!(fetch(&a, &forged).await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = fetch(&a, url.split('?').next().unwrap()).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the path alone needs a token"
    );

    // A track without audio: no stream_url.
    host.ok("playback.next", json!({})).await;
    let playback = listener.expect("playback").await;
    assert_eq!(playback["d"]["track"]["uri"], silent.as_str());
    assert!(
        playback["d"]["track"].get("stream_url").is_none(),
        "{playback}"
    );

    // A resumed listener gets the missed `playback` signed too.
    listener.abandon();
    host.ok("playback.prev", json!({})).await;
    let (mut back, first) = Client::resume(&a.base, &show, &bob, &listener).await;
    assert_eq!(first["op"], "resumed", "{first}");
    let missed = back.expect("playback").await;
    let (status, body) = fetch(&a, url_of(&missed["d"]["track"])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.len(), bytes.len());

    // The history names tracks by uri and keeps no URL.
    let r = a
        .post(&format!("/v1/shows/{show}/end"), Some(&a.admin), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = a
        .get(&format!("/v1/shows/{show}/history?limit=100"), Some(&bob))
        .await;
    let played: Vec<&Value> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["op"] == "playback")
        .collect();
    assert_eq!(played.len(), 3, "{}", r.body);
    for p in played {
        assert!(p.to_string().contains(&audible) || p.to_string().contains(&silent));
        assert!(!p.to_string().contains("stream_url"), "{p}");
    }
}
