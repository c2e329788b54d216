//! Cover art through the API, on both backends: pictures embedded in files (made by ffmpeg)
//! and beside them become album covers, served resized (dimensions checked by decoding the
//! answer), with validators and immutable caching, and named in the `images` of albums,
//! tracks and playlists.

use medley_audio::testing::{ffmpeg, Encoding, Written};
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::audio_harness::AudioApp;
use crate::harness::assert_problem;
use crate::on_both_backends;

on_both_backends!(covers_are_found_resized_cached_and_named_in_objects);

/// A GET of `url` with optional headers: status, headers and the raw body.
async fn fetch(
    a: &AudioApp,
    url: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = a.http.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.expect("request");
    let (status, h) = (r.status(), r.headers().clone());
    (status, h, r.bytes().await.unwrap().to_vec())
}

fn dims(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).unwrap_or_else(|e| {
        panic!(
            "the answer decodes as a picture: {e}: {:?}",
            &bytes[..bytes.len().min(16)]
        )
    });
    (img.width(), img.height())
}

fn sizes(images: &Value) -> Vec<(i64, i64)> {
    images
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["width"].as_i64().unwrap(), i["height"].as_i64().unwrap()))
        .collect()
}

async fn covers_are_found_resized_cached_and_named_in_objects(backend: Backend) {
    let Some(ff) = ffmpeg() else {
        return;
    };
    let Some(a) = AudioApp::spawn(backend).await else {
        return;
    };
    let work = a.dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let song = |title: &str, artist: &str, album: &str| Written {
        track: Some(1),
        ..Written::song(title, artist, album)
    };
    // An album whose file embeds a 900×600 picture.
    let plain = ff.make(
        &work,
        "wide",
        Encoding::Mp3,
        800,
        440.0,
        &song("Wide", "Painter", "Canvas"),
    );
    let wide = ff.with_picture(&plain, 900, 600);
    std::fs::create_dir_all(a.music().join("Painter/Canvas")).unwrap();
    std::fs::rename(&wide, a.music().join("Painter/Canvas/01 Wide.mp3")).unwrap();
    // An album with a small embedded picture and a 500×500 cover.jpg beside it: the folder's wins.
    let plain = ff.make(
        &work,
        "framed",
        Encoding::Mp3,
        800,
        550.0,
        &song("Framed", "Framer", "Frames"),
    );
    let framed = ff.with_picture(&plain, 16, 16);
    std::fs::create_dir_all(a.music().join("Framer/Frames")).unwrap();
    std::fs::rename(&framed, a.music().join("Framer/Frames/01 Framed.mp3")).unwrap();
    ff.picture(&a.music().join("Framer/Frames/Cover.JPG"), 500, 500);
    // An album without any picture.
    a.put_wav(
        "Bare/Plain/01 Bare.wav",
        800,
        330.0,
        &song("Bare", "Bare", "Plain"),
    );

    let report = a.scan_music().await;
    assert_eq!(report["covers"], 2, "{report}");

    // A track's album names its cover at 640, 300 and 64 pixels, keeping the aspect.
    let wide = a.track_named("Wide").await;
    let images = &wide["album"]["images"];
    assert_eq!(
        sizes(images),
        [(640, 427), (300, 200), (64, 43)],
        "{images}"
    );
    let album_id = wide["album"]["id"].as_str().unwrap().to_owned();
    let album = a.get(&format!("/v1/albums/{album_id}"), None).await;
    assert_eq!(album.status, StatusCode::OK);
    assert_eq!(&album.body["images"], images);
    let track = a
        .get(
            &format!("/v1/tracks/{}", wide["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(&track.body["album"]["images"], images);

    // Each URL answers a JPEG of the size it announces, cached for a year, with an ETag.
    for image in images.as_array().unwrap() {
        let url = image["url"].as_str().unwrap();
        assert!(
            url.contains(&format!("/v1/albums/{album_id}/image?size=")),
            "{url}"
        );
        let (status, h, body) = fetch(&a, url, &[]).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(h["content-type"], "image/jpeg");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        let (w, hgt) = dims(&body);
        assert_eq!(
            (i64::from(w), i64::from(hgt)),
            (
                image["width"].as_i64().unwrap(),
                image["height"].as_i64().unwrap()
            )
        );
        let etag = h["etag"].to_str().unwrap().to_owned();
        let (again, h2, body) = fetch(&a, url, &[("if-none-match", &etag)]).await;
        assert_eq!(again, StatusCode::NOT_MODIFIED);
        assert!(body.is_empty());
        assert_eq!(h2["etag"].to_str().unwrap(), etag);
    }
    // Any size within the bounds; without `v` the answer is revalidated.
    let base = format!("{}/v1/albums/{album_id}/image", a.base);
    let (status, h, body) = fetch(&a, &format!("{base}?size=1200"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(dims(&body), (900, 600), "never enlarged");
    assert_eq!(h["cache-control"], "public, no-cache");
    let (_, _, body) = fetch(&a, &format!("{base}?size=100"), &[]).await;
    assert_eq!(dims(&body), (100, 67));
    // Without a size: the picture as found (ffmpeg embedded a PNG).
    let (status, h, body) = fetch(&a, &base, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(dims(&body), (900, 600));

    // The folder's picture wins over the embedded one.
    let framed = a.track_named("Framed").await;
    assert_eq!(
        sizes(&framed["album"]["images"]),
        [(500, 500), (300, 300), (64, 64)]
    );
    let url = framed["album"]["images"][2]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, _, body) = fetch(&a, &url, &[]).await;
    assert_eq!(dims(&body), (64, 64));

    // No picture: no images, and 404.
    let bare = a.track_named("Bare").await;
    assert_eq!(bare["album"]["images"], json!([]));
    let bare_album = bare["album"]["id"].as_str().unwrap();
    let r = a
        .get(&format!("/v1/albums/{bare_album}/image?size=300"), None)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "no cover");
    let r = a.get("/v1/albums/nope/image?size=300", None).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "does not exist");

    // Sizes outside 64..=1200, or not numbers: 400 naming the bounds.
    for bad in ["10", "1201", "0", "-3", "big", ""] {
        let r = a
            .get(&format!("/v1/albums/{album_id}/image?size={bad}"), None)
            .await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "64 to 1200");
    }

    // A playlist shows the cover of its first track's album.
    let (_, token) = a.user("viewer").await;
    let playlist = a.playlist(&token, json!({"name": "Art"})).await;
    let r = a
        .get(&format!("/v1/playlists/{playlist}"), Some(&token))
        .await;
    assert_eq!(
        r.body["images"],
        json!([]),
        "an empty playlist has no cover"
    );
    let uris = json!({"uris": [
        format!("medley:track:{}", bare["id"].as_str().unwrap()),
        format!("medley:track:{}", wide["id"].as_str().unwrap()),
    ]});
    let r = a
        .post(
            &format!("/v1/playlists/{playlist}/items"),
            Some(&token),
            uris,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = a
        .get(&format!("/v1/playlists/{playlist}"), Some(&token))
        .await;
    assert_eq!(
        r.body["images"],
        json!([]),
        "its first track's album has none"
    );
    let r = a
        .put(
            &format!("/v1/playlists/{playlist}/items"),
            Some(&token),
            json!({"range_start": 1, "insert_before": 0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = a
        .get(&format!("/v1/playlists/{playlist}"), Some(&token))
        .await;
    assert_eq!(&r.body["images"], images);
    let mine = a.get("/v1/me/playlists", Some(&token)).await;
    assert_eq!(&mine.body["items"][0]["images"], images);

    // An upload's embedded picture is its album's cover too.
    let plain = ff.make(
        &work,
        "sent",
        Encoding::Mp3,
        800,
        660.0,
        &song("Sent", "Sender", "Posted"),
    );
    let sent = ff.with_picture(&plain, 320, 640);
    let r = a
        .upload_audio(Some(&a.admin), "sent.mp3", std::fs::read(&sent).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sent = a.track_named("Sent").await;
    assert_eq!(
        sizes(&sent["album"]["images"]),
        [(320, 640), (150, 300), (32, 64)]
    );

    // A resized cover is made once: it is answered from the disk cache even when the stored
    // picture is gone.
    let cached = AudioApp::files_below(&a.dir.path().join("cover-cache"));
    assert!(
        cached
            .iter()
            .any(|p| p.to_string_lossy().ends_with("-300.jpg")),
        "{cached:?}"
    );
    for object in AudioApp::files_below(&a.dir.path().join("objects/covers")) {
        std::fs::remove_file(object).unwrap();
    }
    let (status, _, body) = fetch(&a, images[1]["url"].as_str().unwrap(), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(dims(&body), (300, 200));
    let (status, _, _) = fetch(&a, &format!("{base}?size=128"), &[]).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "not cached, and the picture is gone"
    );
}
