//! `medley library scan` as a user runs it: a report on standard output, the same numbers as
//! JSON, an incremental rescan, and a clear failure for a folder that is not there.

use std::time::Duration;

use medley_audio::testing::{wav, Written};
use tokio::process::Command;

async fn medley(data_dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_medley"));
    cmd.arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("the command finished in time")
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
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
