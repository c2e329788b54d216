//! Signing in with Spotify against the emulator, both as real servers on loopback: the first
//! sign-in makes the account (name and picture from the Spotify profile, a unique username),
//! the second finds it; the connection is stored; a used or forged `state`, another browser,
//! and a disabled account are refused; a browser gets the session cookie; such an account,
//! which has no password, is deleted by typing its username.

use medley_spotify_emulator::control::types::NewUser;
use medley_spotify_emulator::{spawn, Config, Running};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::TestApp;

const PICTURE: &str = "https://i.scdn.co/image/alice-300";

async fn emulator() -> Running {
    let emu = spawn(Config::default()).await.unwrap();
    emu.control()
        .create_user(&NewUser {
            id: "alice".into(),
            display_name: Some("Alice Liddell".into()),
            image_url: Some(PICTURE.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    emu
}

/// A browser that does not follow redirects, so each hop can be checked.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Starts a sign-in: (the callback URL Spotify sends the browser back to, the sign-in cookie).
async fn start(app: &TestApp) -> (String, String) {
    let r = browser()
        .post(format!("{}/v1/sessions/spotify", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(
        set.contains("Path=/v1/connections/spotify/callback"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    let authorize = body["authorize_url"].as_str().unwrap();
    assert!(authorize.contains("code_challenge="), "PKCE: {authorize}");
    let hop = browser().get(authorize).send().await.unwrap();
    assert_eq!(hop.status(), StatusCode::FOUND, "the emulator answers");
    let back = hop.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&format!("{}/v1/connections/spotify/callback?", app.base)),
        "{back}"
    );
    (back, cookie)
}

/// Follows the callback with `cookie` (if any) and `accept`: (status, headers, JSON body).
async fn back_to_medley(
    url: &str,
    cookie: Option<&str>,
    accept: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = browser().get(url).header("accept", accept);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    let body = r.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

async fn sign_in(app: &TestApp) -> Value {
    let (back, cookie) = start(app).await;
    let (status, _, body) = back_to_medley(&back, Some(&cookie), "application/json").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn signing_in_with_spotify_makes_the_account_once_and_then_finds_it() {
    let emu = emulator().await;
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    // Someone has the username the profile's name gives.
    let (_, ana) = app.user("alice.liddell").await;
    emu.control().sign_in("alice").await.unwrap();

    let first = sign_in(&app).await;
    assert_eq!(first["created"], true, "{first}");
    assert_eq!(first["token_type"], "Bearer");
    let user = &first["user"];
    assert_eq!(user["display_name"], "Alice Liddell");
    assert_eq!(user["images"][0]["url"], PICTURE);
    assert_eq!(user["username"], "alice.liddell-2", "unique: {user}");
    let token = first["access_token"].as_str().unwrap();
    let me = app.get("/v1/me", Some(token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["id"], user["id"]);
    // The Spotify connection is stored, as linking stores it.
    let r = app.get("/v1/connections", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["items"][0]["account"]["id"], "alice");
    assert_eq!(r.body["items"][0]["state"], "active");

    // The second time: the same account.
    let second = sign_in(&app).await;
    assert_eq!(second["created"], false, "{second}");
    assert_eq!(second["user"]["id"], user["id"]);
    let other = second["access_token"].as_str().unwrap();
    assert_ne!(other, token);
    assert_eq!(app.get("/v1/me", Some(other)).await.body["id"], user["id"]);

    // Nobody can sign in with a password to an account made by Spotify.
    let r = app
        .post(
            "/v1/sessions",
            None,
            json!({"username": "alice.liddell-2", "password": "whatever-it-is"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // The other user was not touched.
    assert_eq!(
        app.get("/v1/me", Some(&ana)).await.body["username"],
        "alice.liddell"
    );
}

#[tokio::test]
async fn an_account_made_by_spotify_is_deleted_by_typing_its_username() {
    let emu = emulator().await;
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    let (_, root) = app.user("root").await;
    emu.control().sign_in("alice").await.unwrap();
    let first = sign_in(&app).await;
    let token = first["access_token"].as_str().unwrap().to_owned();
    let id = first["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(first["user"]["has_password"], false, "{first}");
    assert_eq!(
        app.get("/v1/me", Some(&token)).await.body["has_password"],
        false
    );
    assert_eq!(
        app.get("/v1/me", Some(&root)).await.body["has_password"],
        true
    );

    let delete = |body: Value| {
        let (app, token) = (&app, token.clone());
        async move { app.delete("/v1/me", Some(&token), Some(body)).await }
    };
    let r = delete(json!({"password": "anything-at-all"})).await;
    crate::harness::assert_problem(&r, StatusCode::BAD_REQUEST, "has no password");
    let r = delete(json!({"username": "alice"})).await;
    crate::harness::assert_problem(&r, StatusCode::FORBIDDEN, "`alice.liddell`, typed exactly");
    assert_eq!(app.get("/v1/me", Some(&token)).await.status, StatusCode::OK);

    let r = delete(json!({"username": "alice.liddell"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        app.get("/v1/connections", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The Spotify account is free: signing in with it makes a new Medley account, with the
    // username the deleted one had.
    let again = sign_in(&app).await;
    assert_eq!(again["created"], true, "{again}");
    assert_ne!(again["user"]["id"], id.as_str());
    assert_eq!(again["user"]["username"], "alice.liddell");
}

#[tokio::test]
async fn a_used_forged_or_foreign_sign_in_is_refused_and_a_disabled_account_is_403() {
    let emu = emulator().await;
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    let (_, admin) = app.user("admin").await;
    emu.control().sign_in("alice").await.unwrap();

    // Come back to another browser (no sign-in cookie): refused, and the state is spent.
    let (back, cookie) = start(&app).await;
    let (status, _, body) = back_to_medley(&back, None, "application/json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("another browser"),
        "{body}"
    );
    let (status, _, _) = back_to_medley(&back, Some(&cookie), "application/json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a state works once");
    // A cookie of another sign-in does not fit either.
    let (back, _) = start(&app).await;
    let (_, cookie_b) = start(&app).await;
    let (status, _, _) = back_to_medley(&back, Some(&cookie_b), "application/json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A reused state, after a sign-in that worked.
    let (back, cookie) = start(&app).await;
    let (status, _, signed) = back_to_medley(&back, Some(&cookie), "application/json").await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    let (status, _, body) = back_to_medley(&back, Some(&cookie), "application/json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // A forged one.
    let forged = back.replace("state=", "state=x");
    let (status, _, _) = back_to_medley(&forged, Some(&cookie), "application/json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Disabled by an administrator: 403, saying so.
    let id = signed["user"]["id"].as_str().unwrap();
    let r = app
        .http
        .patch(format!("{}/v1/admin/users/{id}", app.base))
        .bearer_auth(&admin)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (back, cookie) = start(&app).await;
    let (status, _, body) = back_to_medley(&back, Some(&cookie), "application/json").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("disabled"),
        "{body}"
    );
}

#[tokio::test]
async fn a_browser_signing_in_with_spotify_gets_the_session_cookie() {
    let emu = emulator().await;
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    emu.control().sign_in("alice").await.unwrap();
    let (back, cookie) = start(&app).await;
    let (status, headers, _) = back_to_medley(&back, Some(&cookie), "text/html").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/");
    let session = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("medley_session="))
        .expect("the session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let r = app
        .http
        .request(Method::GET, format!("{}/v1/web/session", app.base))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["display_name"], "Alice Liddell");
    assert!(body["csrf_token"].is_string());
}

#[tokio::test]
async fn a_spotify_account_linked_to_an_account_signs_in_to_it() {
    let emu = emulator().await;
    let app = TestApp::spawn_with_spotify(&emu, None).await;
    let (ana_id, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;
    emu.control().sign_in("alice").await.unwrap();

    // Linked to two Medley accounts, the Spotify account cannot tell which one: refused, and
    // no account is made.
    crate::spotify::connect(&app, &ana).await;
    let bobs = crate::spotify::connect(&app, &bob).await;
    let (back, cookie) = start(&app).await;
    let (status, _, body) = back_to_medley(&back, Some(&cookie), "application/json").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("2 Medley accounts"),
        "{body}"
    );
    let users = app.get("/v1/admin/users", Some(&ana)).await;
    assert_eq!(
        users.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        users.body
    );

    // Once only Ana has it linked, signing in with it is signing in as Ana.
    let id = bobs["id"].as_str().unwrap();
    let r = app
        .delete(&format!("/v1/connections/{id}"), Some(&bob), None)
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let signed = sign_in(&app).await;
    assert_eq!(signed["created"], false, "{signed}");
    assert_eq!(signed["user"]["id"], ana_id.as_str());
    let again = sign_in(&app).await;
    assert_eq!(again["user"]["id"], ana_id.as_str());
}
