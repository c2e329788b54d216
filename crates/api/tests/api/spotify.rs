//! Spotify connections against the emulator, both as real servers on loopback: linking through
//! the real redirect flow, state checks, sealed tokens, renewal and rotation, the user asked to
//! connect again, quota pauses kept across restarts, usage per connection and per app.

use medley_domain::UserId;
use medley_spotify::SpotifyError;
use medley_spotify_emulator::control::types::AppSettings;
use medley_spotify_emulator::{spawn, Config, Running};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::TestApp;

/// A browser that does not follow redirects, so each hop can be checked.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Where Spotify sends the browser back after the user holding `token` starts linking an
/// account: Medley's authorize URL, then the emulator's answer (approval or refusal).
async fn callback_url(app: &TestApp, token: &str) -> String {
    let r = app
        .post("/v1/connections/spotify", Some(token), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let authorize = r.body["authorize_url"].as_str().unwrap().to_owned();
    let hop = browser().get(&authorize).send().await.unwrap();
    assert_eq!(hop.status(), StatusCode::FOUND, "the emulator answers");
    let back = hop.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&format!("{}/v1/connections/spotify/callback?", app.base)),
        "{back}"
    );
    back
}

/// Links the emulator's signed-in user to the Medley user holding `token`, as a browser
/// would: Medley's authorize URL, Spotify's approval, the redirect back to Medley.
pub async fn connect(app: &TestApp, token: &str) -> Value {
    let back = callback_url(app, token).await;
    let r = app.get(&back, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

/// The URIs a Spotify playlist holds, in order, as the emulator keeps them.
pub async fn held(control: &medley_spotify_emulator::Control, playlist: &str) -> Vec<String> {
    control
        .get_playlist(playlist)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.uri)
        .collect()
}

async fn emulator() -> Running {
    let emu = spawn(Config::default()).await.unwrap();
    emu.control().user("alice").await.unwrap();
    emu
}

#[tokio::test]
async fn a_user_links_an_account_through_the_redirect_flow() {
    let emu = emulator().await;
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    let (_, ana) = app.user("ana").await;
    let (_, ben) = app.user("ben").await;

    let r = app
        .post("/v1/connections/spotify", Some(&ana), json!({}))
        .await;
    let url = url::Url::parse(r.body["authorize_url"].as_str().unwrap()).unwrap();
    assert_eq!(
        url.as_str().split('?').next().unwrap(),
        format!("{}/authorize", emu.accounts_url())
    );
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "medley-test");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["scope"].contains("playlist-modify-private"));
    assert!(q["state"].len() >= 16);

    let connection = connect(&app, &ana).await;
    assert_eq!(connection["account"]["id"], "alice");
    // A browser gets a page naming both accounts.
    let back = callback_url(&app, &ana).await;
    let page = browser()
        .get(&back)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<b>alice</b>") && page.contains("<b>ana</b>"),
        "{page}"
    );
    assert_eq!(connection["account"]["uri"], "spotify:user:alice");
    assert_eq!(connection["state"], "active");
    // Exchanging the code and asking who the user is: two requests.
    assert_eq!(connection["requests_24h"], 2);

    // Linking the same account again (above, from a browser) kept one connection; the two
    // links cost two requests each.
    let list = app.get("/v1/connections", Some(&ana)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["requests_24h"], 4);
    assert_eq!(list.body["app"]["client_id"], "medley-test");
    assert_eq!(list.body["app"]["requests_24h"], 4);
    assert_eq!(
        app.get("/v1/connections", Some(&ben)).await.body["items"],
        json!([])
    );

    // The tokens are stored sealed: nothing in the row reads as a token.
    let stored = &app
        .store
        .connections(&connection_user(&app, "ana").await)
        .await
        .unwrap()[0];
    assert!(stored.sealed_tokens.starts_with("v1."));
    assert!(!stored.sealed_tokens.contains("access_token"));

    // Someone else cannot unlink it; its owner can, and the tokens go with it.
    let id = connection["id"].as_str().unwrap();
    let path = format!("/v1/connections/{id}");
    assert_eq!(
        app.delete(&path, Some(&ben), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete(&path, Some(&ana), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(app.store.connection(id).await.unwrap().is_none());
    assert_eq!(
        app.delete(&path, Some(&ana), None).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn connection_user(app: &TestApp, name: &str) -> UserId {
    app.store
        .user_by_username(name)
        .await
        .unwrap()
        .unwrap()
        .0
        .id
}

#[tokio::test]
async fn the_callback_refuses_unknown_reused_and_declined_authorizations() {
    let emu = emulator().await;
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    let (_, ana) = app.user("ana").await;

    let back = callback_url(&app, &ana).await;
    // A forged state is refused, and does not spend the real one.
    let forged = back.replace("state=", "state=x");
    let r = app.get(&forged, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["detail"].as_str().unwrap().contains("start again"));
    assert_eq!(app.get(&back, None).await.status, StatusCode::OK);
    // A state is good once.
    assert_eq!(app.get(&back, None).await.status, StatusCode::BAD_REQUEST);
    // Missing parameters.
    let cb = "/v1/connections/spotify/callback";
    assert_eq!(
        app.get(&format!("{cb}?code=x"), None).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get(&format!("{cb}?state=x"), None).await.status,
        StatusCode::BAD_REQUEST
    );

    // The user declines in the browser: Spotify comes back with an error, nothing is linked.
    emu.control()
        .set_browser(&medley_spotify_emulator::control::types::BrowserUser {
            user_id: "alice".into(),
            deny: true,
        })
        .await
        .unwrap();
    let (_, ben) = app.user("ben").await;
    let back = callback_url(&app, &ben).await;
    assert!(back.contains("error=access_denied"), "{back}");
    let r = app.get(&back, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["detail"].as_str().unwrap().contains("access_denied"));
    assert_eq!(
        app.get("/v1/connections", Some(&ben)).await.body["items"],
        json!([])
    );

    // Linking needs a signed-in Medley user.
    assert_eq!(
        app.post("/v1/connections/spotify", None, json!({}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn without_a_spotify_app_connections_say_how_to_configure_one() {
    let app = TestApp::spawn().await;
    let (_, ana) = app.user("ana").await;
    let r = app
        .post("/v1/connections/spotify", Some(&ana), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body["detail"]
        .as_str()
        .unwrap()
        .contains("MEDLEY_SPOTIFY_CLIENT_ID"));
}

#[tokio::test]
async fn tokens_are_renewed_and_rotated_until_the_user_must_connect_again() {
    let emu = emulator().await;
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    let (_, ana) = app.user("ana").await;
    let id = connect(&app, &ana).await["id"].as_str().unwrap().to_owned();
    let spotify = app.state.app.spotify.clone().unwrap();
    let sealed = |c: &medley_store::Connection| c.sealed_tokens.clone();
    let before = app.store.connection(&id).await.unwrap().unwrap();

    // An hour later Spotify refuses the access token: Medley renews it, keeps the rotated
    // refresh token, and the request goes through.
    emu.control().advance(3_700).await.unwrap();
    let session = spotify.session(&app.store, &before).await.unwrap();
    let me = session.me().await;
    spotify
        .settle(app.store.as_ref(), &before, &session, &me)
        .await
        .unwrap();
    assert_eq!(me.unwrap().id, "alice");
    let renewed = app.store.connection(&id).await.unwrap().unwrap();
    assert_ne!(
        sealed(&renewed),
        sealed(&before),
        "the rotated tokens are stored"
    );
    // The old refresh token is dead at Spotify: only the stored one works from here.
    emu.control().advance(3_700).await.unwrap();
    let session = spotify.session(&app.store, &renewed).await.unwrap();
    let me = session.me().await;
    spotify
        .settle(app.store.as_ref(), &renewed, &session, &me)
        .await
        .unwrap();
    assert!(me.is_ok(), "{me:?}");

    // Six months after consent the refresh token expires: the user must connect again.
    emu.control().advance(184 * 24 * 3_600).await.unwrap();
    let current = app.store.connection(&id).await.unwrap().unwrap();
    let session = spotify.session(&app.store, &current).await.unwrap();
    let me = session.me().await;
    assert!(matches!(me, Err(SpotifyError::InvalidGrant(_))), "{me:?}");
    spotify
        .settle(app.store.as_ref(), &current, &session, &me)
        .await
        .unwrap();
    let list = app.get("/v1/connections", Some(&ana)).await;
    assert_eq!(list.body["items"][0]["state"], "reconnect");
    assert!(list.body["items"][0]["reason"].as_str().unwrap().len() > 3);
    let refused = spotify
        .session(
            &app.store,
            &app.store.connection(&id).await.unwrap().unwrap(),
        )
        .await;
    assert!(
        refused.is_err(),
        "no work for a connection that must be linked again"
    );

    // Connecting again makes the same connection active.
    let again = connect(&app, &ana).await;
    assert_eq!(again["id"], id.as_str());
    assert_eq!(again["state"], "active");
}

#[tokio::test]
async fn a_spent_daily_quota_pauses_the_app_across_restarts() {
    let emu = emulator().await;
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    let (_, ana) = app.user("ana").await;
    let id = connect(&app, &ana).await["id"].as_str().unwrap().to_owned();
    let connection = app.store.connection(&id).await.unwrap().unwrap();
    // Spotify's quota for the app: the two requests of linking and three more.
    emu.control()
        .configure_app(
            "medley-test",
            &AppSettings {
                daily_quota: Some(Some(5)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let spotify = app.state.app.spotify.clone().unwrap();
    let session = spotify.session(&app.store, &connection).await.unwrap();
    let mut outcome = Ok(());
    for _ in 0..5 {
        outcome = session.me().await.map(|_| ());
        if outcome.is_err() {
            break;
        }
    }
    let Err(SpotifyError::QuotaExceeded { until_ms }) = outcome else {
        panic!("expected the quota to run out: {outcome:?}");
    };
    spotify
        .settle(app.store.as_ref(), &connection, &session, &outcome)
        .await
        .unwrap();
    let list = app.get("/v1/connections", Some(&ana)).await;
    assert_eq!(list.body["items"][0]["state"], "paused");
    assert!(list.body["items"][0]["paused_until"].is_string());
    assert!(list.body["app"]["paused_until"].is_string());
    // Spotify said 13 hours or more.
    assert!(until_ms - medley_app::now_ms() > 12 * 3_600_000);

    // A restarted node (a fresh Spotify side over the same database) sends nothing either.
    let sent = emu.control().requests().await.unwrap().total;
    let restarted =
        crate::harness::spotify_for(&emu.api_url(), &emu.accounts_url(), &app.base, None);
    let session = restarted.session(&app.store, &connection).await.unwrap();
    assert!(matches!(
        session.me().await,
        Err(SpotifyError::QuotaExceeded { .. })
    ));
    assert_eq!(emu.control().requests().await.unwrap().total, sent);
}

#[tokio::test]
async fn a_daily_budget_is_shared_fairly_between_connections() {
    let emu = emulator().await;
    emu.control().user("bert").await.unwrap();
    let app = TestApp::spawn_with_spotify(&emu, Some(20)).await;
    let (_, ana) = app.user("ana").await;
    let (_, ben) = app.user("ben").await;
    let a = connect(&app, &ana).await["id"].as_str().unwrap().to_owned();
    emu.control().sign_in("bert").await.unwrap();
    let b = connect(&app, &ben).await["id"].as_str().unwrap().to_owned();
    let spotify = app.state.app.spotify.clone().unwrap();
    // Linking cost 2 each; each is guaranteed 10 of 20. Ana spends all she may.
    let ca = app.store.connection(&a).await.unwrap().unwrap();
    let session = spotify.session(&app.store, &ca).await.unwrap();
    let mut spent = 0;
    let outcome = loop {
        match session.me().await {
            Ok(_) => spent += 1,
            Err(e) => break Err::<(), _>(e),
        }
    };
    assert_eq!(outcome, Err(SpotifyError::BudgetSpent));
    spotify
        .settle(app.store.as_ref(), &ca, &session, &outcome)
        .await
        .unwrap();
    assert_eq!(spent, 8, "ana's 10 less the 2 of linking");
    let list = app.get("/v1/connections", Some(&ana)).await;
    assert_eq!(list.body["items"][0]["state"], "paused");
    assert_eq!(list.body["items"][0]["requests_24h"], 10);
    // Ben still has his whole share.
    let cb = app.store.connection(&b).await.unwrap().unwrap();
    let session = spotify.session(&app.store, &cb).await.unwrap();
    for _ in 0..8 {
        session.me().await.unwrap();
    }
    let outcome = session.me().await.map(|_| ());
    assert_eq!(outcome, Err(SpotifyError::BudgetSpent));
    spotify
        .settle(app.store.as_ref(), &cb, &session, &outcome)
        .await
        .unwrap();
    let list = app.get("/v1/connections", Some(&ben)).await;
    assert_eq!(list.body["app"]["requests_24h"], 20);
    assert_eq!(list.body["app"]["daily_budget"], 20);
}

#[tokio::test]
async fn recently_played_is_polled_from_a_cursor_and_counts_once_with_a_later_export() {
    use medley_app::spotify::plays;
    use medley_spotify_emulator::control::types::NewPlay;

    let emu = emulator().await;
    let control = emu.control();
    let tracks = control.generate(10, 3).await.unwrap();
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    let (_, ana) = app.user("ana").await;
    let id = connect(&app, &ana).await["id"].as_str().unwrap().to_owned();
    let start = control.clock().await.unwrap().now_ms - 3_600_000;
    let at = |i: usize| start + i as i64 * 240_000;
    let played = |range: std::ops::Range<usize>| -> Vec<NewPlay> {
        range
            .map(|i| NewPlay {
                track_id: tracks.ids[i].clone(),
                played_at_ms: Some(at(i)),
                context_uri: None,
            })
            .collect()
    };
    control.record_plays("alice", &played(1..4)).await.unwrap();

    let polled = plays::poll(&app.state.app, &id).await.unwrap();
    assert_eq!((polled.seen, polled.added, polled.requests), (3, 3, 1));
    let r = app
        .get("/v1/me/player/recently-played?limit=50", Some(&ana))
        .await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[0]["track"]["external_urls"]["spotify"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap(),
        tracks.ids[3],
        "latest first"
    );
    // Nothing new: one request, nothing recorded.
    let polled = plays::poll(&app.state.app, &id).await.unwrap();
    assert_eq!((polled.seen, polled.added, polled.requests), (0, 0, 1));
    control.record_plays("alice", &played(4..6)).await.unwrap();
    let polled = plays::poll(&app.state.app, &id).await.unwrap();
    assert_eq!((polled.seen, polled.added), (2, 2));

    // Later the user imports a data export holding the same five plays and one from before
    // Medley was connected: the five count once (the export's facts replace the estimates).
    // Exports name tracks as Spotify does: the catalog learned those names from the polls.
    let known = app.store.tracks_by_spotify_ids(&tracks.ids).await.unwrap();
    let mut names = Vec::new();
    for i in 0..6 {
        names.push(match known.get(&tracks.ids[i]) {
            Some(id) => {
                let t = app
                    .store
                    .tracks(std::slice::from_ref(id))
                    .await
                    .unwrap()
                    .remove(0);
                (t.name, t.artists[0].name.clone())
            }
            None => ("Before Medley".to_owned(), "Someone".to_owned()),
        });
    }
    let rows: Vec<Value> = (0..6)
        .map(|i| {
            let ts = jiff::Timestamp::from_millisecond(at(i)).unwrap();
            json!({
                "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "platform": "ios",
                "ms_played": 180_000,
                "conn_country": "SE",
                "master_metadata_track_name": names[i].0,
                "master_metadata_album_artist_name": names[i].1,
                "master_metadata_album_album_name": "Something",
                "spotify_track_uri": tracks.uris[i],
                "reason_start": "trackdone",
                "reason_end": "trackdone",
                "shuffle": false,
                "skipped": false,
                "offline": false,
                "incognito_mode": false,
            })
        })
        .collect();
    let body = serde_json::to_vec(&rows).unwrap();
    let done = app
        .import(&ana, "Streaming_History_Audio_2026.json", body)
        .await;
    assert_eq!(done["status"], "done", "{done}");
    let totals = &done["report"]["totals"];
    assert_eq!(
        (totals["added"].as_u64(), totals["replaced"].as_u64()),
        (Some(1), Some(5)),
        "{done}"
    );
    let r = app
        .get("/v1/me/player/recently-played?limit=50", Some(&ana))
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 6);
}
