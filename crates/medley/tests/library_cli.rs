//! `medley library scan` as a user runs it: a report on standard output, the same numbers as
//! JSON, an incremental rescan, and a clear failure for a folder that is not there.

mod common;

use medley_audio::testing::{wav, Written};

/// Runs `medley --data-dir DATA ARGS…`: whether it succeeded, its output and its errors.
async fn medley(data_dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    common::run(common::medley(data_dir).args(args)).await
}

#[tokio::test]
async fn library_scan_reports_what_it_did_and_rescans_incrementally() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir_all(music.join("Album")).unwrap();
    for (i, title) in ["First", "Second"].into_iter().enumerate() {
        let tags = Written::song(title, "CLI Band", "Album");
        let bytes = wav(800, 300.0 + 100.0 * i as f64, &tags);
        std::fs::write(music.join(format!("Album/{i}.wav")), bytes).unwrap();
    }
    std::fs::write(music.join("Album/broken.flac"), b"fLaC but nothing after").unwrap();
    let data = dir.path().join("data");
    let music_arg = music.to_str().unwrap();

    let (ok, out, err) = medley(&data, &["library", "scan", music_arg]).await;
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("3 files: 2 added"), "{out}");
    assert!(out.contains("1 failed"), "{out}");
    assert!(out.contains("failed: Album/broken.flac:"), "{out}");
    assert!(out.contains("2 tracks added to the catalog"), "{out}");
    // The objects folder is not used by a scan in place.
    assert!(!data.join("audio").exists());

    let (ok, out, err) = medley(&data, &["library", "scan", "--json", music_arg]).await;
    assert!(ok, "{out}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(
        (&report["unchanged"], &report["added"]),
        (&2.into(), &0.into()),
        "{report}"
    );

    // --copy puts the bytes in the storage folder.
    let (ok, out, err) = medley(&data, &["library", "scan", "--copy", music_arg]).await;
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("2 copied into the audio storage"), "{out}");
    let objects: Vec<_> = walk(&data.join("audio"));
    assert_eq!(objects.len(), 2, "{objects:?}");

    let (ok, out, err) = medley(&data, &["library", "scan", "/no/such/folder"]).await;
    assert!(!ok, "{out}");
    assert!(
        err.contains("there is no folder `/no/such/folder`"),
        "{err}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// `serve` streams what `library scan` found, through a signed URL: the storage, the scan and
/// the signing key (from the secret key file) as the binary sets them up.
#[tokio::test]
async fn served_tracks_stream_through_signed_urls() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir_all(&music).unwrap();
    let bytes = wav(700, 550.0, &Written::song("Served", "Binary", "Album"));
    std::fs::write(music.join("served.wav"), &bytes).unwrap();
    let data = dir.path().join("data");
    let (ok, out, err) = medley(&data, &["library", "scan", music.to_str().unwrap()]).await;
    assert!(ok, "{out}\n{err}");

    let (child, base, _, _out) = common::serve(&data, &[]).await;
    let http = reqwest::Client::new();
    let token = common::sign_up(&http, &base, "ana").await;
    let token = token.as_str();
    let found: serde_json::Value = http
        .get(format!("{base}/v1/search?q=served&type=track"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = found["tracks"]["items"][0]["id"]
        .as_str()
        .expect("the scanned track is found");
    let link: serde_json::Value = http
        .get(format!("{base}/v1/tracks/{id}/stream-url"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let got = http
        .get(link["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), reqwest::StatusCode::OK);
    assert_eq!(got.headers()["content-type"], "audio/wav");
    assert!(got.bytes().await.unwrap() == bytes);
    assert!(
        data.join("secret.key").exists(),
        "the signing key derives from the secret key"
    );
    common::terminate(child).await;
}

/// `library scan --watch` keeps watching after its scan: a file copied in is reported added
/// within seconds, a deleted one gone; SIGTERM ends it cleanly.
#[tokio::test]
async fn library_scan_watch_picks_up_changes_until_stopped() {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir_all(&music).unwrap();
    let mut child = common::medley(&dir.path().join("data"))
        .args(["library", "scan", "--watch", music.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    wait_for(&mut lines, "Watching").await;
    let song = wav(600, 400.0, &Written::song("Watched", "CLI Band", "Live"));
    std::fs::write(dir.path().join("song.wav"), &song).unwrap();
    std::fs::copy(dir.path().join("song.wav"), music.join("song.wav")).unwrap();
    let line = wait_for(&mut lines, "Changed:").await;
    assert!(line.contains("1 added"), "{line}");
    std::fs::remove_file(music.join("song.wav")).unwrap();
    let line = wait_for(&mut lines, "Changed:").await;
    assert!(line.contains("1 gone"), "{line}");
    common::terminate(child).await;
}

/// The next line of `lines` containing `needle` (within 20 s).
async fn wait_for(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    needle: &str,
) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let line = lines.next_line().await.unwrap().expect("still running");
            if line.contains(needle) {
                return line;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no `{needle}` in time"))
}
