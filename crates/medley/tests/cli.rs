//! The `medley` binary as a user runs it: user commands, `serve --demo`, graceful shutdown.

mod common;

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use common::{medley, run, serve, terminate, DEADLINE};

#[tokio::test]
async fn user_commands_manage_accounts_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(medley(dir.path())
        .args(["user", "add", "ana"])
        .env("MEDLEY_PASSWORD", "ana-password"))
    .await;
    assert!(ok, "{err}");
    assert!(
        out.contains("created user ana") && out.contains("administrator"),
        "{out}"
    );
    let (ok, _, err) = run(medley(dir.path())
        .args(["user", "add", "ana"])
        .env("MEDLEY_PASSWORD", "ana-password"))
    .await;
    assert!(!ok && err.contains("taken"), "{err}");
    let (ok, _, err) = run(medley(dir.path())
        .args(["user", "add", "bob"])
        .env("MEDLEY_PASSWORD", "short"))
    .await;
    assert!(!ok && err.contains("password"), "{err}");
    let (ok, out, _) = run(medley(dir.path()).args(["user", "list"])).await;
    assert!(ok && out.contains("ana") && !out.contains("bob"), "{out}");
    let (ok, token, err) =
        run(medley(dir.path()).args(["user", "token", "ana", "--label", "script"])).await;
    assert!(ok, "{err}");
    let token = token.trim().to_owned();
    let (ok, _, err) = run(medley(dir.path())
        .args(["user", "passwd", "nobody"])
        .env("MEDLEY_PASSWORD", "whatever1"))
    .await;
    assert!(!ok && err.contains("no user named"), "{err}");

    // One worker thread, as for several nodes sharing a machine: the server runs the same.
    let (child, url, _, _) = serve(dir.path(), &["--workers", "1"]).await;
    let http = reqwest::Client::new();
    let me: serde_json::Value = http
        .get(format!("{url}/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["display_name"], "ana",
        "the CLI token works against the server"
    );
    terminate(child).await;
}

#[tokio::test]
async fn user_delete_removes_an_account_while_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["ana", "bob"] {
        let (ok, _, err) = run(medley(dir.path())
            .args(["user", "add", name])
            .env("MEDLEY_PASSWORD", format!("{name}-password")))
        .await;
        assert!(ok, "{err}");
    }
    let (ok, token, err) = run(medley(dir.path()).args(["user", "token", "bob"])).await;
    assert!(ok, "{err}");
    let token = token.trim().to_owned();
    let (child, url, _, _) = serve(dir.path(), &[]).await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{url}/v1/me/playlists"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Bob's"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let playlist = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Refusals delete nothing: nobody at a terminal to confirm, the last administrator, a
    // name that is nobody's.
    let (ok, _, err) = run(medley(dir.path()).args(["user", "delete", "bob"])).await;
    assert!(!ok && err.contains("pass --yes"), "{err}");
    let (ok, _, err) = run(medley(dir.path()).args(["user", "delete", "ana", "--yes"])).await;
    assert!(!ok && err.contains("only administrator account"), "{err}");
    let (ok, _, err) = run(medley(dir.path()).args(["user", "delete", "nobody", "--yes"])).await;
    assert!(!ok && err.contains("no user named `nobody`"), "{err}");

    let (ok, out, err) = run(medley(dir.path()).args(["user", "delete", "bob", "--yes"])).await;
    assert!(ok, "{err}");
    assert!(out.contains("deleted the account bob"), "{out}");
    // The running server learns of it through the database's revocation counter.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let status = http
            .get(format!("{url}/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        if status == 401 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server still accepts a deleted account's token ({status})"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (ok, ana, err) = run(medley(dir.path()).args(["user", "token", "ana"])).await;
    assert!(ok, "{err}");
    let r = http
        .get(format!("{url}/v1/playlists/{playlist}"))
        .bearer_auth(ana.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "the playlist went with its owner");
    let (ok, out, _) = run(medley(dir.path()).args(["user", "list"])).await;
    assert!(ok && out.contains("ana") && !out.contains("bob"), "{out}");
    let (ok, _, err) = run(medley(dir.path())
        .args(["user", "add", "bob"])
        .env("MEDLEY_PASSWORD", "bob-password-2"))
    .await;
    assert!(ok, "the name is free again: {err}");
    terminate(child).await;
}

#[tokio::test]
async fn serve_demo_fills_a_catalog_and_prints_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let (child, url, printed, _out) = serve(dir.path(), &["--demo"]).await;
    let password = printed
        .iter()
        .find_map(|l| l.strip_prefix("Demo user: demo / password: "))
        .unwrap_or_else(|| panic!("no demo password printed: {printed:?}"))
        .to_owned();
    let http = reqwest::Client::new();
    let session: serde_json::Value = http
        .post(format!("{url}/v1/sessions"))
        .json(&serde_json::json!({"username": "demo", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["access_token"]
        .as_str()
        .expect("demo login works")
        .to_owned();
    let playlists: serde_json::Value = http
        .get(format!("{url}/v1/me/playlists"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(playlists["total"].as_i64().unwrap() >= 3, "{playlists}");
    let first = &playlists["items"][0];
    assert!(
        first["items"]["total"].as_i64().unwrap() >= 20,
        "demo playlists have tracks: {first}"
    );
    demo_tracks_play(
        &http,
        &url,
        &token,
        first["id"].as_str().unwrap(),
        dir.path(),
    )
    .await;
    let search: serde_json::Value = http
        .get(format!(
            "{url}/v1/search?q=ac%2Fdc&type=artist,album,track&limit=50"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(search["artists"]["items"][0]["name"], "AC/DC");
    assert!(search["albums"]["total"].as_i64().unwrap() >= 2);
    assert!(search["tracks"]["total"].as_i64().unwrap() >= 10);
    // A newcomer's statistics are not all zeros: a year of listening over the demo catalog.
    let stats = |path: &'static str| {
        let request = http.get(format!("{url}{path}")).bearer_auth(&token);
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let totals = stats("/v1/me/stats/totals").await;
    assert!(totals["plays"].as_i64().unwrap() > 3_000, "{totals}");
    let top = stats("/v1/me/stats/top/tracks?limit=5").await;
    let first = &top["items"][0];
    assert!(
        first["uri"]
            .as_str()
            .unwrap_or("")
            .starts_with("medley:track:"),
        "the history is of the demo catalog's tracks: {first}"
    );
    let year_ago = stats("/v1/me/stats/timeline?bucket=month").await;
    assert!(
        year_ago["points"].as_array().unwrap().len() >= 12,
        "a year, month by month: {year_ago}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("Demo listening history:")),
        "{printed:?}"
    );
    terminate(child).await;

    let (child, _, printed, _out) = serve(dir.path(), &["--demo"]).await;
    assert!(
        printed.iter().any(|l| l.contains("already has tracks")),
        "a second --demo keeps the data: {printed:?}"
    );
    terminate(child).await;
}

/// The demo plays: its tracks get generated clips in the background (waited for with a
/// deadline), streamed like any audio: a WAV ffprobe reads, ranges, an ETag, and different
/// bytes for different tracks.
async fn demo_tracks_play(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    playlist: &str,
    dir: &std::path::Path,
) {
    let items: serde_json::Value = http
        .get(format!("{url}/v1/playlists/{playlist}/items?limit=2"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut clips = Vec::new();
    for item in items["items"].as_array().unwrap() {
        let stream = format!(
            "{url}/v1/tracks/{}/stream",
            item["track"]["id"].as_str().unwrap()
        );
        let deadline = tokio::time::Instant::now() + DEADLINE;
        let r = loop {
            let r = http.get(&stream).bearer_auth(token).send().await.unwrap();
            if r.status() == reqwest::StatusCode::OK {
                break r;
            }
            assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND, "{stream}");
            assert!(
                tokio::time::Instant::now() < deadline,
                "no demo audio in time"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert_eq!(r.headers()["content-type"], "audio/wav");
        assert!(r.headers().contains_key("etag"));
        let bytes = r.bytes().await.unwrap().to_vec();
        let part = http
            .get(&stream)
            .bearer_auth(token)
            .header("range", "bytes=0-99")
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), reqwest::StatusCode::PARTIAL_CONTENT);
        assert_eq!(&part.bytes().await.unwrap()[..], &bytes[..100]);
        clips.push(bytes);
    }
    assert_eq!(clips.len(), 2);
    assert_ne!(clips[0], clips[1], "two tracks, two clips");
    if let Some(ff) = medley_audio::testing::ffmpeg() {
        let path = dir.join("clip.wav");
        std::fs::write(&path, &clips[0]).unwrap();
        let seen = ff.probe(&path);
        assert_eq!(seen.codec, "pcm_u8", "{seen:?}");
        assert!((2_000..=3_100).contains(&seen.duration_ms), "{seen:?}");
        assert!(
            !seen.tags.get("title").is_none_or(String::is_empty),
            "{seen:?}"
        );
    }
}

#[tokio::test]
async fn an_empty_server_says_how_to_create_the_first_user() {
    let dir = tempfile::tempdir().unwrap();
    let (child, _, printed, _out) = serve(dir.path(), &[]).await;
    assert!(
        printed.iter().any(|l| l.contains("medley user add")),
        "{printed:?}"
    );
    terminate(child).await;
}

#[tokio::test]
async fn bad_configuration_is_refused_with_the_setting_named() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(medley(dir.path()).args(["serve", "--registration", "maybe"])).await;
    assert!(!ok && err.contains("registration"), "{err}");
    let (ok, _, err) = run(medley(dir.path()).args(["serve", "--workers", "0"])).await;
    assert!(!ok && err.contains("workers must be at least 1"), "{err}");
    let (ok, _, err) =
        run(medley(dir.path()).args(["--database-url", "mysql://x", "user", "list"])).await;
    assert!(!ok && err.contains("unsupported database URL"), "{err}");
}

#[tokio::test]
async fn sync_job_commands_add_run_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(medley(dir.path())
        .args(["user", "add", "ana"])
        .env("MEDLEY_PASSWORD", "ana-password"))
    .await;
    assert!(ok, "{err}");
    let (_, token, _) = run(medley(dir.path()).args(["user", "token", "ana"])).await;
    let token = token.trim().to_owned();

    // Playlists and tracks come through the API.
    let (child, url, _, _out) = serve(dir.path(), &[]).await;
    let http = reqwest::Client::new();
    let post = |path: String, body: serde_json::Value| {
        http.post(format!("{url}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let tracks: serde_json::Value = post(
        "/v1/library/tracks".into(),
        serde_json::json!([
            {"name": "One", "artists": ["Band"], "duration_ms": 1000},
            {"name": "Two", "artists": ["Band"], "duration_ms": 1000}
        ]),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let uris: Vec<String> = tracks["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["uri"].as_str().unwrap().to_owned())
        .collect();
    let mut ids = Vec::new();
    for name in ["Source", "Target"] {
        let p: serde_json::Value =
            post("/v1/me/playlists".into(), serde_json::json!({"name": name}))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        ids.push(p["id"].as_str().unwrap().to_owned());
    }
    post(
        format!("/v1/playlists/{}/items", ids[0]),
        serde_json::json!({"uris": uris}),
    )
    .await
    .unwrap();
    terminate(child).await;

    let source = format!("medley:playlist:{}", ids[0]);
    let target = format!("medley:playlist:{}", ids[1]);
    let (ok, out, err) = run(medley(dir.path()).args([
        "sync-jobs",
        "add",
        "--user",
        "ana",
        "--source",
        &source,
        "--target",
        &target,
        "--schedule",
        "0 9 * * MON",
        "--timezone",
        "Europe/Berlin",
    ]))
    .await;
    assert!(ok, "{err}");
    let job = out
        .trim()
        .strip_prefix("created sync job ")
        .unwrap()
        .to_owned();
    let (ok, _, err) = run(medley(dir.path()).args([
        "sync-jobs",
        "add",
        "--user",
        "ana",
        "--source",
        &source,
        "--target",
        &target,
        "--schedule",
        "often",
    ]))
    .await;
    assert!(!ok && err.contains("cron"), "{err}");
    let (ok, out, err) = run(medley(dir.path()).args(["sync-jobs", "run", &job])).await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "added 2, skipped 0");
    let (ok, out, _) = run(medley(dir.path()).args(["sync-jobs", "run", &job])).await;
    assert!(ok && out.trim() == "added 0, skipped 2", "{out}");
    let (_, out, _) = run(medley(dir.path()).args(["sync-jobs", "runs", &job])).await;
    assert_eq!(
        out.lines().filter(|l| l.starts_with("manual")).count(),
        2,
        "{out}"
    );
    let (_, out, _) = run(medley(dir.path()).args(["sync-jobs", "list", "--user", "ana"])).await;
    assert!(out.contains(&job) && out.contains("Europe/Berlin"), "{out}");
    let (ok, _, _) = run(medley(dir.path()).args(["sync-jobs", "pause", &job])).await;
    assert!(ok);
    let (ok, _, _) = run(medley(dir.path()).args(["sync-jobs", "delete", &job])).await;
    assert!(ok);
    let (ok, _, err) = run(medley(dir.path()).args(["sync-jobs", "run", &job])).await;
    assert!(!ok && err.contains("no sync job"), "{err}");
}

#[tokio::test]
async fn import_and_stats_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(medley(dir.path())
        .args(["user", "add", "ana"])
        .env("MEDLEY_PASSWORD", "ana-password"))
    .await;
    assert!(ok, "{err}");
    let samples = "../../../shared/samples";
    let (ok, out, err) = run(medley(dir.path()).args(["import", "--user", "ana", samples])).await;
    assert!(ok, "{err}");
    assert!(out.contains("endsong_sample.json"), "{out}");
    assert!(
        out.contains("not a JSON file"),
        "the README is ignored and said so: {out}"
    );
    assert!(out.contains("17 plays added"), "{out}");
    // Again: nothing new.
    let (ok, out, _) = run(medley(dir.path()).args(["import", "--user", "ana", samples])).await;
    assert!(ok);
    assert!(out.contains("0 plays added"), "{out}");

    let (ok, out, err) = run(medley(dir.path()).args(["stats", "--user", "ana", "totals"])).await;
    assert!(ok, "{err}");
    let plays = out.lines().find(|l| l.starts_with("plays")).unwrap();
    assert!(
        plays.ends_with(" 8"),
        "17 plays, 8 of them tracks played 30 s or longer: {out}"
    );
    let (ok, out, _) = run(medley(dir.path()).args([
        "stats",
        "--user",
        "ana",
        "--tz",
        "Europe/Berlin",
        "top",
        "artists",
        "--limit",
        "3",
    ]))
    .await;
    assert!(ok);
    assert_eq!(out.lines().count(), 5, "header, 3 rows, total: {out}");
    let (ok, _, err) =
        run(medley(dir.path()).args(["stats", "--user", "ana", "--tz", "Nowhere/City", "totals"]))
            .await;
    assert!(!ok);
    assert!(err.contains("IANA"), "{err}");
    let (ok, _, err) = run(medley(dir.path()).args(["import", "--user", "nobody", samples])).await;
    assert!(!ok);
    assert!(err.contains("no user named nobody"), "{err}");

    // A rejected file makes the command fail after its report, so a script notices.
    let broken = dir.path().join("StreamingHistory_music_0.json");
    std::fs::write(&broken, "[{\"endTime\": \"not a time\", ").unwrap();
    let good = format!("{samples}/endsong_sample.json");
    let (ok, out, err) =
        run(medley(dir.path()).args(["import", "--user", "ana", &good, broken.to_str().unwrap()]))
            .await;
    assert!(!ok, "a rejected file is a failure: {out}");
    assert!(
        out.contains("rejected"),
        "the report is printed first: {out}"
    );
    assert!(err.contains("1 of 2 files were rejected"), "{err}");
}

#[tokio::test]
async fn spotify_connect_catches_the_redirect_on_a_loopback_port() {
    let emu = medley_spotify_emulator::spawn(Default::default())
        .await
        .unwrap();
    emu.control().user("alice").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spotify = |cmd: &mut Command| {
        cmd.env("MEDLEY_SPOTIFY_CLIENT_ID", "medley-cli")
            .env("MEDLEY_SPOTIFY_API_URL", emu.api_url())
            .env("MEDLEY_SPOTIFY_ACCOUNTS_URL", emu.accounts_url());
    };
    let (ok, _, err) = run(medley(dir.path())
        .args(["user", "add", "ana"])
        .env("MEDLEY_PASSWORD", "a long password"))
    .await;
    assert!(ok, "{err}");

    let mut connect = medley(dir.path());
    spotify(&mut connect);
    let mut child = connect
        .args(["spotify", "connect", "--user", "ana", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let url = tokio::time::timeout(DEADLINE, async {
        loop {
            let mut line = String::new();
            assert!(
                lines.read_line(&mut line).await.unwrap() > 0,
                "exited early"
            );
            if let Some(url) = line.trim().strip_prefix("http") {
                return format!("http{url}");
            }
        }
    })
    .await
    .expect("the URL was printed");
    assert!(
        url.starts_with(&format!("{}/authorize?", emu.accounts_url())),
        "{url}"
    );
    // The browser: Spotify approves and sends it to the CLI's loopback listener.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = browser.get(&url).send().await.unwrap();
    let location = back.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    let page = browser
        .get(&location)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("close this window"), "{page}");
    let status = tokio::time::timeout(DEADLINE, child.wait())
        .await
        .unwrap()
        .unwrap();
    let mut rest = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut lines, &mut rest)
        .await
        .unwrap();
    assert!(status.success(), "{rest}");
    assert!(
        rest.contains("Connected the Spotify account alice"),
        "{rest}"
    );

    let mut list = medley(dir.path());
    spotify(&mut list);
    let (ok, out, err) = run(list.args(["spotify", "list", "--user", "ana"])).await;
    assert!(ok, "{err}");
    assert!(out.contains("alice") && out.contains("active"), "{out}");
    // The tokens are in the database sealed, with the key in a file beside it.
    assert!(dir.path().join("secret.key").exists());
}
