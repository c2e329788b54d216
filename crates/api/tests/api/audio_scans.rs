//! Library scans through the API, on both backends: files become tracks (or give their audio to
//! tracks already there), rescans read only what changed, moves are recognised, deleted files
//! go missing without leaving playlists, bad files are reported and never stop a scan.

use medley_audio::testing::{ffmpeg, Encoding, Written};
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::audio_harness::AudioApp;
use crate::harness::assert_problem;
use crate::on_both_backends;

on_both_backends!(
    a_scan_adds_tracks_and_names_the_bad_files,
    tracks_already_in_playlists_gain_their_audio,
    rescans_skip_unchanged_files_follow_moves_and_mark_missing,
    only_administrators_scan_and_bad_requests_are_named,
);

async fn a_scan_adds_tracks_and_names_the_bad_files(backend: Backend) {
    let Some(a) = AudioApp::spawn(backend).await else {
        return;
    };
    let album = |t: &str, n| Written {
        track: Some(n),
        date: Some("2003-04".into()),
        genre: Some("Ambient".into()),
        ..Written::song(t, "The Sines", "Waves")
    };
    a.put_wav("The Sines/Waves/01 Hum.wav", 1_500, 220.0, &album("Hum", 1));
    a.put_wav(
        "The Sines/Waves/02 Drone.wav",
        2_500,
        330.0,
        &album("Drone", 2),
    );
    a.put_wav("untagged tune.wav", 1_000, 440.0, &Written::default());
    std::fs::write(a.music().join("The Sines/Waves/cover.jpg"), b"\xff\xd8jpeg").unwrap();
    std::fs::write(a.music().join("notes.mp3"), b"not music at all").unwrap();
    std::fs::write(a.music().join("empty.flac"), b"").unwrap();
    let cut = medley_audio::testing::wav(1_000, 100.0, &Written::default());
    std::fs::write(a.music().join("cut.wav"), &cut[..30]).unwrap();

    let scan = a.scan(&[&a.music()], json!({})).await;
    assert_eq!(scan["status"], "done", "{scan}");
    assert_eq!(scan["copy"], false, "a local storage reads files in place");
    assert_eq!(scan["progress"]["files_total"], 6);
    assert_eq!(scan["progress"]["percent"], 100.0);
    let r = &scan["report"];
    assert_eq!(
        (
            &r["found"],
            &r["added"],
            &r["failed"],
            &r["ignored"],
            &r["tracks_created"]
        ),
        (&json!(6), &json!(3), &json!(3), &json!(1), &json!(3)),
        "{r}"
    );
    let failures = r["failures"].as_array().unwrap();
    let reason = |path: &str| {
        failures
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path} not in {failures:?}"))["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(reason("notes.mp3").contains("not an audio format"));
    assert!(reason("empty.flac").contains("empty"));
    assert!(reason("cut.wav").contains("wav"), "{}", reason("cut.wav"));

    let hum = a.track_named("Hum").await;
    assert_eq!(hum["artists"][0]["name"], "The Sines");
    assert_eq!(hum["album"]["name"], "Waves");
    assert_eq!(hum["album"]["release_date"], "2003-04");
    assert_eq!(hum["track_number"], 1);
    assert!((1_490..=1_510).contains(&hum["duration_ms"].as_i64().unwrap()));
    // An untagged file is named after itself, by an unknown artist.
    let untagged = a.track_named("untagged tune").await;
    assert_eq!(untagged["artists"][0]["name"], "Unknown Artist");
    let files = a.track_files(hum["id"].as_str().unwrap()).await;
    assert_eq!(files.len(), 1);
    let tags: serde_json::Value = serde_json::from_str(&files[0].tags).unwrap();
    assert_eq!(tags["genres"], json!(["Ambient"]));
    let music = a.music().canonicalize().unwrap();
    assert_eq!(files[0].format, "wav");
    assert_eq!(
        files[0].path,
        music.join("The Sines/Waves/01 Hum.wav").to_str().unwrap()
    );
}

async fn tracks_already_in_playlists_gain_their_audio(backend: Backend) {
    let Some(a) = AudioApp::spawn(backend).await else {
        return;
    };
    let r = a
        .post(
            "/v1/library/tracks",
            Some(&a.admin),
            json!([{"name": "Hum", "artists": ["Someone", "The Sines"], "duration_ms": 2_900},
                   {"name": "Hum", "artists": ["The Sines"], "duration_ms": 9_000}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (known, too_long) = (
        r.body["tracks"][0]["id"].as_str().unwrap().to_owned(),
        r.body["tracks"][1]["id"].as_str().unwrap().to_owned(),
    );
    let list = a.playlist(&a.admin, json!({"name": "Mix"})).await;
    let r = a
        .post(
            &format!("/v1/playlists/{list}/items"),
            Some(&a.admin),
            json!({"uris": [format!("medley:track:{known}")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // 1.5 s long: within two seconds of the first, not of the second.
    a.put_wav(
        "hum.wav",
        1_500,
        220.0,
        &Written::song("hum", "the sines", "X"),
    );
    let report = a.scan_music().await;
    assert_eq!(
        (&report["tracks_matched"], &report["tracks_created"]),
        (&json!(1), &json!(0)),
        "{report}"
    );
    assert_eq!(a.track_files(known.as_str()).await.len(), 1);
    assert!(a.track_files(too_long.as_str()).await.is_empty());

    // By ISRC, whatever the title says.
    let Some(ff) = ffmpeg() else { return };
    let r = a
        .post(
            "/v1/library/tracks",
            Some(&a.admin),
            json!({"name": "Catalog Name", "artists": ["Label Act"], "duration_ms": 300_000, "isrc": "GBAYE0601498"}),
        )
        .await;
    let by_isrc = r.body["tracks"][0]["id"].as_str().unwrap().to_owned();
    let tags = Written {
        isrc: Some("GB-AYE-06-01498".into()),
        ..Written::song("File Name", "File Artist", "File Album")
    };
    ff.make(&a.music(), "isrc", Encoding::Flac, 1_000, 880.0, &tags);
    let report = a.scan_music().await;
    assert_eq!(
        (&report["added"], &report["tracks_matched"]),
        (&json!(1), &json!(1)),
        "{report}"
    );
    let files = a.track_files(by_isrc.as_str()).await;
    assert_eq!((files.len(), files[0].format.as_str()), (1, "flac"));
}

async fn rescans_skip_unchanged_files_follow_moves_and_mark_missing(backend: Backend) {
    let Some(a) = AudioApp::spawn(backend).await else {
        return;
    };
    let one = a.put_wav(
        "a/one.wav",
        1_000,
        200.0,
        &Written::song("One", "Band", "LP"),
    );
    let two = a.put_wav(
        "a/two.wav",
        1_000,
        300.0,
        &Written::song("Two", "Band", "LP"),
    );
    a.put_wav(
        "a/three.wav",
        1_000,
        400.0,
        &Written::song("Three", "Band", "LP"),
    );
    let first = a.scan_music().await;
    assert_eq!(first["added"], 3, "{first}");
    let again = a.scan_music().await;
    assert_eq!(
        (&again["unchanged"], &again["added"]),
        (&json!(3), &json!(0)),
        "{again}"
    );

    let one_id = a.track_named("One").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let two_id = a.track_named("Two").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = a.playlist(&a.admin, json!({"name": "Keep"})).await;
    a.post(
        &format!("/v1/playlists/{list}/items"),
        Some(&a.admin),
        json!({"uris": [format!("medley:track:{one_id}"), format!("medley:track:{two_id}")]}),
    )
    .await;

    // Moved to another folder, renamed: the same file, the same track.
    std::fs::create_dir_all(a.music().join("b")).unwrap();
    std::fs::rename(&one, a.music().join("b/renamed.wav")).unwrap();
    // Deleted.
    std::fs::remove_file(&two).unwrap();
    // Changed in place: read again.
    a.put_wav(
        "a/three.wav",
        1_200,
        400.0,
        &Written::song("Three", "Band", "LP"),
    );
    let r = a.scan_music().await;
    assert_eq!(
        (
            &r["moved"],
            &r["missing"],
            &r["updated"],
            &r["added"],
            &r["tracks_created"]
        ),
        (&json!(1), &json!(1), &json!(1), &json!(0), &json!(0)),
        "{r}"
    );
    let music = a.music().canonicalize().unwrap();
    let at = |rel: &str| music.join(rel).to_str().unwrap().to_owned();
    let files = a.track_files(one_id.as_str()).await;
    assert_eq!(
        (files[0].path.clone(), files[0].status.as_str()),
        (at("b/renamed.wav"), "present")
    );
    let gone = a.track_files(two_id.as_str()).await;
    assert_eq!(gone[0].status, medley_store::AudioStatus::Missing);
    // The track whose file went missing stays in the playlist.
    let uris = a.item_uris(&a.admin, &list).await;
    assert_eq!(uris.len(), 2);

    // Back, somewhere else: recognised by content, the missing file is found again.
    a.put_wav(
        "c/two again.wav",
        1_000,
        300.0,
        &Written::song("Two", "Band", "LP"),
    );
    let r = a.scan_music().await;
    assert_eq!(
        (&r["moved"], &r["added"], &r["missing"]),
        (&json!(1), &json!(0), &json!(0)),
        "{r}"
    );
    let back = a.track_files(two_id.as_str()).await;
    assert_eq!(
        (back[0].status.as_str(), back[0].path.clone()),
        ("present", at("c/two again.wav"))
    );

    // A folder inside the scanned one is the same files, whichever is named, and a scan
    // naming both reads each file once.
    let sub = a.scan(&[&a.music().join("b")], json!({})).await;
    let r = &sub["report"];
    assert_eq!(
        (&r["found"], &r["unchanged"], &r["added"], &r["missing"]),
        (&json!(1), &json!(1), &json!(0), &json!(0)),
        "{r}"
    );
    let both = a.scan(&[&a.music().join("b"), &a.music()], json!({})).await;
    assert_eq!(
        both["report"]["roots"].as_array().unwrap().len(),
        1,
        "{both}"
    );
    assert_eq!(
        (&both["report"]["found"], &both["report"]["unchanged"]),
        (&json!(3), &json!(3))
    );
}

async fn only_administrators_scan_and_bad_requests_are_named(backend: Backend) {
    let Some(a) = AudioApp::spawn(backend).await else {
        return;
    };
    let (_, user) = a.user("listener").await;
    let music = a.music().to_str().unwrap().to_owned();
    let r = a
        .post(
            "/v1/admin/library/scans",
            Some(&user),
            json!({"paths": [music]}),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "administrators");
    let r = a
        .post("/v1/admin/library/scans", None, json!({"paths": [music]}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = a.get("/v1/admin/library/scans", Some(&user)).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "administrators");
    let cases = [
        (json!({"paths": []}), StatusCode::BAD_REQUEST, "1 to 100"),
        (
            json!({"paths": ["relative/music"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "absolute",
        ),
        (
            json!({"paths": ["/no/such/folder"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no folder",
        ),
        (
            json!({"paths": [music], "watch": true}),
            StatusCode::BAD_REQUEST,
            "watch",
        ),
        (
            json!({"folders": [music]}),
            StatusCode::BAD_REQUEST,
            "paths",
        ),
    ];
    for (body, status, needle) in cases {
        let r = a
            .post("/v1/admin/library/scans", Some(&a.admin), body)
            .await;
        assert_problem(&r, status, needle);
    }
    let r = a.get("/v1/admin/library/scans/nope", Some(&a.admin)).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "nope");
    let listed = a.get("/v1/admin/library/scans", Some(&a.admin)).await;
    assert_eq!(
        listed.body.as_array().unwrap().len(),
        0,
        "refused scans are not recorded"
    );
}

#[tokio::test]
async fn a_folder_gone_when_the_scan_runs_is_reported_and_the_others_are_scanned() {
    use medley_app::library::scan::{scan, ScanOptions, ScanProgress};
    let a = AudioApp::spawn(Backend::Sqlite).await.unwrap();
    a.put_wav("x.wav", 1_000, 300.0, &Written::song("X", "Y", "Z"));
    let roots = [
        a.music().to_str().unwrap().to_owned(),
        "/no/such/folder".to_owned(),
    ];
    let progress = ScanProgress::default();
    let report = scan(
        &a.state.app,
        &roots,
        ScanOptions::default(),
        &progress,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.added, 1);
    assert_eq!(report.roots[0].error, None);
    assert!(report.roots[1]
        .error
        .as_deref()
        .unwrap()
        .contains("no folder"));
    let total = progress.total.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        (
            total,
            progress.done.load(std::sync::atomic::Ordering::Relaxed)
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn every_format_scans_and_reads_like_ffprobe_says() {
    let Some(ff) = ffmpeg() else { return };
    let a = AudioApp::spawn(Backend::Sqlite).await.unwrap();
    for (i, encoding) in Encoding::ALL.into_iter().enumerate() {
        let tags = Written {
            track: Some(i as u32 + 1),
            ..Written::song(
                &format!("Format {}", encoding.extension()),
                "Encoder",
                "Formats",
            )
        };
        ff.make(
            &a.music(),
            &format!("{i}"),
            encoding,
            1_500,
            200.0 + 50.0 * i as f64,
            &tags,
        );
    }
    a.put_wav(
        "5.wav",
        1_500,
        600.0,
        &Written::song("Format wav", "Encoder", "Formats"),
    );
    let report = a.scan_music().await;
    assert_eq!(
        (&report["added"], &report["failed"]),
        (&json!(6), &json!(0)),
        "{report}"
    );
    for ext in ["flac", "mp3", "ogg", "opus", "m4a", "wav"] {
        let t = a.track_named(&format!("Format {ext}")).await;
        assert_eq!(t["album"]["name"], "Formats");
        let ms = t["duration_ms"].as_i64().unwrap();
        assert!((1_400..=1_600).contains(&ms), "{ext}: {ms} ms");
        let files = a.track_files(t["id"].as_str().unwrap()).await;
        let format = files[0].format.as_str();
        let expected = match ext {
            "ogg" => "vorbis",
            "m4a" => "mp4",
            other => other,
        };
        assert_eq!(format, expected);
    }
}

#[tokio::test]
async fn a_scan_into_s3_copies_the_files_so_every_node_can_stream_them() {
    let Some(a) = AudioApp::spawn_s3().await else {
        return;
    };
    a.put_wav(
        "one.wav",
        1_000,
        300.0,
        &Written::song("S3 One", "Cloud", "Up"),
    );
    a.put_wav(
        "dup.wav",
        1_000,
        300.0,
        &Written::song("S3 One", "Cloud", "Up"),
    );
    a.put_wav(
        "two.wav",
        1_000,
        500.0,
        &Written::song("S3 Two", "Cloud", "Up"),
    );
    let scan = a.scan(&[&a.music()], json!({})).await;
    assert_eq!(
        (&scan["status"], &scan["copy"]),
        (&json!("done"), &json!(true)),
        "{scan}"
    );
    // Two files with the same content are one object.
    assert_eq!(
        (&scan["report"]["added"], &scan["report"]["copied"]),
        (&json!(3), &json!(2))
    );
    let one = a.track_named("S3 One").await;
    let files = a.track_files(one["id"].as_str().unwrap()).await;
    assert_eq!(files.len(), 2);
    let key = files[0].object_key.clone().expect("copied into the store");
    assert_eq!(files[1].object_key.as_ref(), Some(&key));
    let storage = &a.state.app.audio.storage;
    assert!(storage.exists(&key).await.unwrap());
    let bytes = storage
        .read_all(&medley_audio::Location::Object(key))
        .await
        .unwrap();
    assert_eq!(bytes, std::fs::read(a.music().join("one.wav")).unwrap());
}
