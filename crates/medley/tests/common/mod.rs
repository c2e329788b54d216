//! What the binary's tests share: running `medley` on a data folder, serving on a free port,
//! stopping it.
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

pub const DEADLINE: Duration = Duration::from_secs(120);

/// The binary the tests run: `MEDLEY_TEST_SERVER_BIN` when set (a release build, for the
/// benchmarks written as ignored tests), else the one built with the tests.
pub fn binary() -> std::path::PathBuf {
    match std::env::var_os("MEDLEY_TEST_SERVER_BIN") {
        Some(path) if !path.is_empty() => path.into(),
        _ => env!("CARGO_BIN_EXE_medley").into(),
    }
}

pub fn medley(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true);
    cmd
}

pub async fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = tokio::time::timeout(DEADLINE, cmd.output())
        .await
        .expect("command finished in time")
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Starts `serve` on a free port and reads its standard output until it says where it listens.
pub async fn serve(
    data_dir: &std::path::Path,
    extra: &[&str],
) -> (Child, String, Vec<String>, BufReader<ChildStdout>) {
    serve_with_env(data_dir, extra, &[]).await
}

/// [`serve`] with environment variables of its own.
pub async fn serve_with_env(
    data_dir: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Child, String, Vec<String>, BufReader<ChildStdout>) {
    serve_at(data_dir, "127.0.0.1:0", extra, env).await
}

/// As [`serve_with_env`], listening on `bind` (a restart on the port it had before).
pub async fn serve_at(
    data_dir: &std::path::Path,
    bind: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Child, String, Vec<String>, BufReader<ChildStdout>) {
    let mut child = medley(data_dir)
        .args(["serve", "--bind", bind])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    let url = tokio::time::timeout(DEADLINE, async {
        loop {
            let mut line = String::new();
            assert!(
                lines.read_line(&mut line).await.unwrap() > 0,
                "serve exited early: {seen:?}"
            );
            if let Some(rest) = line.strip_prefix("Medley is listening on ") {
                return rest.split_whitespace().next().unwrap().to_owned();
            }
            seen.push(line.trim_end().to_owned());
        }
    })
    .await
    .expect("the server announced its address in time");
    (child, url, seen, lines)
}

pub async fn terminate(mut child: Child) {
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = tokio::time::timeout(DEADLINE, child.wait())
        .await
        .expect("stopped in time")
        .unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits cleanly: {status:?}"
    );
}

/// Registers `username` on the server at `base` (the first user is its administrator) and
/// signs in; returns the session's bearer token.
pub async fn sign_up(http: &reqwest::Client, base: &str, username: &str) -> String {
    let account =
        serde_json::json!({"username": username, "password": format!("{username}-password")});
    let mut session = serde_json::Value::Null;
    for path in ["/v1/users", "/v1/sessions"] {
        let r = http
            .post(format!("{base}{path}"))
            .json(&account)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::CREATED, "{path}");
        session = r.json().await.unwrap();
    }
    session["access_token"].as_str().unwrap().to_owned()
}

/// Signs `username` in again: a new session's bearer token.
pub async fn sign_in(http: &reqwest::Client, base: &str, username: &str, password: &str) -> String {
    let r = http
        .post(format!("{base}/v1/sessions"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    r.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}
