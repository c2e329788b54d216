//! Playlist cover images: upload as base64 JPEG (Spotify's 256 KB limit, owner only), read the
//! image list, fetch the image.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{assert_problem, Reply, TestApp};

/// A real JPEG of `w`×`h`, made by ffmpeg.
pub(super) fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cover.jpg");
    let status = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=size={w}x{h}"))
        .args(["-frames:v", "1", "-y"])
        .arg(&out)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
    std::fs::read(out).unwrap()
}

pub(super) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(super) async fn put_cover(
    app: &TestApp,
    id: &str,
    token: &str,
    kind: &str,
    body: Vec<u8>,
) -> Reply {
    let r = app
        .http
        .put(format!("{}/v1/playlists/{id}/images", app.base))
        .bearer_auth(token)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

#[tokio::test]
async fn an_owner_uploads_a_cover_that_everyone_who_sees_the_playlist_gets() {
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    let id = app
        .playlist(&ana, json!({"name": "Mix", "public": true}))
        .await;
    let r = app
        .get(&format!("/v1/playlists/{id}/images"), Some(&bob))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!([]), "no cover yet");
    let before = app
        .get(&format!("/v1/playlists/{id}"), Some(&ana))
        .await
        .body["snapshot_id"]
        .clone();

    let picture = jpeg(64, 48);
    let r = put_cover(&app, &id, &ana, "image/jpeg", b64(&picture).into_bytes()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let after = app
        .get(&format!("/v1/playlists/{id}"), Some(&ana))
        .await
        .body["snapshot_id"]
        .clone();
    assert_ne!(
        before, after,
        "a new cover is a new snapshot, as on Spotify"
    );

    let r = app
        .get(&format!("/v1/playlists/{id}/images"), Some(&bob))
        .await;
    let images = r.body.as_array().unwrap();
    assert_eq!(images.len(), 1);
    assert_eq!(
        (images[0]["width"].clone(), images[0]["height"].clone()),
        (json!(64), json!(48))
    );
    let url = images[0]["url"].as_str().unwrap();
    assert!(url.starts_with(&app.base), "{url}");
    let got = app.http.get(url).send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    assert_eq!(got.bytes().await.unwrap().as_ref(), picture.as_slice());

    // A new cover replaces the old one, under a new URL.
    let r = put_cover(
        &app,
        &id,
        &ana,
        "image/jpeg",
        b64(&jpeg(32, 32)).into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let r = app.get(&format!("/v1/playlists/{id}/images"), None).await;
    assert_eq!(r.body[0]["width"], 32);
    assert_ne!(r.body[0]["url"], url);
    assert_eq!(
        app.http.get(url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // The playlist object and the listings show the uploaded cover, not an album's.
    let current = r.body.clone();
    let one = app.get(&format!("/v1/playlists/{id}"), Some(&bob)).await;
    assert_eq!(one.body["images"], current);
    let mine = app.get("/v1/me/playlists", Some(&ana)).await;
    let listed = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id.as_str())
        .expect("the playlist in its owner's list");
    assert_eq!(listed["images"], current);
}

#[tokio::test]
async fn bad_covers_are_refused_precisely_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    let id = app
        .playlist(&ana, json!({"name": "Mix", "public": true}))
        .await;
    let private = app
        .playlist(&ana, json!({"name": "Mine", "public": false}))
        .await;
    let good = b64(&jpeg(16, 16)).into_bytes();

    let r = put_cover(&app, &id, &bob, "image/jpeg", good.clone()).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "owner");
    let r = put_cover(&app, &private, &bob, "image/jpeg", good.clone()).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "playlist");
    let r = put_cover(&app, &id, &ana, "image/png", good.clone()).await;
    assert_problem(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "image/jpeg");
    let r = put_cover(&app, &id, &ana, "application/json", good.clone()).await;
    assert_problem(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "image/jpeg");
    // 256 KB of base64 is the limit: one byte more is refused.
    let mut big = b64(&vec![0u8; 200_000]).into_bytes();
    big.truncate(256 * 1024 + 1);
    let r = put_cover(&app, &id, &ana, "image/jpeg", big).await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "256 KB");
    let r = put_cover(
        &app,
        &id,
        &ana,
        "image/jpeg",
        b"not base64 at all!".to_vec(),
    )
    .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "base64");
    let png = b64(b"\x89PNG\r\n\x1a\n0000000000000000").into_bytes();
    let r = put_cover(&app, &id, &ana, "image/jpeg", png).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "not a JPEG");
    let r = put_cover(&app, &id, &ana, "image/jpeg", vec![]).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "empty");
    let r = app.get(&format!("/v1/playlists/{id}/images"), None).await;
    assert_eq!(r.body, json!([]), "nothing was stored");

    // A private playlist's cover is for those who may see the playlist.
    let r = put_cover(&app, &private, &ana, "image/jpeg", good).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let r = app
        .get(&format!("/v1/playlists/{private}/images"), Some(&ana))
        .await;
    let url = r.body[0]["url"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&format!("/v1/playlists/{private}/images"), Some(&bob))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&url, Some(&bob)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&url, None).await.status, StatusCode::NOT_FOUND);
    let mine = app.http.get(&url).bearer_auth(&ana).send().await.unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
}
