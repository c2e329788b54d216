//! A real third-party Spotify client, spotipy (from PyPI), driven against Medley by
//! `tests/spotipy/flow.py`: profile, playlists, items (add, read, reorder, remove, insert),
//! snapshots and search, all through spotipy's own request building and response handling.
//!
//! Skipped (with a message) when spotipy cannot be imported, unless `MEDLEY_REQUIRE_SPOTIPY=1`,
//! which turns a missing spotipy into a failure (set it in CI). `MEDLEY_PYTHON` picks the
//! interpreter (default `python3`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::harness::TestApp;
use crate::python::{importable, python, required};

const DEADLINE: Duration = Duration::from_secs(120);

#[tokio::test]
async fn spotipy_drives_playlists_and_search() {
    let python = python();
    if let Err(why) = importable(&python, "spotipy").await {
        if required("MEDLEY_REQUIRE_SPOTIPY") {
            panic!(
                "MEDLEY_REQUIRE_SPOTIPY is set but spotipy cannot be imported by `{python}`: {why}\n\
                 install it with `{python} -m pip install spotipy` (or point MEDLEY_PYTHON at an interpreter that has it)"
            );
        }
        eprintln!(
            "skipped: spotipy_drives_playlists_and_search: spotipy is not importable by `{python}` ({why}); \
             `pip install spotipy` to run it, MEDLEY_REQUIRE_SPOTIPY=1 to make this a failure"
        );
        return;
    }

    let app = TestApp::spawn().await;
    let (user_id, token) = app.user("spotipy").await;
    let track_ids: Vec<String> = app
        .tracks(&token, 6)
        .await
        .iter()
        .map(|uri| {
            uri.strip_prefix("medley:track:")
                .unwrap_or_else(|| panic!("unexpected track URI {uri}"))
                .to_owned()
        })
        .collect();

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/spotipy/flow.py");
    let run = Command::new(&python)
        .arg(&script)
        .args([
            app.base.as_str(),
            token.as_str(),
            user_id.as_str(),
            "spotipy",
        ])
        .args(&track_ids)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(DEADLINE, run)
        .await
        .unwrap_or_else(|_| panic!("{} did not finish within {DEADLINE:?}", script.display()))
        .unwrap_or_else(|e| panic!("could not run `{python} {}`: {e}", script.display()));

    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "spotipy flow failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("spotipy flow: ok ("),
        "unexpected last line {last:?}:\n{stdout}\n{stderr}"
    );
    eprintln!("{last}");
}
