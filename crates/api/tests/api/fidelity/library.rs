//! The Spotify endpoints common clients call that Medley added: following artists, saved
//! albums, several albums or artists at once, an artist's top tracks.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{assert_problem, TestApp};

/// Adds one track per (artist, album, title); returns the answers' track objects.
async fn catalog(app: &TestApp, admin: &str, rows: &[(&str, &str, &str)]) -> Vec<Value> {
    let body: Vec<Value> = rows
        .iter()
        .map(|(artist, album, name)| {
            json!({"name": name, "artists": [artist], "album": album, "duration_ms": 200_000})
        })
        .collect();
    let r = app
        .post("/v1/library/tracks", Some(admin), Value::Array(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["tracks"].as_array().unwrap().clone()
}

#[tokio::test]
async fn artists_are_followed_listed_by_cursor_and_unfollowed() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.user("admin").await;
    let (bob_id, bob) = app.user("bob").await;
    let rows: Vec<(String, String, String)> = (0..5)
        .map(|i| {
            (
                format!("Artist {i}"),
                format!("Album {i}"),
                format!("Song {i}"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let tracks = catalog(&app, &admin, &refs).await;
    let mut artists: Vec<String> = tracks
        .iter()
        .map(|t| t["artists"][0]["id"].as_str().unwrap().to_owned())
        .collect();
    let ids = artists.join(",");
    let r = app
        .put(
            &format!("/v1/me/following?type=artist&ids={ids}"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Following again changes nothing.
    let r = app
        .put(
            &format!("/v1/me/following?type=artist&ids={}", artists[0]),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    // Pages of two, by cursor, until `next` is null: every artist once, in id order.
    artists.sort();
    let mut seen = Vec::new();
    let mut next = Some(format!("{}/v1/me/following?type=artist&limit=2", app.base));
    while let Some(url) = next {
        let r = app.get(&url, Some(&bob)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let page = &r.body["artists"];
        assert_eq!(page["total"], 5);
        assert_eq!(page["limit"], 2);
        for a in page["items"].as_array().unwrap() {
            assert_eq!(a["type"], "artist");
            seen.push(a["id"].as_str().unwrap().to_owned());
        }
        if let Some(after) = page["cursors"]["after"].as_str() {
            assert_eq!(Some(after), seen.last().map(String::as_str));
        }
        next = page["next"].as_str().map(str::to_owned);
        assert!(seen.len() <= 5, "the cursor loops: {seen:?}");
    }
    assert_eq!(seen, artists);

    let r = app
        .get(
            &format!(
                "/v1/me/following/contains?type=artist&ids={},{bob_id}",
                artists[1]
            ),
            Some(&bob),
        )
        .await;
    assert_eq!(r.body, json!([true, false]));
    let r = app
        .delete(
            &format!("/v1/me/following?type=artist&ids={}", artists[1]),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .get(
            &format!("/v1/me/following/contains?type=artist&ids={}", artists[1]),
            Some(&bob),
        )
        .await;
    assert_eq!(r.body, json!([false]));
    let r = app.get("/v1/me/following?type=artist", Some(&bob)).await;
    assert_eq!(r.body["artists"]["total"], 4);
    // Another user follows nobody.
    let r = app.get("/v1/me/following?type=artist", Some(&admin)).await;
    assert_eq!(r.body["artists"]["total"], 0);
    assert_eq!(r.body["artists"]["items"], json!([]));
    assert!(r.body["artists"]["next"].is_null());

    let bad = [
        ("/v1/me/following?type=user", "`type` must be `artist`"),
        ("/v1/me/following?type=artist&limit=51", "`limit`"),
        ("/v1/me/following?type=artist&limit=0", "`limit`"),
        ("/v1/me/following?type=band", "`artist` or `user`"),
    ];
    for (path, needle) in bad {
        assert_problem(
            &app.get(path, Some(&bob)).await,
            StatusCode::BAD_REQUEST,
            needle,
        );
    }
    let r = app
        .put(
            "/v1/me/following?type=artist&ids=0000000000000000000000",
            Some(&bob),
            json!({}),
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not an artist");
    let many = vec![artists[0].clone(); 51].join(",");
    let r = app
        .put(
            &format!("/v1/me/following?type=artist&ids={many}"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "1 to 50");
    let r = app.get("/v1/me/following?type=artist", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn albums_are_saved_listed_newest_first_and_removed() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.user("admin").await;
    let (_, ana) = app.user("ana").await;
    let tracks = catalog(
        &app,
        &admin,
        &[
            ("Band", "First", "a"),
            ("Band", "Second", "b"),
            ("Band", "Second", "c"),
        ],
    )
    .await;
    let first = tracks[0]["album"]["id"].as_str().unwrap();
    let second = tracks[1]["album"]["id"].as_str().unwrap();
    for id in [first, second] {
        let r = app
            .put(&format!("/v1/me/albums?ids={id}"), Some(&ana), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = app.get("/v1/me/albums?limit=1", Some(&ana)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["total"], 2);
    assert_eq!(r.body["items"][0]["album"]["id"], second, "newest first");
    assert_eq!(r.body["items"][0]["album"]["tracks"]["total"], 2);
    assert!(r.body["items"][0]["added_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert!(r.body["next"].as_str().unwrap().contains("offset=1"));
    let r = app
        .get(
            &format!("/v1/me/albums/contains?ids={first},{second}"),
            Some(&ana),
        )
        .await;
    assert_eq!(r.body, json!([true, true]));
    let r = app
        .delete(&format!("/v1/me/albums?ids={first}"), Some(&ana), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .get(
            &format!("/v1/me/albums/contains?ids={first},{second}"),
            Some(&ana),
        )
        .await;
    assert_eq!(r.body, json!([false, true]));
    let r = app.get("/v1/me/albums", Some(&admin)).await;
    assert_eq!(r.body["total"], 0, "saved albums are the user's own");

    let many = vec![first; 21].join(",");
    assert_problem(
        &app.put(&format!("/v1/me/albums?ids={many}"), Some(&ana), json!({}))
            .await,
        StatusCode::BAD_REQUEST,
        "1 to 20",
    );
    assert_problem(
        &app.put(
            "/v1/me/albums?ids=0000000000000000000000",
            Some(&ana),
            json!({}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "not an album",
    );
    assert_problem(
        &app.get("/v1/me/albums?limit=51", Some(&ana)).await,
        StatusCode::BAD_REQUEST,
        "limit",
    );
    assert_eq!(
        app.get("/v1/me/albums", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn several_albums_and_artists_come_in_the_order_asked_with_nulls() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.user("admin").await;
    let tracks = catalog(&app, &admin, &[("One", "A", "x"), ("Two", "B", "y")]).await;
    let (a, b) = (
        tracks[0]["album"]["id"].as_str().unwrap(),
        tracks[1]["album"]["id"].as_str().unwrap(),
    );
    let unknown = "0000000000000000000000";
    let r = app
        .get(&format!("/v1/albums?ids={b},{unknown},{a}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["albums"][0]["id"], b);
    assert!(r.body["albums"][1].is_null());
    assert_eq!(r.body["albums"][2]["tracks"]["items"][0]["name"], "x");
    let (x, y) = (
        tracks[0]["artists"][0]["id"].as_str().unwrap(),
        tracks[1]["artists"][0]["id"].as_str().unwrap(),
    );
    let r = app
        .get(&format!("/v1/artists?ids={y},{x},{unknown}"), None)
        .await;
    assert_eq!(r.body["artists"][0]["name"], "Two");
    assert_eq!(r.body["artists"][1]["name"], "One");
    assert!(r.body["artists"][2].is_null());

    let albums = vec![a; 21].join(",");
    assert_problem(
        &app.get(&format!("/v1/albums?ids={albums}"), None).await,
        StatusCode::BAD_REQUEST,
        "1 to 20",
    );
    let artists = vec![x; 51].join(",");
    assert_problem(
        &app.get(&format!("/v1/artists?ids={artists}"), None).await,
        StatusCode::BAD_REQUEST,
        "1 to 50",
    );
    assert_problem(
        &app.get("/v1/albums?ids=", None).await,
        StatusCode::BAD_REQUEST,
        "1 to 20",
    );
    assert_problem(
        &app.get("/v1/artists", None).await,
        StatusCode::BAD_REQUEST,
        "ids",
    );
}

#[tokio::test]
async fn top_tracks_rank_by_plays_of_every_listener() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.user("admin").await;
    let (_, ana) = app.user("ana").await;
    let rows: Vec<(String, String, String)> = (0..12)
        .map(|i| ("Band".into(), "LP".into(), format!("Song {i:02}")))
        .collect();
    let refs: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let tracks = catalog(&app, &admin, &refs).await;
    let id = |i: usize| tracks[i]["id"].as_str().unwrap().to_owned();
    // Song 07: three plays (two users); Song 03: one; a 10-second play of Song 05 is no play.
    let plays = [
        (&admin, 7, 200_000, "2026-01-01T10:00:00Z"),
        (&ana, 7, 200_000, "2026-01-01T11:00:00Z"),
        (&ana, 7, 200_000, "2026-01-02T11:00:00Z"),
        (&ana, 3, 200_000, "2026-01-03T11:00:00Z"),
        (&ana, 5, 10_000, "2026-01-04T11:00:00Z"),
        (&admin, 5, 10_000, "2026-01-04T12:00:00Z"),
    ];
    for (token, i, ms, at) in plays {
        let r = app
            .post(
                "/v1/me/player/plays",
                Some(token),
                json!({"track": id(i), "played_at": at, "ms_played": ms}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let artist = tracks[0]["artists"][0]["id"].as_str().unwrap();
    let r = app
        .get(
            &format!("/v1/artists/{artist}/top-tracks?market=SE"),
            Some(&ana),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let names: Vec<&str> = r.body["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 10, "at most ten, as on Spotify");
    assert_eq!(&names[..4], ["Song 07", "Song 03", "Song 00", "Song 01"]);
    let r = app
        .get("/v1/artists/0000000000000000000000/top-tracks", None)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "artist");
}
