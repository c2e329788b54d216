//! Streams, downloads and cover art through `/rest`, and what players say about songs: stars
//! (a starred song is a liked song), ratings, scrobbles (recorded plays) and now playing.

use medley_audio::testing::{ffmpeg, Encoding, Written};
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::Value;

use super::{failed, ok, Sub};
use crate::on_both_backends;

on_both_backends!(
    streams_and_downloads_are_the_original_bytes,
    stars_ratings_and_scrobbles_are_kept,
);

#[tokio::test]
async fn stream_transcodes_as_asked_and_download_stays_the_original() {
    let Some(ff) = ffmpeg() else {
        return;
    };
    let Some(s) = Sub::spawn_transcoding().await else {
        return;
    };
    let hum = s.song_id("Hum").await;
    let file = std::fs::read(s.music().join("The Sines/Waves/01 Hum.wav")).unwrap();
    let key = s.key.clone();
    let work = tempfile::tempdir().unwrap();
    let probe = |name: &str, bytes: &[u8]| {
        let path = work.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        ff.probe(&path)
    };
    // maxBitRate under the original's (a 705 kbps WAV): MP3 at that rate.
    let r = s
        .raw(
            "stream",
            &[("apiKey", &key), ("id", &hum), ("maxBitRate", "96")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "audio/mpeg");
    let view = probe("a.mp3", &r.body);
    assert_eq!((view.codec.as_str(), view.bit_rate), ("mp3", Some(96_000)));
    // format and maxBitRate together.
    let r = s
        .raw(
            "stream.view",
            &[
                ("apiKey", &key),
                ("id", &hum),
                ("format", "opus"),
                ("maxBitRate", "64"),
            ],
        )
        .await;
    assert_eq!(r.header("content-type"), "audio/ogg");
    assert_eq!(probe("a.opus", &r.body).codec, "opus");
    // timeOffset: from there on (1.5 s song, from 1 s).
    let r = s
        .raw(
            "stream",
            &[
                ("apiKey", &key),
                ("id", &hum),
                ("format", "mp3"),
                ("timeOffset", "1"),
            ],
        )
        .await;
    let view = probe("late.mp3", &r.body);
    assert!((350..=700).contains(&view.duration_ms), "{view:?}");
    // raw, no limit, or a limit above the original: the original bytes.
    for params in [
        vec![("format", "raw"), ("maxBitRate", "96")],
        vec![],
        vec![("maxBitRate", "2000")],
    ] {
        let all = [
            vec![("apiKey", key.as_str()), ("id", hum.as_str())],
            params.clone(),
        ]
        .concat();
        let r = s.raw("stream", &all).await;
        assert_eq!(r.body, file, "{params:?}");
    }
    let r = s
        .raw(
            "download",
            &[
                ("apiKey", &key),
                ("id", &hum),
                ("format", "mp3"),
                ("maxBitRate", "96"),
            ],
        )
        .await;
    assert_eq!(r.body, file, "download is the original");
    failed(
        &s.json("stream", &[("id", &hum), ("format", "wma")]).await,
        0,
    );
    failed(
        &s.json(
            "stream",
            &[("id", &hum), ("format", "mp3"), ("timeOffset", "60")],
        )
        .await,
        0,
    );
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn streams_and_downloads_are_the_original_bytes(backend: Backend) {
    let Some(s) = Sub::spawn(backend).await else {
        return;
    };
    let hum = s.song_id("Hum").await;
    let file = std::fs::read(s.music().join("The Sines/Waves/01 Hum.wav")).unwrap();
    let key = s.key.clone();
    let r = s.raw("stream", &[("apiKey", &key), ("id", &hum)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "audio/wav");
    assert_eq!(r.body, file);
    let etag = r.header("etag").to_owned();
    // Players seek with ranges, and revalidate.
    let r = s
        .raw_with_headers(
            "stream.view",
            &[("apiKey", &key), ("id", &hum), ("format", "raw")],
            &[("range", "bytes=100-199")],
        )
        .await;
    assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.body, file[100..200]);
    let r = s
        .raw_with_headers(
            "stream",
            &[("apiKey", &key), ("id", &hum)],
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    // Asking for another format or a lower bitrate still plays (the original, here).
    let r = s
        .raw(
            "stream",
            &[
                ("apiKey", &key),
                ("id", &hum),
                ("maxBitRate", "128"),
                ("timeOffset", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.len(), file.len());
    let r = s.raw("download", &[("apiKey", &key), ("id", &hum)]).await;
    assert_eq!(r.body, file);
    assert_eq!(r.header("content-disposition"), "attachment");
    // Failures are Subsonic errors, in the asked format.
    failed(
        &s.json("stream", &[("id", "0000000000000000000000")]).await,
        70,
    );
    failed(&s.json("stream", &[]).await, 10);
    failed(
        &s.json("stream", &[("id", &hum), ("maxBitRate", "-5")])
            .await,
        0,
    );
    failed(
        &s.json_with("stream", &[("apiKey", "wrong"), ("id", &hum)])
            .await,
        44,
    );

    // Cover art: none in these WAV files.
    failed(&s.json("getCoverArt", &[("id", &hum)]).await, 70);
    failed(&s.json("getCoverArt", &[]).await, 10);
    // An MP3 with an embedded picture: the song's and its album's cover art.
    let Some(ff) = ffmpeg() else {
        return;
    };
    let work = s.dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let tags = Written {
        track: Some(1),
        ..Written::song("Painted", "Brush", "Canvas")
    };
    let plain = ff.make(&work, "painted", Encoding::Mp3, 1_000, 550.0, &tags);
    let covered = ff.with_cover(&plain);
    std::fs::create_dir_all(s.music().join("Brush")).unwrap();
    std::fs::rename(&covered, s.music().join("Brush/painted.mp3")).unwrap();
    s.scan_music().await;
    let painted = s.song_id("Painted").await;
    let r = s.json("getSong", &[("id", &painted)]).await;
    let album_id = r["song"]["albumId"].as_str().unwrap().to_owned();
    assert_eq!(
        r["song"]["coverArt"],
        album_id.as_str(),
        "its album's cover"
    );
    let r = s.json("getAlbum", &[("id", &album_id)]).await;
    assert_eq!(r["album"]["coverArt"], album_id.as_str());
    // Without a size, the picture as found (ffmpeg embedded a PNG).
    let r = s
        .raw("getCoverArt", &[("apiKey", &key), ("id", &album_id)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "image/png");
    assert!(r.body.starts_with(b"\x89PNG"), "a PNG");
    for id in [&painted, &album_id] {
        // With a size, resized by the same code as /v1/albums/{id}/image (a 16×16 picture is
        // never enlarged; sizes out of bounds are brought within them).
        let r = s
            .raw(
                "getCoverArt",
                &[("apiKey", &key), ("id", id), ("size", "3000")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("content-type"), "image/jpeg");
        let img = image::load_from_memory(&r.body).expect("a picture");
        assert_eq!((img.width(), img.height()), (16, 16));
        let etag = r.header("etag").to_owned();
        let again = s
            .raw_with_headers(
                "getCoverArt",
                &[("apiKey", &key), ("id", id), ("size", "3000")],
                &[("if-none-match", &etag)],
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    }
}

async fn stars_ratings_and_scrobbles_are_kept(backend: Backend) {
    let Some(s) = Sub::spawn(backend).await else {
        return;
    };
    let (hum, kick) = (s.song_id("Hum").await, s.song_id("Kick").await);
    let r = s.json("getSong", &[("id", &hum)]).await;
    let (album, artist) = (
        r["song"]["albumId"].as_str().unwrap().to_owned(),
        r["song"]["artistId"].as_str().unwrap().to_owned(),
    );
    assert_eq!(r["song"]["playCount"], 0);
    assert!(r["song"]["starred"].is_null());

    // A starred song is a liked song, and the other way round.
    ok(&s
        .json(
            "star",
            &[("id", &hum), ("albumId", &album), ("artistId", &artist)],
        )
        .await);
    let liked = s
        .get(
            &format!("/v1/me/tracks/contains?ids={hum},{kick}"),
            Some(&s.admin),
        )
        .await;
    assert_eq!(liked.body, serde_json::json!([true, false]));
    let r = s
        .put(
            &format!("/v1/me/tracks?ids={kick}"),
            Some(&s.admin),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s.json("getStarred2", &[]).await;
    ok(&r);
    let mut songs = ids(&r["starred2"]["song"]);
    songs.sort();
    let mut expected = vec![hum.clone(), kick.clone()];
    expected.sort();
    assert_eq!(songs, expected);
    assert_eq!(ids(&r["starred2"]["album"]), std::slice::from_ref(&album));
    assert_eq!(ids(&r["starred2"]["artist"]), std::slice::from_ref(&artist));
    assert!(r["starred2"]["album"][0]["starred"].is_string());
    let r = s.json("getAlbumList2", &[("type", "starred")]).await;
    assert_eq!(ids(&r["albumList2"]["album"]), std::slice::from_ref(&album));
    ok(&s
        .json("unstar", &[("id", &kick), ("albumId", &album)])
        .await);
    let r = s.json("getStarred2", &[]).await;
    assert_eq!(ids(&r["starred2"]["song"]), std::slice::from_ref(&hum));
    assert!(ids(&r["starred2"]["album"]).is_empty());
    failed(
        &s.json("star", &[("id", "0000000000000000000000")]).await,
        70,
    );
    failed(&s.json("star", &[]).await, 10);
    // Stars are each user's own.
    let (_, _, other) = s.other_user("other").await;
    let r = s.json_with("getStarred2", &[("apiKey", &other)]).await;
    assert!(ids(&r["starred2"]["song"]).is_empty());

    // Ratings.
    ok(&s
        .json("setRating", &[("id", &album), ("rating", "5")])
        .await);
    ok(&s.json("setRating", &[("id", &hum), ("rating", "3")]).await);
    let r = s.json("getAlbumList2", &[("type", "highest")]).await;
    assert_eq!(ids(&r["albumList2"]["album"]), std::slice::from_ref(&album));
    assert_eq!(r["albumList2"]["album"][0]["userRating"], 5);
    let r = s.json("getSong", &[("id", &hum)]).await;
    assert_eq!(r["song"]["userRating"], 3);
    ok(&s
        .json("setRating", &[("id", &album), ("rating", "0")])
        .await);
    let r = s.json("getAlbumList2", &[("type", "highest")]).await;
    assert!(ids(&r["albumList2"]["album"]).is_empty());
    failed(
        &s.json("setRating", &[("id", &hum), ("rating", "6")]).await,
        0,
    );
    failed(&s.json("setRating", &[("id", &hum)]).await, 10);

    // Now playing, then a scrobble: a play the statistics count.
    ok(&s
        .json(
            "scrobble",
            &[("id", &kick), ("submission", "false"), ("c", "TestPlayer")],
        )
        .await);
    let r = s.json("getNowPlaying", &[]).await;
    ok(&r);
    let entry = &r["nowPlaying"]["entry"][0];
    assert_eq!(entry["title"], "Kick");
    assert_eq!(entry["username"], "admin");
    assert_eq!(entry["playerName"], "TestPlayer");
    let played_at = (medley_app::now_ms() - 60_000).to_string();
    ok(&s
        .json("scrobble", &[("id", &hum), ("time", &played_at)])
        .await);
    let recent = s
        .get("/v1/me/player/recently-played?limit=50", Some(&s.admin))
        .await;
    assert_eq!(recent.status, StatusCode::OK, "{}", recent.body);
    let played: Vec<&str> = recent.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["track"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(played, [hum.as_str()], "{}", recent.body);
    let r = s.json("getSong", &[("id", &hum)]).await;
    assert_eq!(r["song"]["playCount"], 1, "{r}");
    assert!(r["song"]["played"].is_string());
    for kind in ["frequent", "recent"] {
        let r = s.json("getAlbumList2", &[("type", kind)]).await;
        assert_eq!(
            ids(&r["albumList2"]["album"]),
            std::slice::from_ref(&album),
            "{kind}"
        );
        assert_eq!(r["albumList2"]["album"][0]["playCount"], 1);
    }
    // The same scrobble again counts once.
    ok(&s
        .json("scrobble", &[("id", &hum), ("time", &played_at)])
        .await);
    let r = s.json("getSong", &[("id", &hum)]).await;
    assert_eq!(r["song"]["playCount"], 1, "{r}");
    failed(
        &s.json("scrobble", &[("id", &hum), ("time", "yesterday")])
            .await,
        0,
    );
    failed(&s.json("scrobble", &[]).await, 10);
    failed(
        &s.json("scrobble", &[("id", "0000000000000000000000")])
            .await,
        70,
    );
}
