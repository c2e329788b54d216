//! Transcodes through the real ffmpeg, checked by ffprobe: formats and bit rates, the cache
//! (a repeat is byte-ranged), offsets, signed URLs, bad parameters, a server without ffmpeg,
//! the bound on ffmpeg processes, and a client that leaves.

use std::path::Path;
use std::time::{Duration, Instant};

use medley_audio::testing::{ffmpeg, Ffmpeg, Written};
use reqwest::header;
use reqwest::StatusCode;
use serde_json::Value;

use crate::audio_harness::AudioApp;
use crate::audio_streams::{fetch, Fetched};

/// A scanned WAV of `seconds` seconds; returns the track id.
async fn track(a: &AudioApp, title: &str, seconds: u32) -> String {
    a.put_wav(
        &format!("{title}.wav"),
        seconds * 1000,
        440.0,
        &Written::song(title, "Transcoder", "Formats"),
    );
    let report = a.scan_music().await;
    assert_eq!(report["failed"], 0, "{report}");
    a.track_named(title).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// What ffprobe says of `bytes`.
fn probe(ff: &Ffmpeg, dir: &Path, name: &str, bytes: &[u8]) -> medley_audio::testing::FfprobeView {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    ff.probe(&path)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn problem(r: &Fetched) -> String {
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    v["detail"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn transcodes_have_the_codec_and_bit_rate_asked_and_repeat_from_the_cache_with_ranges() {
    let Some(ff) = ffmpeg() else { return };
    let Some(a) = AudioApp::spawn_transcoding("ffmpeg", 4).await else {
        return;
    };
    let id = track(&a, "Formats", 4).await;
    let (_, listener) = a.user("listener").await;
    let out = tempfile::tempdir().unwrap();
    let cache = a.dir.path().join("transcodes");

    let url = format!("/v1/tracks/{id}/stream?format=mp3&bitrate=128");
    let first = fetch(&a, &url, Some(&listener), &[]).await;
    assert_eq!(
        first.status,
        StatusCode::OK,
        "{:?}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(first.header(header::CONTENT_TYPE), "audio/mpeg");
    assert!(
        first.headers.get(header::CONTENT_LENGTH).is_none(),
        "sent as ffmpeg makes it, before its length is known"
    );
    let etag = first.header(header::ETAG).to_owned();
    let mp3 = probe(&ff, out.path(), "a.mp3", &first.body);
    assert_eq!(mp3.codec, "mp3");
    assert_eq!(mp3.bit_rate, Some(128_000), "{mp3:?}");
    assert!((3_800..=4_200).contains(&mp3.duration_ms), "{mp3:?}");

    // Kept in the cache once complete (the renamed file, nothing left in tmp/).
    let deadline = Instant::now() + Duration::from_secs(10);
    while files_in(&cache).len() != 1 {
        assert!(Instant::now() < deadline, "cached: {:?}", files_in(&cache));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(files_in(&cache.join("tmp")).is_empty());

    let again = fetch(&a, &url, Some(&listener), &[]).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(
        again.body == first.body,
        "the same bytes (bit-exact output)"
    );
    assert_eq!(again.header(header::ETAG), etag);
    assert_eq!(
        again.header(header::CONTENT_LENGTH),
        first.body.len().to_string(),
        "from the cache: its length is known"
    );
    let ranged = fetch(&a, &url, Some(&listener), &[("range", "bytes=100-1099")]).await;
    assert_eq!(ranged.status, StatusCode::PARTIAL_CONTENT);
    assert!(ranged.body == first.body[100..1100]);
    assert_eq!(
        ranged.header(header::CONTENT_RANGE),
        format!("bytes 100-1099/{}", first.body.len())
    );
    let past = format!("bytes={}-", first.body.len());
    let past = fetch(&a, &url, Some(&listener), &[("range", &past)]).await;
    assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
    let same = fetch(&a, &url, Some(&listener), &[("if-none-match", &etag)]).await;
    assert_eq!(same.status, StatusCode::NOT_MODIFIED);

    // Other formats, and a range of a transcode not made yet (answered once it is complete).
    let opus = fetch(
        &a,
        &format!("/v1/tracks/{id}/stream?format=opus&bitrate=64"),
        Some(&listener),
        &[],
    )
    .await;
    assert_eq!(opus.header(header::CONTENT_TYPE), "audio/ogg");
    let view = probe(&ff, out.path(), "a.opus", &opus.body);
    assert_eq!(
        (view.codec.as_str(), view.container.as_str()),
        ("opus", "ogg")
    );
    assert!(view.bit_rate.unwrap() <= 80_000, "{view:?}");
    let aac_url = format!("/v1/tracks/{id}/stream?format=aac&bitrate=96");
    let aac_part = fetch(&a, &aac_url, Some(&listener), &[("range", "bytes=0-99")]).await;
    assert_eq!(aac_part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(aac_part.body.len(), 100);
    let aac = fetch(&a, &aac_url, Some(&listener), &[]).await;
    assert_eq!(aac.header(header::CONTENT_TYPE), "audio/aac");
    assert!(aac.body[..100] == aac_part.body[..]);
    let view = probe(&ff, out.path(), "a.aac", &aac.body);
    assert_eq!(view.codec, "aac");
    let kbps = view.bit_rate.unwrap() / 1000;
    assert!((60..=130).contains(&kbps), "about 96 kbps: {view:?}");

    // An offset starts later: a shorter stream.
    let later = fetch(
        &a,
        &format!("/v1/tracks/{id}/stream?format=mp3&bitrate=128&offset=2.5"),
        Some(&listener),
        &[],
    )
    .await;
    assert_eq!(later.status, StatusCode::OK);
    let view = probe(&ff, out.path(), "later.mp3", &later.body);
    assert!(
        (1_300..=1_700).contains(&view.duration_ms),
        "1.5 s left: {view:?}"
    );

    // A signed URL carries the transcode it was asked for.
    let link = a
        .get(
            &format!("/v1/tracks/{id}/stream-url?format=opus&bitrate=96"),
            Some(&listener),
        )
        .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.body);
    assert_eq!(link.body["content_type"], "audio/ogg");
    assert!(link.body["size"].is_null());
    let signed = fetch(&a, link.body["url"].as_str().unwrap(), None, &[]).await;
    assert_eq!(signed.status, StatusCode::OK);
    assert_eq!(probe(&ff, out.path(), "s.opus", &signed.body).codec, "opus");
}

#[tokio::test]
async fn bad_transcode_parameters_are_refused_with_what_to_send() {
    let Some(_ff) = ffmpeg() else { return };
    let Some(a) = AudioApp::spawn_transcoding("ffmpeg", 2).await else {
        return;
    };
    let id = track(&a, "Refusals", 2).await;
    let (_, listener) = a.user("listener").await;
    for (query, says) in [
        ("format=flac", "`format` must be `opus`, `mp3` or `aac`"),
        ("format=mp3&bitrate=1000", "between 32 and 320 kbps"),
        ("format=opus&bitrate=fast", "whole number of kbps"),
        ("format=mp3&offset=-1", "cannot be negative"),
        ("format=mp3&offset=soon", "number of seconds"),
        (
            "format=mp3&offset=2.5",
            "past the end of the track, which lasts 2.000 s",
        ),
        ("bitrate=128", "add `format=opus`"),
    ] {
        let r = fetch(
            &a,
            &format!("/v1/tracks/{id}/stream?{query}"),
            Some(&listener),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(problem(&r).contains(says), "{query}: {}", problem(&r));
        let link = a
            .get(
                &format!("/v1/tracks/{id}/stream-url?{query}"),
                Some(&listener),
            )
            .await;
        if !query.contains("2.5") {
            assert_eq!(link.status, StatusCode::BAD_REQUEST, "stream-url?{query}");
        }
    }
    assert!(files_in(&a.dir.path().join("transcodes")).is_empty());
}

#[tokio::test]
async fn without_ffmpeg_only_originals_play_and_readyz_says_so() {
    let Some(a) = AudioApp::spawn_transcoding("/nonexistent/ffmpeg", 2).await else {
        return;
    };
    let id = track(&a, "Plain", 1).await;
    let (_, listener) = a.user("listener").await;
    let r = fetch(
        &a,
        &format!("/v1/tracks/{id}/stream?format=opus"),
        Some(&listener),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_IMPLEMENTED);
    let detail = problem(&r);
    assert!(detail.contains("transcoding is unavailable"), "{detail}");
    assert!(detail.contains("without `format`"), "{detail}");
    let original = fetch(&a, &format!("/v1/tracks/{id}/stream"), Some(&listener), &[]).await;
    assert_eq!(original.status, StatusCode::OK);
    let ready = a
        .http
        .get(format!("{}/readyz", a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ready.status(),
        StatusCode::OK,
        "no ffmpeg never makes a node unready"
    );
    let text = ready.text().await.unwrap();
    assert!(text.starts_with("ready\n"), "{text}");
    assert!(
        text.contains("transcoding: unavailable (ffmpeg not found at `/nonexistent/ffmpeg`"),
        "{text}"
    );
    assert!(text.contains("originals only"), "{text}");

    let Some(_ff) = ffmpeg() else { return };
    let Some(b) = AudioApp::spawn_transcoding("ffmpeg", 2).await else {
        return;
    };
    let text = b
        .http
        .get(format!("{}/readyz", b.base))
        .send()
        .await
        .unwrap();
    let text = text.text().await.unwrap();
    assert!(text.contains("transcoding: available (ffmpeg "), "{text}");
}

/// ffmpeg made to run at the speed of playback (`-re`), so a transcode lasts as long as the
/// track: what a long track is to a real server.
fn real_time_ffmpeg(dir: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("ffmpeg-re");
    std::fs::write(&path, "#!/bin/sh\nexec ffmpeg -re \"$@\"\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn transcodes_start_at_once_are_bounded_and_stop_when_the_client_leaves() {
    let Some(_ff) = ffmpeg() else { return };
    let tools = tempfile::tempdir().unwrap();
    let Some(a) = AudioApp::spawn_transcoding(&real_time_ffmpeg(tools.path()), 1).await else {
        return;
    };
    let id = track(&a, "Long", 20).await;
    let (_, listener) = a.user("listener").await;
    let url = format!("{}/v1/tracks/{id}/stream?format=mp3", a.base);

    let asked = Instant::now();
    let mut response = a
        .http
        .get(&url)
        .bearer_auth(&listener)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let first = response.chunk().await.unwrap().expect("a first chunk");
    let waited = asked.elapsed();
    assert!(!first.is_empty());
    assert!(
        waited < Duration::from_secs(2),
        "the first bytes come while ffmpeg runs (a 20 s transcode), after {waited:?}"
    );

    // The one slot is taken: another transcode is refused, and says when to retry.
    let other = fetch(
        &a,
        &format!("/v1/tracks/{id}/stream?format=opus"),
        Some(&listener),
        &[],
    )
    .await;
    assert_eq!(other.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(other.headers.contains_key(header::RETRY_AFTER));
    assert!(
        problem(&other).contains("transcoding slots"),
        "{}",
        problem(&other)
    );

    // The client leaves: ffmpeg is stopped, its half-written file deleted, the slot free.
    drop(response);
    let tmp = a.dir.path().join("transcodes").join("tmp");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // A new transcode gets the slot (and is left at once, stopping it in turn).
        let freed = files_in(&tmp).is_empty() && {
            let r = a
                .http
                .get(format!("{}/v1/tracks/{id}/stream?format=aac", a.base))
                .bearer_auth(&listener)
                .send()
                .await
                .unwrap();
            r.status() == StatusCode::OK
        };
        if freed {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the abandoned transcode was not stopped"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        files_in(&a.dir.path().join("transcodes"))
            .iter()
            .all(|f| !f.ends_with(".mp3")),
        "nothing half-made is in the cache"
    );
}
