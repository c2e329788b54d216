//! A real third-party Subsonic client, py-opensonic (`libopensonic`, from PyPI), driven
//! against Medley by `tests/subsonic/flow.py`: ping, extensions, search3 (everything, a page,
//! a word), getAlbum, createPlaylist and reading it back, a stream whose bytes are the file's,
//! a scrobble, stars; then token and password authentication with the Subsonic password.
//!
//! Skipped (with a message) when `libopensonic` cannot be imported, unless
//! `MEDLEY_REQUIRE_SUBSONIC_CLIENT=1` (set in CI), which turns that into a failure.
//! `MEDLEY_PYTHON` picks the interpreter (default `python3`).

use std::process::Stdio;
use std::time::Duration;

use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::process::Command;

use super::Sub;
use crate::python::{importable, python, required};

const DEADLINE: Duration = Duration::from_secs(120);

#[tokio::test]
async fn py_opensonic_drives_the_subsonic_api() {
    let python = python();
    if let Err(why) = importable(&python, "libopensonic").await {
        if required("MEDLEY_REQUIRE_SUBSONIC_CLIENT") {
            panic!(
                "MEDLEY_REQUIRE_SUBSONIC_CLIENT is set but libopensonic cannot be imported by \
                 `{python}`: {why}\ninstall it with `{python} -m pip install py-opensonic`"
            );
        }
        eprintln!(
            "skipped: py_opensonic_drives_the_subsonic_api: libopensonic is not importable by \
             `{python}` ({why}); `pip install py-opensonic` to run it, \
             MEDLEY_REQUIRE_SUBSONIC_CLIENT=1 to make this a failure"
        );
        return;
    }
    let s = Sub::spawn(Backend::Sqlite).await.expect("SQLite");
    let r = s
        .put(
            "/v1/me/subsonic/password",
            Some(&s.admin),
            json!({"password": "for-my-players"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let (host, port) = s.base.rsplit_once(':').unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/subsonic/flow.py");
    let run = Command::new(&python)
        .arg(script)
        .env("SUBSONIC_HOST", host)
        .env("SUBSONIC_PORT", port)
        .env("SUBSONIC_API_KEY", &s.key)
        .env("SUBSONIC_USER", "admin")
        .env("SUBSONIC_PASSWORD", "for-my-players")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("the client finished in time")
        .expect("python ran");
    assert!(
        out.status.success(),
        "the client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));

    assert_eq!(seen["ping"], true);
    assert!(seen["extensions"]
        .as_array()
        .unwrap()
        .contains(&json!("apiKeyAuthentication")));
    assert_eq!(seen["all_songs"], json!(["Drone", "Hum", "Kick"]));
    assert_eq!(seen["all_albums"], json!(["Beats", "Waves"]));
    assert_eq!(seen["all_artists"], json!(["Pulse", "The Sines"]));
    assert_eq!(seen["page_of_songs"], json!(["Hum", "Drone"]));
    let hum = &seen["hum"];
    assert_eq!(hum["album"], "Waves");
    assert_eq!(hum["artist"], "The Sines");
    assert_eq!(hum["suffix"], "wav");
    assert_eq!(hum["genre"], "Ambient");
    assert_eq!(hum["year"], 2003);
    assert_eq!(seen["album"]["songs"], json!(["Hum", "Drone"]));
    assert_eq!(seen["album"]["song_count"], 2);

    // The playlist is Medley's, with the songs the client put in it.
    let playlist = seen["playlist"]["id"].as_str().unwrap();
    let hum_id = hum["id"].as_str().unwrap();
    let items = s.item_uris(&s.admin, playlist).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0], format!("medley:track:{hum_id}"));
    assert_eq!(seen["playlist"]["entries"][0], hum_id);

    // The stream is the file, byte for byte.
    let file = std::fs::read(s.music().join("The Sines/Waves/01 Hum.wav")).unwrap();
    let digest: String = Sha256::digest(&file)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(seen["stream"]["sha256"], digest.as_str());
    assert_eq!(seen["stream"]["content_type"], "audio/wav");

    // The scrobble is a play; the stars are a like and a starred album.
    assert_eq!(seen["scrobbled"], true);
    let recent = s
        .get("/v1/me/player/recently-played?limit=50", Some(&s.admin))
        .await;
    assert_eq!(
        recent.body["items"][0]["track"]["id"], hum_id,
        "{}",
        recent.body
    );
    assert_eq!(seen["starred_songs"], json!([hum_id]));
    assert_eq!(seen["starred_albums"], json!([hum["album_id"]]));
    let liked = s
        .get(
            &format!("/v1/me/tracks/contains?ids={hum_id}"),
            Some(&s.admin),
        )
        .await;
    assert_eq!(liked.body, json!([true]));

    // Token and (hex-encoded) password authentication.
    assert_eq!(seen["token_ping"], true);
    assert_eq!(seen["password_ping"], true);
}
