//! Uploads through the API: files become tracks and stream; who may upload; bad files are
//! refused with a precise status and nothing stored; names never reach the file system;
//! deletion keeps the track; the same through S3.

use medley_app::library::{AudioSettings, Uploaders};
use medley_audio::testing::{ffmpeg, wav, Encoding, Written};
use medley_domain::AudioFileId;
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::audio_harness::AudioApp;
use crate::harness::assert_problem;
use crate::on_both_backends;

on_both_backends!(
    uploads_become_tracks_that_stream_and_deleting_keeps_the_track,
    bad_uploads_are_refused_with_nothing_stored,
);

async fn uploads_become_tracks_that_stream_and_deleting_keeps_the_track(backend: Backend) {
    let Some(a) = AudioApp::spawn(backend).await else {
        return;
    };
    let tags = Written {
        date: Some("1999".into()),
        ..Written::song("Uploaded", "Sender", "Post")
    };
    let bytes = wav(1_200, 250.0, &tags);
    let r = a
        .upload_audio(Some(&a.admin), "Uploaded.wav", bytes.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let file = r.body.clone();
    assert_eq!(
        (
            &file["origin"],
            &file["name"],
            &file["format"],
            &file["content_type"]
        ),
        (
            &json!("upload"),
            &json!("Uploaded.wav"),
            &json!("wav"),
            &json!("audio/wav")
        )
    );
    assert_eq!(
        (&file["size"], &file["status"]),
        (&json!(bytes.len()), &json!("present"))
    );
    assert_eq!(file["tags"]["title"], "Uploaded");
    assert_eq!(file["track"]["name"], "Uploaded");
    assert_eq!(file["track"]["artists"][0]["name"], "Sender");
    assert_eq!(file["track"]["album"]["release_date"], "1999");
    assert_eq!(file["uploaded_by"], a.admin_id);
    let (file_id, track_id) = (
        file["id"].as_str().unwrap().to_owned(),
        file["track"]["id"].as_str().unwrap().to_owned(),
    );
    let streamed = a
        .http
        .get(file["stream_href"].as_str().unwrap())
        .bearer_auth(&a.admin)
        .send()
        .await
        .unwrap();
    assert!(streamed.bytes().await.unwrap() == bytes);
    let objects = AudioApp::files_below(&a.dir.path().join("objects"));
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(objects[0]
        .to_str()
        .unwrap()
        .ends_with(&format!("{}.wav", file["content_hash"].as_str().unwrap())));

    // Visible to its uploader and administrators only.
    let (_, listener) = a.user("listener").await;
    let r = a
        .get(&format!("/v1/library/files/{file_id}"), Some(&a.admin))
        .await;
    assert_eq!((r.status, &r.body["id"]), (StatusCode::OK, &json!(file_id)));
    let r = a
        .get(&format!("/v1/library/files/{file_id}"), Some(&listener))
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not visible");
    let r = a
        .delete(
            &format!("/v1/library/files/{file_id}"),
            Some(&listener),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not visible");

    // The same bytes again: another file of the same track, sharing the object.
    let r = a
        .upload_audio(Some(&a.admin), "again.wav", bytes.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["track"]["id"], json!(track_id));
    let second = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        AudioApp::files_below(&a.dir.path().join("objects")).len(),
        1
    );

    let list = a.playlist(&a.admin, json!({"name": "Uploads"})).await;
    a.post(
        &format!("/v1/playlists/{list}/items"),
        Some(&a.admin),
        json!({"uris": [format!("medley:track:{track_id}")]}),
    )
    .await;
    let r = a
        .delete(
            &format!("/v1/library/files/{file_id}"),
            Some(&a.admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        AudioApp::files_below(&a.dir.path().join("objects")).len(),
        1,
        "still used"
    );
    let r = a
        .delete(&format!("/v1/library/files/{second}"), Some(&a.admin), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(AudioApp::files_below(&a.dir.path().join("objects")).is_empty());
    let r = a
        .delete(&format!("/v1/library/files/{second}"), Some(&a.admin), None)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "does not exist");
    // The track stays, in its playlist, without audio.
    assert_eq!(
        a.get(&format!("/v1/tracks/{track_id}"), None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        a.item_uris(&a.admin, &list).await,
        [format!("medley:track:{track_id}")]
    );
    let r = a
        .get(&format!("/v1/tracks/{track_id}/stream"), Some(&a.admin))
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "has no audio");

    // A scanned file is deleted from its folder, not through the API.
    a.put_wav(
        "scanned.wav",
        1_000,
        700.0,
        &Written::song("Scanned", "Disk", "D"),
    );
    a.scan_music().await;
    let scanned = a.track_named("Scanned").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rows = a.track_files(scanned.as_str()).await;
    let r = a
        .delete(
            &format!("/v1/library/files/{}", rows[0].id),
            Some(&a.admin),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "delete it from its folder");
    let r = a
        .get(&format!("/v1/library/files/{}", rows[0].id), Some(&a.admin))
        .await;
    assert_eq!(
        (&r.body["origin"], &r.body["name"]),
        (&json!("scan"), &json!("scanned.wav"))
    );
}

async fn bad_uploads_are_refused_with_nothing_stored(backend: Backend) {
    let settings = AudioSettings {
        upload_max_bytes: 64 * 1024,
        ..AudioSettings::default()
    };
    let Some(a) = AudioApp::spawn_with(backend, None, settings).await else {
        return;
    };
    let tracks_before = a.state.app.store.track_count().await.unwrap();
    let good = wav(500, 300.0, &Written::song("G", "A", "B"));
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "empty.flac",
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty",
        ),
        (
            "notes.mp3",
            b"dear diary, today I ".repeat(40),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not an audio format",
        ),
        (
            "cut.wav",
            good[..30].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "wav",
        ),
        (
            "header-only.wav",
            good[..44].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "wav",
        ),
        (
            "huge.wav",
            wav(2_000, 300.0, &Written::default()),
            StatusCode::PAYLOAD_TOO_LARGE,
            "MEDLEY_UPLOAD_MAX_BYTES",
        ),
    ];
    for (name, bytes, status, needle) in cases {
        let r = a.upload_audio(Some(&a.admin), name, bytes).await;
        assert_problem(&r, status, needle);
        assert!(
            r.body["detail"].as_str().unwrap().contains(
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "nothing was stored"
                } else {
                    name
                }
            ),
            "{}",
            r.body
        );
    }
    let form = a
        .http
        .post(format!("{}/v1/library/files", a.base))
        .bearer_auth(&a.admin)
        .header("content-type", "multipart/form-data; boundary=x")
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = a.upload_audio(None, "g.wav", good.clone()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let (_, listener) = a.user("listener").await;
    let r = a.upload_audio(Some(&listener), "g.wav", good).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "MEDLEY_UPLOADERS");
    // Nothing stored: no object, no spooled file, no track.
    assert!(AudioApp::files_below(&a.dir.path().join("objects")).is_empty());
    assert!(AudioApp::files_below(&a.dir.path().join("spool")).is_empty());
    assert_eq!(
        a.state.app.store.track_count().await.unwrap(),
        tracks_before
    );
}

#[tokio::test]
async fn the_operator_chooses_who_uploads() {
    for (uploaders, bob_may) in [
        (Uploaders::Users(vec!["bob".into()]), true),
        (Uploaders::Everyone, true),
        (Uploaders::Users(vec!["carol".into()]), false),
    ] {
        let settings = AudioSettings {
            uploaders: uploaders.clone(),
            ..AudioSettings::default()
        };
        let a = AudioApp::spawn_with(Backend::Sqlite, None, settings)
            .await
            .unwrap();
        let (_, bob) = a.user("bob").await;
        let r = a
            .upload_audio(
                Some(&bob),
                "b.wav",
                wav(300, 440.0, &Written::song("B", "C", "D")),
            )
            .await;
        let expected = if bob_may {
            StatusCode::CREATED
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(r.status, expected, "{uploaders:?}: {}", r.body);
    }
}

#[tokio::test]
async fn upload_names_never_reach_the_file_system() {
    let a = AudioApp::spawn(Backend::Sqlite).await.unwrap();
    for (i, name) in [
        "../../../../tmp/evil.wav",
        "..\\..\\evil.wav",
        "/etc/cron.d/evil.wav",
        "..",
        ".hidden.wav",
    ]
    .into_iter()
    .enumerate()
    {
        let bytes = wav(
            300,
            200.0 + i as f64,
            &Written::song(&format!("N{i}"), "X", "Y"),
        );
        let r = a.upload_audio(Some(&a.admin), name, bytes).await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.body);
        let stored = r.body["name"].as_str().unwrap();
        assert!(
            !stored.contains('/') && !stored.contains('\\') && !stored.starts_with('.'),
            "{name} → {stored}"
        );
    }
    assert!(!std::path::Path::new("/tmp/evil.wav").exists());
    // Everything written is below the objects folder, named by content.
    let everything = AudioApp::files_below(a.dir.path());
    assert_eq!(everything.len(), 5, "{everything:?}");
    for path in everything {
        let rel = path
            .strip_prefix(a.dir.path().join("objects"))
            .expect("inside the objects folder");
        let name = rel.file_name().unwrap().to_str().unwrap();
        assert!(name.len() == 64 + 4 && name.ends_with(".wav"), "{rel:?}");
    }
}

#[tokio::test]
async fn encoded_uploads_keep_their_tags_and_their_real_format() {
    let Some(ff) = ffmpeg() else { return };
    let a = AudioApp::spawn(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tags = Written {
        isrc: Some("FRZ039800212".into()),
        ..Written::song("Encoded", "Codec", "Bits")
    };
    let mp3 = ff.make(dir.path(), "encoded", Encoding::Mp3, 1_500, 330.0, &tags);
    let r = a
        .upload_audio(Some(&a.admin), "encoded.mp3", std::fs::read(&mp3).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        (&r.body["format"], &r.body["codec"]),
        (&json!("mp3"), &json!("mp3"))
    );
    assert_eq!(r.body["track"]["external_ids"]["isrc"], "FRZ039800212");
    // FLAC bytes named .mp3 are FLAC.
    let flac = ff.make(
        dir.path(),
        "liar",
        Encoding::Flac,
        1_000,
        440.0,
        &Written::song("Liar", "Codec", "Bits"),
    );
    let r = a
        .upload_audio(Some(&a.admin), "liar.mp3", std::fs::read(&flac).unwrap())
        .await;
    assert_eq!(
        (&r.body["format"], &r.body["content_type"]),
        (&json!("flac"), &json!("audio/flac"))
    );
    // Truncated inside its first frames.
    let bytes = std::fs::read(&flac).unwrap();
    let r = a
        .upload_audio(Some(&a.admin), "cut.flac", bytes[..20].to_vec())
        .await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY
            || r.status == StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        r.body
    );
}

#[tokio::test]
async fn uploads_to_s3_stream_and_delete() {
    let Some(a) = AudioApp::spawn_s3().await else {
        return;
    };
    let bytes = wav(1_000, 360.0, &Written::song("Cloud Upload", "S3", "Bucket"));
    let r = a
        .upload_audio(Some(&a.admin), "cloud.wav", bytes.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = AudioFileId::from(r.body["id"].as_str().unwrap());
    let track = r.body["track"]["id"].as_str().unwrap().to_owned();
    let key = a
        .state
        .app
        .store
        .audio_file(&id)
        .await
        .unwrap()
        .unwrap()
        .object_key
        .unwrap();
    let got = a
        .http
        .get(format!("{}/v1/tracks/{track}/stream", a.base))
        .bearer_auth(&a.admin)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::PARTIAL_CONTENT);
    assert!(got.bytes().await.unwrap() == bytes[100..200]);
    assert!(a.state.app.audio.storage.exists(&key).await.unwrap());
    let r = a
        .delete(&format!("/v1/library/files/{id}"), Some(&a.admin), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(!a.state.app.audio.storage.exists(&key).await.unwrap());
}
