use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{assert_problem, TestApp};

#[tokio::test]
async fn admins_add_tracks_and_read_them_in_spotify_shapes() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.user("admin").await;
    let (_, user) = app.user("user").await;
    let one = json!({"name": "Back in Black", "artists": ["AC/DC"], "album": "Back in Black", "duration_ms": 255000,
        "isrc": "auap08000046", "release_date": "1980-07-25", "explicit": false,
        "external_ids": {"spotify": "spotify:track:08mG3Y1vljYA6bvDt4Wqkj"}});
    assert_problem(
        &app.post("/v1/library/tracks", Some(&user), one.clone())
            .await,
        StatusCode::FORBIDDEN,
        "administrators",
    );
    let r = app.post("/v1/library/tracks", Some(&admin), one).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let track = &r.body["tracks"][0];
    let id = track["id"].as_str().unwrap();
    assert_eq!(track["type"], "track");
    assert_eq!(track["uri"], format!("medley:track:{id}"));
    assert_eq!(track["external_ids"]["isrc"], "AUAP08000046");
    assert_eq!(
        track["external_urls"]["spotify"],
        "https://open.spotify.com/track/08mG3Y1vljYA6bvDt4Wqkj"
    );
    assert_eq!(track["album"]["release_date_precision"], "day");
    assert_eq!(track["artists"][0]["name"], "AC/DC");

    let got = app.get(&format!("/v1/tracks/{id}"), None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["name"], "Back in Black");
    let several = app
        .get(&format!("/v1/tracks?ids={id},0000000000000000000000"), None)
        .await;
    assert_eq!(several.body["tracks"][0]["id"], id);
    assert!(
        several.body["tracks"][1].is_null(),
        "unknown ids are null, as on Spotify"
    );

    let album_id = track["album"]["id"].as_str().unwrap();
    let album = app.get(&format!("/v1/albums/{album_id}"), None).await;
    assert_eq!(album.body["tracks"]["items"][0]["id"], id);
    assert_eq!(album.body["tracks"]["total"], 1);
    let artist_id = track["artists"][0]["id"].as_str().unwrap();
    let artist = app.get(&format!("/v1/artists/{artist_id}"), None).await;
    assert_eq!(artist.body["name"], "AC/DC");
    let albums = app
        .get(&format!("/v1/artists/{artist_id}/albums"), None)
        .await;
    assert_eq!(albums.body["items"][0]["id"], album_id);

    let again = app
        .post("/v1/library/tracks", Some(&admin), json!([{"name": "Back in Black", "artists": ["ac/dc"], "album": "back in black", "duration_ms": 255000, "isrc": "AUAP08000046"}]))
        .await;
    assert_eq!(
        again.body["tracks"][0]["id"], id,
        "the same track is found, not duplicated"
    );
    for path in [
        "/v1/tracks/0000000000000000000000",
        "/v1/albums/0000000000000000000000",
        "/v1/artists/nope",
    ] {
        assert_eq!(
            app.get(path, None).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn bad_tracks_are_refused_with_their_index_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.user("admin").await;
    let good = json!({"name": "Fine", "artists": ["Band"], "duration_ms": 1000});
    let cases = [
        (
            json!([good.clone(), {"name": "", "artists": ["Band"], "duration_ms": 1000}]),
            "track 1: `name`",
        ),
        (
            json!([good.clone(), {"name": "x", "artists": [], "duration_ms": 1000}]),
            "track 1: `artists`",
        ),
        (
            json!([{"name": "x", "artists": ["a"], "duration_ms": -5}]),
            "`duration_ms`",
        ),
        (
            json!([{"name": "x", "artists": ["a"]}]),
            "missing field `duration_ms`",
        ),
        (
            json!([{"name": "x", "artists": ["a"], "duration_ms": "long"}]),
            "invalid type",
        ),
        (
            json!({"name": "x", "artists": ["a"], "duration_ms": 5, "isrc": "short"}),
            "`isrc`",
        ),
        (
            json!({"name": "x", "artists": ["a"], "duration_ms": 5, "release_date": "yesterday"}),
            "`release_date`",
        ),
        (
            json!({"name": "x", "artists": ["a"], "duration_ms": 5, "colour": "red"}),
            "unknown field",
        ),
        (json!([]), "1 to 1000"),
        (json!("text"), "track object"),
    ];
    for (body, needle) in cases {
        assert_problem(
            &app.post("/v1/library/tracks", Some(&admin), body).await,
            StatusCode::BAD_REQUEST,
            needle,
        );
    }
    let many: Vec<_> = (0..1001).map(|_| good.clone()).collect();
    assert_problem(
        &app.post("/v1/library/tracks", Some(&admin), json!(many))
            .await,
        StatusCode::BAD_REQUEST,
        "1 to 1000",
    );
    assert_eq!(app.store.track_count().await.unwrap(), 0);
}

#[tokio::test]
async fn search_is_ranked_and_tolerant_of_punctuation_and_accents() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.user("admin").await;
    let tracks = json!([
        {"name": "Halo", "artists": ["Beyoncé"], "album": "I Am... Sasha Fierce", "duration_ms": 261000},
        {"name": "Thunderstruck", "artists": ["AC/DC"], "album": "The Razors Edge", "duration_ms": 292000},
        {"name": "Highway to Hell", "artists": ["AC/DC"], "album": "Highway to Hell", "duration_ms": 208000},
        {"name": "Sweet Child o' Mine", "artists": ["Guns N' Roses"], "album": "Appetite for Destruction", "duration_ms": 356000},
    ]);
    assert_eq!(
        app.post("/v1/library/tracks", Some(&admin), tracks)
            .await
            .status,
        StatusCode::CREATED
    );

    let r = app
        .get("/v1/search?q=beyonce&type=artist,track", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["artists"]["items"][0]["name"], "Beyoncé");
    assert_eq!(r.body["tracks"]["items"][0]["name"], "Halo");
    for q in ["AC/DC", "acdc", "ac%2Fdc", "AC-DC"] {
        let r = app
            .get(&format!("/v1/search?q={q}&type=artist"), None)
            .await;
        assert_eq!(r.body["artists"]["items"][0]["name"], "AC/DC", "query {q}");
        assert_eq!(r.body["artists"]["total"], 1, "query {q}");
    }
    let r = app
        .get(
            "/v1/search?q=highway%20to%20hell&type=track,album&limit=1",
            None,
        )
        .await;
    assert_eq!(r.body["tracks"]["items"][0]["name"], "Highway to Hell");
    assert_eq!(r.body["albums"]["items"][0]["name"], "Highway to Hell");
    assert!(r.body.get("artists").is_none(), "only the requested types");
    let paging = &r.body["tracks"];
    for key in [
        "href", "items", "limit", "next", "offset", "previous", "total",
    ] {
        assert!(paging.get(key).is_some(), "paging object has `{key}`");
    }
    let r = app
        .get("/v1/search?q=guns%20n%20roses&type=track", None)
        .await;
    assert_eq!(r.body["tracks"]["items"][0]["name"], "Sweet Child o' Mine");

    let added = app
        .post(
            "/v1/library/tracks",
            Some(&admin),
            json!({"name": "Brand New Song", "artists": ["Newcomer"], "duration_ms": 1000}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    let r = app.get("/v1/search?q=newcomer&type=track", None).await;
    assert_eq!(
        r.body["tracks"]["items"][0]["name"], "Brand New Song",
        "the index follows catalog changes at once"
    );

    assert_problem(
        &app.get("/v1/search?q=&type=track", None).await,
        StatusCode::BAD_REQUEST,
        "`q`",
    );
    assert_problem(
        &app.get("/v1/search?q=x&type=podcast", None).await,
        StatusCode::BAD_REQUEST,
        "`type`",
    );
    assert_problem(
        &app.get("/v1/search?q=x&type=track&limit=-1", None).await,
        StatusCode::BAD_REQUEST,
        "`limit`",
    );
    assert_problem(
        &app.get("/v1/search?q=x", None).await,
        StatusCode::BAD_REQUEST,
        "type",
    );
}
