//! Every endpoint that exists both in Spotify's Web API and in Medley, called on a real server
//! holding realistic data, and each answer validated against the response schema of Spotify's
//! own OpenAPI description (see [`super::spec`]). The list of calls is written out below; a
//! check against the server's own OpenAPI document makes sure it misses no shared endpoint.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::spec;
use crate::harness::TestApp;

/// Paths both APIs have for different things: (method, Spotify's path, why).
const DIFFERENT: &[(&str, &str, &str)] = &[
    ("GET", "/shows", "Spotify's podcasts, Medley's live shows"),
    (
        "GET",
        "/shows/{id}",
        "Spotify's podcasts, Medley's live shows",
    ),
];

/// One call: the method, the path as Spotify's spec writes it, Medley's URL, and a body.
struct Call {
    method: Method,
    spec_path: &'static str,
    url: String,
    body: Option<Value>,
}

fn call(method: Method, spec_path: &'static str, url: String, body: Option<Value>) -> Call {
    Call {
        method,
        spec_path,
        url,
        body,
    }
}

/// `/playlists/{playlist_id}/items` and `/v1/playlists/{id}/items` both become
/// `/playlists/{}/items`.
fn shape(path: &str) -> String {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// A catalog of two artists, three albums (one without a release date), tracks with and
/// without ISRCs; two users with playlists (one with a description, one without), liked songs,
/// follows and plays.
struct World {
    alice: String,
    alice_id: String,
    bob: String,
    bob_id: String,
    tracks: Vec<String>,
    album: String,
    undated_album: String,
    artist: String,
    playlist: String,
    bare_playlist: String,
}

async fn world(app: &TestApp) -> World {
    let (alice_id, alice) = app.user("alice").await;
    let (bob_id, bob) = app.user("bob").await;
    let catalog = json!([
        {"name": "Back in Black", "artists": ["AC/DC"], "album": "Back in Black", "duration_ms": 255_000,
         "isrc": "AUAP08000046", "release_date": "1980-07-25", "track_number": 6,
         "external_ids": {"spotify": "08mG3Y1vljYA6bvDt4Wqkj"}},
        {"name": "Hells Bells", "artists": ["AC/DC"], "album": "Back in Black", "duration_ms": 312_000,
         "release_date": "1980-07-25", "track_number": 1},
        {"name": "Thunderstruck", "artists": ["AC/DC"], "album": "The Razors Edge", "duration_ms": 292_000,
         "release_date": "1990-09", "explicit": false},
        {"name": "Demo Take", "artists": ["Garage Band", "AC/DC"], "album": "Basement Tapes", "duration_ms": 61_000},
    ]);
    let r = app.post("/v1/library/tracks", Some(&alice), catalog).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let list = r.body["tracks"].as_array().unwrap();
    let tracks: Vec<String> = list
        .iter()
        .map(|t| t["id"].as_str().unwrap().into())
        .collect();
    let album = list[0]["album"]["id"].as_str().unwrap().to_owned();
    let undated_album = list[3]["album"]["id"].as_str().unwrap().to_owned();
    let artist = list[0]["artists"][0]["id"].as_str().unwrap().to_owned();
    let playlist = app
        .playlist(
            &alice,
            json!({"name": "Road trip", "description": "Loud songs", "public": true}),
        )
        .await;
    let bare_playlist = app.playlist(&bob, json!({"name": "Untitled"})).await;
    let uris: Vec<String> = tracks.iter().map(|t| format!("medley:track:{t}")).collect();
    let r = app
        .post(
            &format!("/v1/playlists/{playlist}/items"),
            Some(&alice),
            json!({"uris": uris}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .post(
            &format!("/v1/playlists/{bare_playlist}/items"),
            Some(&bob),
            json!({"uris": [uris[3]]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Bob follows Alice's playlist, so Bob's list holds a playlist he does not own.
    let r = app
        .put(
            &format!("/v1/playlists/{playlist}/followers"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    for (i, t) in tracks.iter().enumerate() {
        let played_at = format!("2026-03-0{}T12:00:00Z", i + 1);
        let r = app
            .post(
                "/v1/me/player/plays",
                Some(&alice),
                json!({"track": t, "played_at": played_at}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    World {
        alice,
        alice_id,
        bob,
        bob_id,
        tracks,
        album,
        undated_album,
        artist,
        playlist,
        bare_playlist,
    }
}

/// The calls, in an order where each finds what it needs (writes last, undoing follows last).
fn calls(w: &World) -> Vec<(Call, bool)> {
    use Method as M;
    let (t0, t1, t3) = (&w.tracks[0], &w.tracks[1], &w.tracks[3]);
    let (p, bare, album, artist) = (&w.playlist, &w.bare_playlist, &w.album, &w.artist);
    let (undated, alice, bob) = (&w.undated_album, &w.alice_id, &w.bob_id);
    let two = format!("{t0},{t1}");
    let uri = |t: &str| format!("medley:track:{t}");
    // The second of each pair: whether Bob calls (else Alice).
    let get = |spec, url: String| (call(M::GET, spec, url, None), false);
    let bob_get = |spec, url: String| (call(M::GET, spec, url, None), true);
    let with = |m: Method, spec, url: String, body: Value| (call(m, spec, url, Some(body)), false);
    let bare_call = |m: Method, spec, url: String, as_bob| (call(m, spec, url, None), as_bob);
    let items = format!("/v1/playlists/{p}/items");
    let tracks = format!("/v1/playlists/{p}/tracks");
    vec![
        get("/albums/{id}", format!("/v1/albums/{album}")),
        get("/albums/{id}", format!("/v1/albums/{undated}")),
        get(
            "/albums/{id}/tracks",
            format!("/v1/albums/{album}/tracks?limit=1"),
        ),
        get("/albums", format!("/v1/albums?ids={album},{undated}")),
        get("/artists/{id}", format!("/v1/artists/{artist}")),
        get(
            "/artists/{id}/albums",
            format!("/v1/artists/{artist}/albums"),
        ),
        get("/artists", format!("/v1/artists?ids={artist}")),
        get(
            "/artists/{id}/top-tracks",
            format!("/v1/artists/{artist}/top-tracks"),
        ),
        get("/tracks/{id}", format!("/v1/tracks/{t3}")),
        get("/tracks", format!("/v1/tracks?ids={two},{t3}")),
        get(
            "/search",
            "/v1/search?q=back&type=track,artist,album".into(),
        ),
        get("/me", "/v1/me".into()),
        get("/users/{user_id}", format!("/v1/users/{bob}")),
        get("/playlists/{playlist_id}", format!("/v1/playlists/{p}")),
        bob_get("/playlists/{playlist_id}", format!("/v1/playlists/{bare}")),
        get("/playlists/{playlist_id}/items", format!("{items}?limit=2")),
        get("/playlists/{playlist_id}/tracks", tracks.clone()),
        get(
            "/playlists/{playlist_id}/images",
            format!("/v1/playlists/{p}/images"),
        ),
        bob_get("/me/playlists", "/v1/me/playlists".into()),
        get(
            "/playlists/{playlist_id}/followers/contains",
            format!("/v1/playlists/{p}/followers/contains?ids={bob}"),
        ),
        bare_call(
            M::PUT,
            "/me/tracks",
            format!("/v1/me/tracks?ids={two}"),
            false,
        ),
        get("/me/tracks", "/v1/me/tracks".into()),
        get(
            "/me/tracks/contains",
            format!("/v1/me/tracks/contains?ids={two},{t3}"),
        ),
        bare_call(
            M::DELETE,
            "/me/tracks",
            format!("/v1/me/tracks?ids={t1}"),
            false,
        ),
        bare_call(
            M::PUT,
            "/me/albums",
            format!("/v1/me/albums?ids={album},{undated}"),
            false,
        ),
        get("/me/albums", "/v1/me/albums".into()),
        get(
            "/me/albums/contains",
            format!("/v1/me/albums/contains?ids={album}"),
        ),
        bare_call(
            M::DELETE,
            "/me/albums",
            format!("/v1/me/albums?ids={album}"),
            false,
        ),
        get(
            "/me/top/{type}",
            "/v1/me/top/tracks?time_range=long_term".into(),
        ),
        get(
            "/me/top/{type}",
            "/v1/me/top/artists?time_range=long_term".into(),
        ),
        get(
            "/me/player/recently-played",
            "/v1/me/player/recently-played?limit=3".into(),
        ),
        bob_get(
            "/me/player/recently-played",
            "/v1/me/player/recently-played".into(),
        ),
        bare_call(
            M::PUT,
            "/me/following",
            format!("/v1/me/following?type=user&ids={alice}"),
            true,
        ),
        bob_get(
            "/me/following/contains",
            format!("/v1/me/following/contains?type=user&ids={alice},{bob}"),
        ),
        bare_call(
            M::DELETE,
            "/me/following",
            format!("/v1/me/following?type=user&ids={alice}"),
            true,
        ),
        bare_call(
            M::PUT,
            "/me/following",
            format!("/v1/me/following?type=artist&ids={artist}"),
            false,
        ),
        get("/me/following", "/v1/me/following?type=artist".into()),
        get(
            "/me/following/contains",
            format!("/v1/me/following/contains?type=artist&ids={artist}"),
        ),
        with(
            M::POST,
            "/me/playlists",
            "/v1/me/playlists".into(),
            json!({"name": "New"}),
        ),
        with(
            M::POST,
            "/users/{user_id}/playlists",
            format!("/v1/users/{alice}/playlists"),
            json!({"name": "Newer", "public": false}),
        ),
        with(
            M::PUT,
            "/playlists/{playlist_id}",
            format!("/v1/playlists/{p}"),
            json!({"name": "Trip"}),
        ),
        with(
            M::POST,
            "/playlists/{playlist_id}/items",
            items.clone(),
            json!({"uris": [uri(t1)], "position": 0}),
        ),
        with(
            M::PUT,
            "/playlists/{playlist_id}/items",
            items.clone(),
            json!({"range_start": 0, "insert_before": 2}),
        ),
        with(
            M::DELETE,
            "/playlists/{playlist_id}/items",
            items,
            json!({"items": [{"uri": uri(t1)}]}),
        ),
        with(
            M::POST,
            "/playlists/{playlist_id}/tracks",
            tracks.clone(),
            json!({"uris": [uri(t1)]}),
        ),
        with(
            M::PUT,
            "/playlists/{playlist_id}/tracks",
            tracks.clone(),
            json!({"uris": [uri(t0), uri(t1)]}),
        ),
        with(
            M::DELETE,
            "/playlists/{playlist_id}/tracks",
            tracks,
            json!({"tracks": [{"uri": uri(t1)}]}),
        ),
        bare_call(
            M::DELETE,
            "/playlists/{playlist_id}/followers",
            format!("/v1/playlists/{p}/followers"),
            true,
        ),
        bare_call(
            M::PUT,
            "/playlists/{playlist_id}/followers",
            format!("/v1/playlists/{p}/followers"),
            true,
        ),
    ]
}

#[tokio::test]
async fn every_shared_endpoint_answers_in_spotify_shapes() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let calls = calls(&w);

    // The list above covers every operation both APIs have.
    let doc = app.get("/v1/openapi.json", None).await.body;
    let medley: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(|m| (m.to_uppercase(), shape(path)))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut walked: BTreeSet<(String, String)> = calls
        .iter()
        .map(|(c, _)| (c.method.to_string(), shape(c.spec_path)))
        .collect();
    // The one call whose body is not JSON: a cover, as base64 JPEG. Spotify answers 202
    // without a body.
    let cover = super::covers::b64(&super::covers::jpeg(40, 30)).into_bytes();
    let r = super::covers::put_cover(&app, &w.playlist, &w.alice, "image/jpeg", cover).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert!(spec::response_schema("PUT", "/playlists/{playlist_id}/images", 202).is_none());
    walked.insert(("PUT".into(), shape("/playlists/{playlist_id}/images")));
    let shared: Vec<(String, String)> = spec::operations()
        .into_iter()
        .map(|(m, p)| (m, shape(&p)))
        .filter(|op| medley.contains(op))
        .filter(|(m, p)| {
            !DIFFERENT
                .iter()
                .any(|(dm, dp, _)| dm == m && shape(dp) == *p)
        })
        .collect();
    let missed: Vec<_> = shared.iter().filter(|op| !walked.contains(op)).collect();
    assert!(
        missed.is_empty(),
        "shared endpoints the walk does not call: {missed:?}"
    );

    let mut failures = Vec::new();
    for (c, as_bob) in &calls {
        let token = if *as_bob { &w.bob } else { &w.alice };
        let r = app
            .call(c.method.clone(), &c.url, Some(token), c.body.clone())
            .await;
        let what = format!("{} {}", c.method, c.url);
        if !r.status.is_success() {
            failures.push(format!("{what}: {} {}", r.status, r.body));
            continue;
        }
        // Where Spotify answers no body, whatever Medley adds (a snapshot id) is its own.
        if let Some(mut schema) =
            spec::response_schema(c.method.as_str(), c.spec_path, r.status.as_u16())
        {
            if c.spec_path == "/search" {
                // A search answers the types it was asked for (here not shows, episodes,
                // audiobooks or playlists), on Spotify too.
                schema["required"] = json!([]);
            }
            let problems = spec::problems(&schema, &r.body);
            if !problems.is_empty() {
                failures.push(format!(
                    "{what}:\n  {}\n  {}",
                    problems.join("\n  "),
                    r.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} answers do not match Spotify's spec:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
