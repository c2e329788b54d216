//! The OpenAPI document tells the truth: schemathesis (from PyPI) reads `/v1/openapi.json` of a
//! running Medley, generates requests from it (examples, boundary values, random valid and
//! invalid data, and chains of operations that use one answer's ids in the next request) and
//! checks every answer against the document: its status is declared, its body matches the
//! declared schema and media type, valid data is accepted, invalid data refused, and no request
//! gets a 5xx. Any finding fails this test with schemathesis's report.
//!
//! Skipped (with a message) when schemathesis cannot be imported, unless
//! `MEDLEY_REQUIRE_SCHEMATHESIS=1` (set in CI). `MEDLEY_PYTHON` picks the interpreter.
//! What is left out, and why, is in `tests/schemathesis/schemathesis.toml` and docs/API.md
//! ("How the document is checked").

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::harness::TestApp;
use crate::python::{importable, python, required};

/// A bound on the whole run, far above its usual length (about 2.5 minutes on two cores):
/// schemathesis's own phases are bounded by the example count below.
const DEADLINE: Duration = Duration::from_secs(600);

#[tokio::test]
async fn schemathesis_finds_nothing() {
    let python = python();
    if let Err(why) = importable(&python, "schemathesis").await {
        if required("MEDLEY_REQUIRE_SCHEMATHESIS") {
            panic!(
                "MEDLEY_REQUIRE_SCHEMATHESIS is set but schemathesis cannot be imported by `{python}`: {why}\n\
                 install it with `{python} -m pip install 'schemathesis>=4,<5'` (or point MEDLEY_PYTHON at an interpreter that has it)"
            );
        }
        eprintln!(
            "skipped: schemathesis_finds_nothing: schemathesis is not importable by `{python}` ({why}); \
             `pip install 'schemathesis>=4,<5'` to run it, MEDLEY_REQUIRE_SCHEMATHESIS=1 to make this a failure"
        );
        return;
    }

    // A Spotify side (the emulator) so that the connection operations answer as on a server
    // with Spotify configured.
    let emu = medley_spotify_emulator::spawn(medley_spotify_emulator::Config::default())
        .await
        .expect("the Spotify emulator");
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    // The first account is the administrator: the admin operations are checked too.
    let (_, token) = app.user("schemathesis").await;
    // Something to find: tracks in the catalog and a playlist holding them.
    let uris = app.tracks(&token, 3).await;
    let playlist = app
        .playlist(&token, serde_json::json!({"name": "Checked"}))
        .await;
    let r = app
        .post(
            &format!("/v1/playlists/{playlist}/items"),
            Some(&token),
            serde_json::json!({ "uris": uris }),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);

    let config =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis/schemathesis.toml");
    // Run where hypothesis may leave its example database (`.hypothesis/`) without littering.
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let mut command = Command::new(&python);
    command
        .args(["-m", "schemathesis.cli", "--no-color", "--config-file"])
        .arg(&config)
        .arg("run")
        .arg(format!("{}/v1/openapi.json", app.base))
        .args(["--checks", "all"])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        // One worker: with two, hypothesis failed inside Python 3.11 ("AST constructor
        // recursion depth mismatch"), a failure of the tool rather than of the server.
        .args(["--max-examples", "40", "--seed", "17", "--workers", "1"])
        .arg("--header")
        .arg(format!("Authorization: Bearer {token}"))
        .args(["--request-timeout", "30"])
        // Generating examples is slow on a busy machine (CI runs every suite at once); that says
        // nothing about the document or the server.
        .args(["--suppress-health-check", "too_slow"]);
    let run = command
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(scratch.path())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(DEADLINE, run)
        .await
        .unwrap_or_else(|_| panic!("schemathesis did not finish within {DEADLINE:?}"))
        .unwrap_or_else(|e| panic!("could not run `{python} -m schemathesis.cli`: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found something ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
    // It checked the document's operations, not an empty selection: all but those left out.
    let selected = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("Operations:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok());
    assert!(
        selected.is_some_and(|n| n > 100),
        "schemathesis checked {selected:?} operations:\n{stdout}"
    );
}
