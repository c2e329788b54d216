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
    let (p, bare) = (&w.playlist, &w.bare_playlist);
    let two = format!("{t0},{t1}");
    let uri = |t: &str| format!("medley:track:{t}");
    // (call, as bob?)
    vec![
        (
            call(
                M::GET,
                "/albums/{id}",
                format!("/v1/albums/{}", w.album),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/albums/{id}",
                format!("/v1/albums/{}", w.undated_album),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/albums/{id}/tracks",
                format!("/v1/albums/{}/tracks?limit=1", w.album),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/artists/{id}",
                format!("/v1/artists/{}", w.artist),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/artists/{id}/albums",
                format!("/v1/artists/{}/albums", w.artist),
                None,
            ),
            false,
        ),
        (
            call(M::GET, "/tracks/{id}", format!("/v1/tracks/{t3}"), None),
            false,
        ),
        (
            call(
                M::GET,
                "/tracks",
                format!("/v1/tracks?ids={two},{t3}"),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/search",
                "/v1/search?q=back&type=track,artist,album".into(),
                None,
            ),
            false,
        ),
        (call(M::GET, "/me", "/v1/me".into(), None), false),
        (
            call(
                M::GET,
                "/users/{user_id}",
                format!("/v1/users/{}", w.bob_id),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/playlists/{playlist_id}",
                format!("/v1/playlists/{p}"),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/playlists/{playlist_id}",
                format!("/v1/playlists/{bare}"),
                None,
            ),
            true,
        ),
        (
            call(
                M::GET,
                "/playlists/{playlist_id}/items",
                format!("/v1/playlists/{p}/items?limit=2"),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/playlists/{playlist_id}/tracks",
                format!("/v1/playlists/{p}/tracks"),
                None,
            ),
            false,
        ),
        (
            call(M::GET, "/me/playlists", "/v1/me/playlists".into(), None),
            true,
        ),
        (
            call(
                M::GET,
                "/playlists/{playlist_id}/followers/contains",
                format!("/v1/playlists/{p}/followers/contains?ids={}", w.bob_id),
                None,
            ),
            false,
        ),
        (
            call(
                M::PUT,
                "/me/tracks",
                format!("/v1/me/tracks?ids={two}"),
                None,
            ),
            false,
        ),
        (
            call(M::GET, "/me/tracks", "/v1/me/tracks".into(), None),
            false,
        ),
        (
            call(
                M::GET,
                "/me/tracks/contains",
                format!("/v1/me/tracks/contains?ids={two},{t3}"),
                None,
            ),
            false,
        ),
        (
            call(
                M::DELETE,
                "/me/tracks",
                format!("/v1/me/tracks?ids={t1}"),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/me/top/{type}",
                "/v1/me/top/tracks?time_range=long_term".into(),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/me/top/{type}",
                "/v1/me/top/artists?time_range=long_term".into(),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/me/player/recently-played",
                "/v1/me/player/recently-played?limit=3".into(),
                None,
            ),
            false,
        ),
        (
            call(
                M::GET,
                "/me/player/recently-played",
                "/v1/me/player/recently-played".into(),
                None,
            ),
            true,
        ),
        (
            call(
                M::PUT,
                "/me/following",
                format!("/v1/me/following?type=user&ids={}", w.alice_id),
                None,
            ),
            true,
        ),
        (
            call(
                M::GET,
                "/me/following/contains",
                format!(
                    "/v1/me/following/contains?type=user&ids={},{}",
                    w.alice_id, w.bob_id
                ),
                None,
            ),
            true,
        ),
        (
            call(
                M::DELETE,
                "/me/following",
                format!("/v1/me/following?type=user&ids={}", w.alice_id),
                None,
            ),
            true,
        ),
        (
            call(
                M::POST,
                "/me/playlists",
                "/v1/me/playlists".into(),
                Some(json!({"name": "New"})),
            ),
            false,
        ),
        (
            call(
                M::POST,
                "/users/{user_id}/playlists",
                format!("/v1/users/{}/playlists", w.alice_id),
                Some(json!({"name": "Newer", "public": false})),
            ),
            false,
        ),
        (
            call(
                M::PUT,
                "/playlists/{playlist_id}",
                format!("/v1/playlists/{p}"),
                Some(json!({"name": "Road trip 2"})),
            ),
            false,
        ),
        (
            call(
                M::POST,
                "/playlists/{playlist_id}/items",
                format!("/v1/playlists/{p}/items"),
                Some(json!({"uris": [uri(t1)], "position": 0})),
            ),
            false,
        ),
        (
            call(
                M::PUT,
                "/playlists/{playlist_id}/items",
                format!("/v1/playlists/{p}/items"),
                Some(json!({"range_start": 0, "insert_before": 2})),
            ),
            false,
        ),
        (
            call(
                M::DELETE,
                "/playlists/{playlist_id}/items",
                format!("/v1/playlists/{p}/items"),
                Some(json!({"items": [{"uri": uri(t1)}]})),
            ),
            false,
        ),
        (
            call(
                M::POST,
                "/playlists/{playlist_id}/tracks",
                format!("/v1/playlists/{p}/tracks"),
                Some(json!({"uris": [uri(t1)]})),
            ),
            false,
        ),
        (
            call(
                M::PUT,
                "/playlists/{playlist_id}/tracks",
                format!("/v1/playlists/{p}/tracks"),
                Some(json!({"uris": [uri(t0), uri(t1)]})),
            ),
            false,
        ),
        (
            call(
                M::DELETE,
                "/playlists/{playlist_id}/tracks",
                format!("/v1/playlists/{p}/tracks"),
                Some(json!({"tracks": [{"uri": uri(t1)}]})),
            ),
            false,
        ),
        (
            call(
                M::DELETE,
                "/playlists/{playlist_id}/followers",
                format!("/v1/playlists/{p}/followers"),
                None,
            ),
            true,
        ),
        (
            call(
                M::PUT,
                "/playlists/{playlist_id}/followers",
                format!("/v1/playlists/{p}/followers"),
                None,
            ),
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
    let walked: BTreeSet<(String, String)> = calls
        .iter()
        .map(|(c, _)| (c.method.to_string(), shape(c.spec_path)))
        .collect();
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
