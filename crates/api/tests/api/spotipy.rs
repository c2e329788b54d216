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

const DEADLINE: Duration = Duration::from_secs(120);

fn python() -> String {
    std::env::var("MEDLEY_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

fn spotipy_required() -> bool {
    std::env::var("MEDLEY_REQUIRE_SPOTIPY").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Whether `python -c "import spotipy"` succeeds; the error text when it does not.
async fn spotipy_importable(python: &str) -> Result<(), String> {
    let out = Command::new(python)
        .args(["-c", "import spotipy"])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(30), out).await {
        Err(_) => Err(format!(
            "`{python} -c \"import spotipy\"` did not finish in 30 s"
        )),
        Ok(Err(e)) => Err(format!("could not run `{python}`: {e}")),
        Ok(Ok(o)) if o.status.success() => Ok(()),
        // The last line of the traceback: `ModuleNotFoundError: No module named 'spotipy'`.
        Ok(Ok(o)) => Err(String::from_utf8_lossy(&o.stderr)
            .trim()
            .lines()
            .last()
            .unwrap_or("no output")
            .to_owned()),
    }
}

#[tokio::test]
async fn spotipy_drives_playlists_and_search() {
    let python = python();
    if let Err(why) = spotipy_importable(&python).await {
        if spotipy_required() {
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
