//! Streams sent by an nginx in front (`offload_prefix`, docs/OPERATIONS.md): Medley authorizes
//! the request and names the file (`X-Accel-Redirect`), and nginx sends its bytes, ranges
//! included; a request Medley refuses never reaches a file, and the internal location cannot
//! be asked for from outside.

use medley_app::library::AudioSettings;
use medley_audio::testing::nginx::{nginx_binary, Nginx};
use medley_audio::testing::{wav, Written};
use medley_store::Backend;
use reqwest::StatusCode;

use crate::audio_harness::AudioApp;

#[tokio::test]
async fn nginx_in_front_sends_the_files_medley_names() {
    let Some(program) = nginx_binary() else {
        return;
    };
    let settings = AudioSettings {
        offload_prefix: Some("/internal/files/".into()),
        ..AudioSettings::default()
    };
    let a = AudioApp::spawn_with(Backend::Sqlite, None, settings)
        .await
        .unwrap();
    // A file read in place, whose path needs escaping, and an upload kept in Medley's folder.
    let tags = Written::song("Über Café", "Ünï Band", "Marks & Spaces");
    let scanned_path = a.put_wav("Ünï Band/01 Über Café #1?.wav", 2_000, 440.0, &tags);
    a.scan_music().await;
    let scanned = a.track_named("Über Café").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uploaded_bytes = wav(1_500, 330.0, &Written::song("Sent Up", "Band", "Album"));
    let r = a
        .upload_audio(Some(&a.admin), "up.wav", uploaded_bytes.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let uploaded = r.body["track"]["id"].as_str().unwrap().to_owned();

    let work = tempfile::tempdir().unwrap();
    let backend = a.base.trim_start_matches("http://");
    let front = Nginx::start(
        &program,
        work.path(),
        1,
        &format!("upstream medley {{ server {backend}; }}"),
        "location / { proxy_pass http://medley; proxy_set_header Host $host; }\n\
         location /internal/files/ { internal; alias /; }",
    )
    .unwrap();
    let http = reqwest::Client::new();
    let get = |base: &str, id: &str, range: Option<&str>, token: Option<&str>| {
        let mut request = http.get(format!("{base}/v1/tracks/{id}/stream"));
        if let Some(range) = range {
            request = request.header("range", range);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let scanned_bytes = std::fs::read(&scanned_path).unwrap();
    for (id, bytes) in [(&scanned, &scanned_bytes), (&uploaded, &uploaded_bytes)] {
        let r = get(&front.base, id, None, Some(&a.admin)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "audio/wav");
        assert!(
            r.headers().get("x-accel-redirect").is_none(),
            "nginx keeps it"
        );
        assert_eq!(
            &r.bytes().await.unwrap()[..],
            &bytes[..],
            "the file's bytes"
        );

        let r = get(&front.base, id, Some("bytes=100-199"), Some(&a.admin))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            r.headers()["content-range"],
            format!("bytes 100-199/{}", bytes.len()).as_str()
        );
        assert_eq!(&r.bytes().await.unwrap()[..], &bytes[100..200]);
    }

    // Medley itself answers with the file's name and no bytes.
    let r = get(&a.base, &scanned, None, Some(&a.admin)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let named = r.headers()["x-accel-redirect"].to_str().unwrap().to_owned();
    assert!(
        named.starts_with("/internal/files/")
            && named.contains("%C3%9Cber%20Caf%C3%A9%20%231%3F.wav"),
        "{named}"
    );
    assert!(r.bytes().await.unwrap().is_empty());

    // Refused by Medley: nothing of the file.
    let r = get(&front.base, &scanned, None, None).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("sign in"));
    let r = http
        .get(format!("{}{named}", front.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "internal only");
}
