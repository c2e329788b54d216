//! Streams through real HTTP: the original bytes, ranges (206, 416), conditional requests
//! (304, If-Range), HEAD, signed URLs, tracks without audio, files gone from disk, S3.

use medley_audio::testing::{ffmpeg, wav, Encoding, Written};
use medley_store::Backend;
use reqwest::header::{self, HeaderMap};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::audio_harness::AudioApp;
use crate::on_both_backends;

on_both_backends!(
    streams_serve_the_original_bytes_with_ranges_and_validators,
    a_track_without_audio_is_a_404_that_says_so,
);

pub(crate) struct Fetched {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Fetched {
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_else(|| panic!("no {name} header"))
    }
}

pub(crate) async fn fetch(
    a: &AudioApp,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Fetched {
    fetch_as(a, reqwest::Method::GET, url, token, headers).await
}

pub(crate) async fn fetch_as(
    a: &AudioApp,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Fetched {
    let url = if url.starts_with("http") {
        url.to_owned()
    } else {
        format!("{}{url}", a.base)
    };
    let mut req = a.http.request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("request sent");
    Fetched {
        status: res.status(),
        headers: res.headers().clone(),
        body: res.bytes().await.unwrap().to_vec(),
    }
}

/// Scans one generated WAV; returns (track id, the file's bytes).
pub(crate) async fn one_track(a: &AudioApp, title: &str) -> (String, Vec<u8>) {
    let (id, path) = a.scanned_wav(title, 2_000).await;
    (id, std::fs::read(path).unwrap())
}

async fn streams_serve_the_original_bytes_with_ranges_and_validators(backend: Backend) {
    let Some(a) = AudioApp::spawn(backend).await else {
        return;
    };
    let (id, bytes) = one_track(&a, "Ranged").await;
    let (_, listener) = a.user("listener").await;
    let url = format!("/v1/tracks/{id}/stream");
    let size = bytes.len();

    let full = fetch(&a, &url, Some(&listener), &[]).await;
    assert_eq!(full.status, StatusCode::OK);
    assert!(full.body == bytes, "the original bytes");
    assert_eq!(full.header(header::CONTENT_TYPE), "audio/wav");
    assert_eq!(full.header(header::CONTENT_LENGTH), size.to_string());
    assert_eq!(full.header(header::ACCEPT_RANGES), "bytes");
    let etag = full.header(header::ETAG).to_owned();
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    let modified = full.header(header::LAST_MODIFIED).to_owned();
    assert!(modified.ends_with(" GMT"), "{modified}");

    let cases: [(&str, StatusCode, std::ops::Range<usize>); 7] = [
        ("bytes=0-99", StatusCode::PARTIAL_CONTENT, 0..100),
        ("bytes=100-", StatusCode::PARTIAL_CONTENT, 100..size),
        ("bytes=-50", StatusCode::PARTIAL_CONTENT, size - 50..size),
        (
            "bytes=1000-1000000000",
            StatusCode::PARTIAL_CONTENT,
            1000..size,
        ),
        ("bytes=0-", StatusCode::OK, 0..size),
        ("bytes=9-3", StatusCode::OK, 0..size),
        ("bytes=0-1,5-9", StatusCode::OK, 0..size),
    ];
    for (range, status, expected) in cases {
        let r = fetch(&a, &url, Some(&listener), &[("range", range)]).await;
        assert_eq!(r.status, status, "{range}");
        assert!(r.body == bytes[expected.clone()], "{range}: wrong bytes");
        assert_eq!(
            r.header(header::CONTENT_LENGTH),
            expected.len().to_string(),
            "{range}"
        );
        if status == StatusCode::PARTIAL_CONTENT {
            let expected_range = format!("bytes {}-{}/{size}", expected.start, expected.end - 1);
            assert_eq!(r.header(header::CONTENT_RANGE), expected_range, "{range}");
        }
    }
    for past_the_end in [
        format!("bytes={size}-"),
        format!("bytes={}-{}", size + 10, size + 20),
        "bytes=-0".into(),
    ] {
        let r = fetch(&a, &url, Some(&listener), &[("range", &past_the_end)]).await;
        assert_eq!(
            r.status,
            StatusCode::RANGE_NOT_SATISFIABLE,
            "{past_the_end}"
        );
        assert_eq!(r.header(header::CONTENT_RANGE), format!("bytes */{size}"));
        let problem: Value = serde_json::from_slice(&r.body).unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains("past the end"),
            "{problem}"
        );
    }

    // Conditional requests.
    let r = fetch(&a, &url, Some(&listener), &[("if-none-match", &etag)]).await;
    assert_eq!((r.status, r.body.len()), (StatusCode::NOT_MODIFIED, 0));
    assert_eq!(r.header(header::ETAG), etag);
    let r = fetch(
        &a,
        &url,
        Some(&listener),
        &[("if-none-match", "\"stale\", W/\"older\"")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = fetch(
        &a,
        &url,
        Some(&listener),
        &[("if-modified-since", &modified)],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    let r = fetch(
        &a,
        &url,
        Some(&listener),
        &[("if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = fetch(
        &a,
        &url,
        Some(&listener),
        &[("range", "bytes=10-19"), ("if-range", &etag)],
    )
    .await;
    assert_eq!(
        (r.status, r.body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &bytes[10..20])
    );
    let r = fetch(
        &a,
        &url,
        Some(&listener),
        &[("range", "bytes=10-19"), ("if-range", &modified)],
    )
    .await;
    assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
    let r = fetch(
        &a,
        &url,
        Some(&listener),
        &[("range", "bytes=10-19"), ("if-range", "\"changed\"")],
    )
    .await;
    assert!(
        r.status == StatusCode::OK && r.body == bytes,
        "a changed file is sent whole"
    );

    // HEAD says everything but sends nothing.
    let r = fetch_as(&a, reqwest::Method::HEAD, &url, Some(&listener), &[]).await;
    assert_eq!((r.status, r.body.len()), (StatusCode::OK, 0));
    assert_eq!(r.header(header::CONTENT_LENGTH), size.to_string());
    assert_eq!(r.header(header::ETAG), etag);

    // Rewritten in place, and not scanned since: a range is of the file as it is now, with
    // validators of its own (the server remembered the file as scanned).
    let longer = wav(3_000, 331.0, &Written::song("Ranged", "Streamer", "Live"));
    std::fs::write(a.music().join("Ranged.wav"), &longer).unwrap();
    let r = fetch(&a, &url, Some(&listener), &[("range", "bytes=0-99")]).await;
    assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
    assert!(
        r.body == longer[..100],
        "the bytes of the file as it is now"
    );
    assert_eq!(
        r.header(header::CONTENT_RANGE),
        format!("bytes 0-99/{}", longer.len())
    );
    assert_ne!(r.header(header::ETAG), etag);

    // Without a token: 401 that says how.
    let r = fetch(&a, &url, None, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let problem: Value = serde_json::from_slice(&r.body).unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("stream-url"),
        "{problem}"
    );
}

async fn a_track_without_audio_is_a_404_that_says_so(backend: Backend) {
    let Some(a) = AudioApp::spawn(backend).await else {
        return;
    };
    let r = a
        .post(
            "/v1/library/tracks",
            Some(&a.admin),
            json!({"name": "Silent", "artists": ["Nobody"], "duration_ms": 1000}),
        )
        .await;
    let silent = r.body["tracks"][0]["id"].as_str().unwrap().to_owned();
    for url in [
        format!("/v1/tracks/{silent}/stream"),
        format!("/v1/tracks/{silent}/stream-url"),
    ] {
        let r = a.get(&url, Some(&a.admin)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{url}");
        assert!(
            r.body["detail"].as_str().unwrap().contains("has no audio"),
            "{}",
            r.body
        );
    }
    let r = a.get("/v1/tracks/nosuchtrack/stream", Some(&a.admin)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{}",
        r.body
    );

    // Two files of one recording: when the better one disappears from disk, the other plays;
    // when both are gone, the 404 says the file is missing.
    let tags = Written::song("Twice", "Dup", "D");
    let better = a.put_wav("twice-a.wav", 2_000, 200.0, &tags);
    let worse = a.put_wav("twice-b.wav", 1_500, 201.0, &tags);
    a.scan_music().await;
    let id = a.track_named("Twice").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("/v1/tracks/{id}/stream");
    let first = fetch(&a, &url, Some(&a.admin), &[]).await.body;
    let (gone, other) = if first == std::fs::read(&better).unwrap() {
        (better, worse)
    } else {
        (worse, better)
    };
    let expected = std::fs::read(&other).unwrap();
    std::fs::remove_file(&gone).unwrap();
    let r = fetch(&a, &url, Some(&a.admin), &[("range", "bytes=0-99")]).await;
    assert!(
        r.status == StatusCode::PARTIAL_CONTENT && r.body == expected[..100],
        "a range comes from the remaining file"
    );
    let r = fetch(&a, &url, Some(&a.admin), &[]).await;
    assert!(
        r.status == StatusCode::OK && r.body == expected,
        "the remaining file plays"
    );
    std::fs::remove_file(&other).unwrap();
    let r = a.get(&url, Some(&a.admin)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.body["detail"].as_str().unwrap().contains("missing"),
        "{}",
        r.body
    );

    // Asked again, the answer is the same (now from what the server remembers of the track's
    // files); a file of it scanned again plays at once: the scan's writes dropped that.
    assert_eq!(
        a.get(&url, Some(&a.admin)).await.status,
        StatusCode::NOT_FOUND
    );
    let back = a.put_wav("twice-c.wav", 1_800, 202.0, &tags);
    a.scan_music().await;
    let r = fetch(&a, &url, Some(&a.admin), &[]).await;
    assert!(
        r.status == StatusCode::OK && r.body == std::fs::read(&back).unwrap(),
        "the file scanned again plays: {}",
        r.status
    );
}

#[tokio::test]
async fn signed_urls_stream_without_headers_and_only_as_signed() {
    let a = AudioApp::spawn(Backend::Sqlite).await.unwrap();
    let (id, bytes) = one_track(&a, "Signed").await;
    let (listener_id, listener) = a.user("listener").await;
    let r = a.get(&format!("/v1/tracks/{id}/stream-url"), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = a
        .get(&format!("/v1/tracks/{id}/stream-url"), Some(&listener))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (&r.body["content_type"], &r.body["size"]),
        (&json!("audio/wav"), &json!(bytes.len()))
    );
    let url = r.body["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&a.base), "{url}");
    let got = fetch(&a, &url, None, &[("range", "bytes=0-9")]).await;
    assert_eq!(
        (got.status, got.body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &bytes[..10])
    );
    assert!(fetch(&a, &url, None, &[]).await.body == bytes);

    let refused = |url: String, needle: &'static str| {
        let a = &a;
        async move {
            let r = a.get(&url, None).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{url}");
            let detail = r.body["detail"].as_str().unwrap().to_owned();
            assert!(detail.contains(needle), "{detail}");
        }
    };
    let tampered = format!("{}x", url.trim_end_matches(|c| c != '='));
    refused(tampered, "not valid").await;
    refused(url.replace(&listener_id, &a.admin_id), "not valid").await;
    let (other, _) = one_track(&a, "Other").await;
    refused(url.replace(&id, &other), "not valid").await;
    let expires: i64 = url
        .split("expires=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    refused(
        url.replace(
            &format!("expires={expires}"),
            &format!("expires={}", expires + 1),
        ),
        "not valid",
    )
    .await;
    let past = medley_app::now_ms() / 1000 - 10;
    let signature = a.state.app.audio.signer.sign(&id, &listener_id, past);
    let expired =
        format!("/v1/tracks/{id}/stream?user={listener_id}&expires={past}&signature={signature}");
    refused(format!("{}{expired}", a.base), "expired").await;
    refused(
        format!("{}/v1/tracks/{id}/stream?user={listener_id}", a.base),
        "user",
    )
    .await;
}

#[tokio::test]
async fn every_format_streams_with_its_media_type() {
    let Some(ff) = ffmpeg() else { return };
    let a = AudioApp::spawn(Backend::Sqlite).await.unwrap();
    for encoding in Encoding::ALL {
        let title = format!("Typed {}", encoding.extension());
        ff.make(
            &a.music(),
            &title,
            encoding,
            1_000,
            440.0,
            &Written::song(&title, "Types", "T"),
        );
    }
    // WAV bytes named .mp3: served as what they are.
    a.put_wav(
        "liar.mp3",
        1_000,
        220.0,
        &Written::song("Typed liar", "Types", "T"),
    );
    a.scan_music().await;
    for (title, content_type) in [
        ("Typed flac", "audio/flac"),
        ("Typed mp3", "audio/mpeg"),
        ("Typed ogg", "audio/ogg"),
        ("Typed opus", "audio/ogg; codecs=opus"),
        ("Typed m4a", "audio/mp4"),
        ("Typed liar", "audio/wav"),
    ] {
        let id = a.track_named(title).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = fetch(
            &a,
            &format!("/v1/tracks/{id}/stream"),
            Some(&a.admin),
            &[("range", "bytes=0-3")],
        )
        .await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{title}");
        assert_eq!(r.header(header::CONTENT_TYPE), content_type, "{title}");
    }
}

#[tokio::test]
async fn streams_from_s3_serve_ranges() {
    let Some(a) = AudioApp::spawn_s3().await else {
        return;
    };
    let (id, bytes) = one_track(&a, "Cloudy").await;
    let url = format!("/v1/tracks/{id}/stream");
    let r = fetch(&a, &url, Some(&a.admin), &[]).await;
    assert!(r.status == StatusCode::OK && r.body == bytes);
    let r = fetch(&a, &url, Some(&a.admin), &[("range", "bytes=5000-5999")]).await;
    assert_eq!(
        (r.status, r.body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &bytes[5000..6000])
    );
    // The copy in the store plays even once the scanned original is gone.
    std::fs::remove_file(a.music().join("Cloudy.wav")).unwrap();
    let r = fetch(&a, &url, Some(&a.admin), &[("range", "bytes=-100")]).await;
    assert_eq!(
        (r.status, r.body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &bytes[bytes.len() - 100..])
    );
}
