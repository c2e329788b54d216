//! Listening history: imports of exports (upload, zip, report, re-import, overlaps, bad
//! files), and live plays (Medley's player, ListenBrainz submissions).

use std::io::Write;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use reqwest::StatusCode;
use serde_json::{json, Value};

use medley_store::Backend;

use crate::harness::{assert_problem, TestApp};
use crate::on_both_backends;

on_both_backends!(
    an_export_file_is_imported_once_and_accounted_for,
    a_whole_export_zip_is_imported_file_by_file,
    overlapping_exports_count_each_play_once,
    bad_uploads_get_precise_errors_and_store_nothing,
    an_upload_cut_off_midway_imports_nothing,
    player_plays_are_recorded_once_and_listed,
    scrobblers_submit_listens_the_listenbrainz_way,
    scrobbled_listens_without_a_duration_count_as_plays,
);

const SAMPLES: &str = "../../../shared/samples";

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{SAMPLES}/{name}")).expect("shared/samples beside the repository")
}

fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        out.start_file(*name, options).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn totals(import: &Value) -> &Value {
    &import["report"]["totals"]
}

async fn recent(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app
        .get("/v1/me/player/recently-played?limit=50", Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn an_export_file_is_imported_once_and_accounted_for(backend: Backend) {
    let app = TestApp::spawn_on(backend).await.unwrap();
    let (_, token) = app.user("ana").await;
    let done = app
        .import(
            &token,
            "endsong_skipped.json",
            sample("endsong_skipped_sample.json"),
        )
        .await;
    assert_eq!(done["status"], "done", "{done}");
    let t = totals(&done);
    assert_eq!(t["rows"], 15);
    let accounted = ["added", "duplicate", "replaced", "skipped", "rejected"]
        .iter()
        .map(|k| t[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(accounted, 15, "every row is accounted for: {t}");
    let file = &done["report"]["files"][0];
    assert_eq!(file["format"], "extended_legacy");
    assert_eq!(file["rejected_rows"][0]["record"], 14);
    assert!(file["rejected_rows"][0]["error"]
        .as_str()
        .unwrap()
        .contains("ms_played"));
    assert_eq!(done["progress"]["percent"], 100.0);
    let added = t["added"].as_u64().unwrap();
    assert!(added > 0);

    // Again: nothing new.
    let again = app
        .import(
            &token,
            "endsong_skipped.json",
            sample("endsong_skipped_sample.json"),
        )
        .await;
    assert_eq!(totals(&again)["added"], 0);
    assert_eq!(
        totals(&again)["duplicate"].as_u64().unwrap(),
        added + t["duplicate"].as_u64().unwrap()
    );

    // Another user sees neither the import nor the plays.
    let (_, other) = app.user("ben").await;
    let id = done["id"].as_str().unwrap();
    let r = app.get(&format!("/v1/me/imports/{id}"), Some(&other)).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "no import");
    assert!(recent(&app, &other).await.is_empty());
    let list = app.get("/v1/me/imports", Some(&token)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 2);
}

async fn a_whole_export_zip_is_imported_file_by_file(backend: Backend) {
    let app = TestApp::spawn_on(backend).await.unwrap();
    let (_, token) = app.user("ana").await;
    let zip = zip_of(&[
        (
            "Spotify Extended Streaming History/Streaming_History_Audio_2023.json",
            sample("Streaming_History_Audio_2023_sample.json"),
        ),
        (
            "Spotify Extended Streaming History/endsong_0.json",
            sample("endsong_sample.json"),
        ),
        (
            "Spotify Extended Streaming History/Streaming_History_Video_2023.json",
            sample("Streaming_History_Audio_2023_sample.json"),
        ),
        (
            "Spotify Extended Streaming History/ReadMeFirst.pdf",
            b"%PDF-1.4".to_vec(),
        ),
        (
            "Spotify Account Data/Userdata.json",
            br#"{"username":"ana","email":"a@example.com"}"#.to_vec(),
        ),
    ]);
    let done = app.import(&token, "my_spotify_data.zip", zip).await;
    assert_eq!(done["status"], "done", "{done}");
    let files = done["report"]["files"].as_array().unwrap();
    let status = |suffix: &str| {
        let f = files
            .iter()
            .find(|f| f["name"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} in {files:?}"));
        (
            f["status"].as_str().unwrap().to_owned(),
            f["reason"].clone(),
        )
    };
    assert_eq!(status("Audio_2023.json").0, "imported");
    assert_eq!(status("endsong_0.json").0, "imported");
    let (video, why) = status("Video_2023.json");
    assert_eq!(video, "ignored");
    assert!(why.as_str().unwrap().contains("video"));
    assert_eq!(status("ReadMeFirst.pdf").0, "ignored");
    let (userdata, why) = status("Userdata.json");
    assert_eq!(userdata, "rejected");
    assert!(
        why.as_str().unwrap().contains("not a known export format"),
        "{why}"
    );
    assert_eq!(totals(&done)["files"], 5);
    assert!(!recent(&app, &token).await.is_empty());
}

/// Extended history and Account data of the same streams, imported in either order, count
/// each play once.
async fn overlapping_exports_count_each_play_once(backend: Backend) {
    let extended = json!([
        {"ts": "2024-05-01T10:03:37Z", "platform": "ios", "ms_played": 200000, "conn_country": "DE",
         "ip_addr": "x", "master_metadata_track_name": "Happy Birthday",
         "master_metadata_album_artist_name": "Busy Signal", "master_metadata_album_album_name": "Loaded",
         "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC", "episode_name": null,
         "episode_show_name": null, "spotify_episode_uri": null, "audiobook_title": null,
         "audiobook_uri": null, "audiobook_chapter_uri": null, "audiobook_chapter_title": null,
         "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": false, "skipped": false,
         "offline": false, "offline_timestamp": null, "incognito_mode": false},
        {"ts": "2024-05-01T10:07:10Z", "platform": "ios", "ms_played": 210000, "conn_country": "DE",
         "ip_addr": "x", "master_metadata_track_name": "Other Song",
         "master_metadata_album_artist_name": "Busy Signal", "master_metadata_album_album_name": "Loaded",
         "spotify_track_uri": "spotify:track:0000000000000000000001", "episode_name": null,
         "episode_show_name": null, "spotify_episode_uri": null, "audiobook_title": null,
         "audiobook_uri": null, "audiobook_chapter_uri": null, "audiobook_chapter_title": null,
         "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": false, "skipped": false,
         "offline": false, "offline_timestamp": null, "incognito_mode": false}
    ]);
    let account = json!([
        {"endTime": "2024-05-01 10:03", "artistName": "Busy Signal", "trackName": "Happy Birthday", "msPlayed": 200000},
        {"endTime": "2024-05-01 10:07", "artistName": "Busy Signal", "trackName": "Other Song", "msPlayed": 210000},
        {"endTime": "2024-05-02 08:00", "artistName": "Busy Signal", "trackName": "Happy Birthday", "msPlayed": 190000}
    ]);
    let bytes = |v: &Value| serde_json::to_vec(v).unwrap();
    for account_first in [true, false] {
        let app = TestApp::spawn_on(backend).await.unwrap();
        let (_, token) = app.user("ana").await;
        let (first, second) = if account_first {
            (
                ("StreamingHistory_music_0.json", &account),
                ("Streaming_History_Audio_2024.json", &extended),
            )
        } else {
            (
                ("Streaming_History_Audio_2024.json", &extended),
                ("StreamingHistory_music_0.json", &account),
            )
        };
        let a = app.import(&token, first.0, bytes(first.1)).await;
        let b = app.import(&token, second.0, bytes(second.1)).await;
        let added = totals(&a)["added"].as_u64().unwrap() + totals(&b)["added"].as_u64().unwrap();
        assert_eq!(added, 3, "three streams: {a} {b}");
        // The second file's copies of the two shared streams: replacing the Account rows
        // (more precise) or duplicates of the Extended ones (less precise).
        let second_kind = if account_first {
            "replaced"
        } else {
            "duplicate"
        };
        assert_eq!(totals(&b)[second_kind], 2, "{b}");
        let plays = recent(&app, &token).await;
        assert_eq!(plays.len(), 3, "{plays:?}");
        // The precise copy is the one kept.
        let times: Vec<&str> = plays
            .iter()
            .map(|p| p["played_at"].as_str().unwrap())
            .collect();
        assert!(times.contains(&"2024-05-01T10:03:37Z"), "{times:?}");
        assert!(times.contains(&"2024-05-01T10:07:10Z"), "{times:?}");
    }
}

async fn bad_uploads_get_precise_errors_and_store_nothing(backend: Backend) {
    let app = TestApp::spawn_on(backend).await.unwrap();
    let (_, token) = app.user("ana").await;

    let r = app.upload(&token, "empty.json", vec![]).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "empty");
    let r = app
        .upload(&token, "notes.txt", b"hello there".to_vec())
        .await;
    assert_problem(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "neither a JSON export",
    );
    let r = app
        .upload(&token, "Userdata.json", br#"{"username":"ana"}"#.to_vec())
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not a known export format",
    );
    let r = app
        .upload(
            &token,
            "latin1.json",
            b"[{\"endTime\": \"caf\xe9\"}]".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    // Truncated JSON: accepted (the start is fine), then the file is rejected whole.
    let mut cut = sample("endsong_sample.json");
    cut.truncate(cut.len() - 40);
    let done = app.import(&token, "endsong_cut.json", cut).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        done["error"].as_str().unwrap().contains("truncated"),
        "{done}"
    );
    assert_eq!(totals(&done)["added"], 0);

    // Wrong types in rows: those rows are rejected with their position, the rest imported.
    let wrong = br#"[{"endTime":"2024-05-01 10:03","artistName":"A","trackName":"T","msPlayed":"long"},
                     {"endTime":"2024-05-01 10:09","artistName":"A","trackName":"T","msPlayed":1000000000000}]"#;
    let done = app.import(&token, "wrong.json", wrong.to_vec()).await;
    assert_eq!(totals(&done)["rejected"], 2, "{done}");
    assert_eq!(totals(&done)["added"], 0);

    // A zip bomb is refused from its directory, before anything is inflated.
    let bomb = zip_of(&[(
        "Streaming_History_Audio_2024.json",
        vec![b' '; 64 * 1024 * 1024],
    )]);
    assert!(bomb.len() < 1024 * 1024);
    let r = app.upload(&token, "bomb.zip", bomb).await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "zip bomb");

    assert!(recent(&app, &token).await.is_empty(), "nothing was stored");
    let list = app.get("/v1/me/imports", Some(&token)).await;
    assert_eq!(
        list.body.as_array().unwrap().len(),
        2,
        "only accepted uploads are imports"
    );
}

/// A client that stops sending mid-upload leaves no import and no spooled file, and the
/// server keeps serving.
async fn an_upload_cut_off_midway_imports_nothing(backend: Backend) {
    let app = TestApp::spawn_on(backend).await.unwrap();
    let (_, token) = app.user("ana").await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let body = sample("endsong_sample.json");
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /v1/me/imports HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..body.len() / 2]).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = String::new();
    let read = stream.read_to_string(&mut answer);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), read).await;
    assert!(!answer.starts_with("HTTP/1.1 202"), "{answer}");
    let list = app.get("/v1/me/imports", Some(&token)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body, json!([]));
}

async fn player_plays_are_recorded_once_and_listed(backend: Backend) {
    let app = TestApp::spawn_on(backend).await.unwrap();
    let (_, token) = app.user("ana").await;
    let tracks = app.tracks(&token, 2).await;
    let play = json!({"track": tracks[0], "played_at": "2025-03-01T12:00:00Z", "ms_played": 61000});
    let r = app
        .post("/v1/me/player/plays", Some(&token), play.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["recorded"], true);
    let r = app.post("/v1/me/player/plays", Some(&token), play).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["recorded"], false,
        "the same play sent twice counts once"
    );
    let id = tracks[1].trim_start_matches("medley:track:");
    let r = app
        .post(
            "/v1/me/player/plays",
            Some(&token),
            json!({"track": id, "played_at": "2025-03-01T12:05:00Z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let items = recent(&app, &token).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["track"]["uri"], tracks[1].as_str(), "latest first");
    assert_eq!(items[0]["played_at"], "2025-03-01T12:05:00Z");
    let page = app
        .get("/v1/me/player/recently-played?limit=1", Some(&token))
        .await;
    let next = page.body["next"].as_str().unwrap();
    let path = &next[app.base.len()..];
    let older = app.get(path, Some(&token)).await;
    assert_eq!(older.body["items"][0]["track"]["uri"], tracks[0].as_str());

    let bad = [
        (json!({"track": "medley:track:nope"}), "not a track"),
        (
            json!({"track": tracks[0], "played_at": "yesterday"}),
            "RFC 3339",
        ),
        (
            json!({"track": tracks[0], "played_at": "2999-01-01T00:00:00Z"}),
            "future",
        ),
        (json!({"track": tracks[0], "ms_played": -5}), "ms_played"),
        (json!({"track": tracks[0], "volume": 3}), "unknown field"),
    ];
    for (body, needle) in bad {
        let r = app.post("/v1/me/player/plays", Some(&token), body).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, needle);
    }
    let r = app
        .get("/v1/me/player/recently-played?limit=0", Some(&token))
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "limit");
    let r = app
        .post("/v1/me/player/plays", None, json!({"track": tracks[0]}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

async fn lb(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    let r = app
        .http
        .post(format!("{}/1/submit-listens", app.base))
        .header("authorization", format!("Token {token}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn scrobblers_submit_listens_the_listenbrainz_way(backend: Backend) {
    let app = TestApp::spawn_on(backend).await.unwrap();
    let (_, token) = app.user("ana").await;
    let valid = app
        .http
        .get(format!("{}/1/validate-token", app.base))
        .header("authorization", format!("Token {token}"))
        .send()
        .await
        .unwrap();
    let valid: Value = valid.json().await.unwrap();
    assert_eq!(valid["valid"], true);
    assert_eq!(valid["user_name"], "ana");
    let invalid: Value = app
        .http
        .get(format!("{}/1/validate-token?token=nope", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(invalid["valid"], false);

    let listen = |at: i64, track: &str| {
        json!({"listened_at": at, "track_metadata": {"artist_name": "Busy Signal",
               "track_name": track, "release_name": "Loaded",
               "additional_info": {"duration_ms": 200000}}})
    };
    // 2024-05-01T10:00:17Z: the start of the Extended row below (ts 10:03:37, 200 s played).
    let (status, body) = lb(
        &app,
        &token,
        json!({"listen_type": "single", "payload": [listen(1_714_557_617, "Happy Birthday")]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"status": "ok"}));
    let (status, _) = lb(&app, &token, json!({"listen_type": "playing_now", "payload": [{"track_metadata": {"artist_name": "A", "track_name": "B"}}]})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = lb(&app, &token, json!({"listen_type": "import", "payload": [listen(1_714_600_000, "Other"), listen(1_714_600_300, "Third")]})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        recent(&app, &token).await.len(),
        3,
        "playing_now is not a listen"
    );

    for (body, needle) in [
        (
            json!({"listen_type": "single", "payload": []}),
            "exactly one",
        ),
        (
            json!({"listen_type": "loud", "payload": [listen(1_714_600_000, "x")]}),
            "listen_type",
        ),
        (
            json!({"listen_type": "single", "payload": [{"listened_at": "soon", "track_metadata": {"artist_name": "A", "track_name": "B"}}]}),
            "listen 1",
        ),
        (json!({"listen_type": "single"}), "payload"),
    ] {
        let (status, reply) = lb(&app, &token, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
        assert!(reply["error"].as_str().unwrap().contains(needle), "{reply}");
        assert_eq!(reply["code"], 400);
    }
    let (status, _) = lb(
        &app,
        "wrong",
        json!({"listen_type": "single", "payload": [listen(1_714_600_000, "x")]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The same stream later found in an export counts once, with the export's exact times.
    let extended = json!([{"ts": "2024-05-01T10:03:37Z", "platform": "ios", "ms_played": 200000,
        "conn_country": "DE", "ip_addr": "x", "master_metadata_track_name": "Happy Birthday",
        "master_metadata_album_artist_name": "Busy Signal", "master_metadata_album_album_name": "Loaded",
        "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC", "episode_name": null,
        "episode_show_name": null, "spotify_episode_uri": null, "audiobook_title": null,
        "audiobook_uri": null, "audiobook_chapter_uri": null, "audiobook_chapter_title": null,
        "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": false, "skipped": false,
        "offline": false, "offline_timestamp": null, "incognito_mode": false}]);
    let done = app
        .import(
            &token,
            "Streaming_History_Audio_2024.json",
            serde_json::to_vec(&extended).unwrap(),
        )
        .await;
    assert_eq!(totals(&done)["replaced"], 1, "{done}");
    let plays = recent(&app, &token).await;
    assert_eq!(plays.len(), 3);
    assert!(plays
        .iter()
        .any(|p| p["played_at"] == "2024-05-01T10:03:37Z"));
}

/// What scrobblers send by default: no duration. A scrobbler decided it was a listen, so it
/// counts as a play at any `min_ms`, in every statistic and in Spotify's top lists.
async fn scrobbled_listens_without_a_duration_count_as_plays(backend: Backend) {
    let app = TestApp::spawn_on(backend).await.unwrap();
    let (_, token) = app.user("ana").await;
    let day_ago = medley_app::now_ms() / 1000 - 86_400;
    let listen = |at: i64, track: &str| json!({"listened_at": at, "track_metadata": {"artist_name": "Busy Signal", "track_name": track}});
    let payload = [
        listen(day_ago, "One"),
        listen(day_ago + 300, "One"),
        listen(day_ago + 600, "Two"),
    ];
    let (status, body) = lb(
        &app,
        &token,
        json!({"listen_type": "import", "payload": payload}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for query in ["", "?min_ms=86400000"] {
        let r = app
            .get(&format!("/v1/me/stats/totals{query}"), Some(&token))
            .await;
        assert_eq!(r.body["plays"], 3, "{query}: {}", r.body);
        assert_eq!(r.body["ms"], 0, "no track length is known");
    }
    let r = app
        .get("/v1/me/top/tracks?time_range=short_term", Some(&token))
        .await;
    assert_eq!(r.body["total"], 2, "{}", r.body);
    assert_eq!(r.body["items"][0]["name"], "One");
}
