//! The accounts service: PKCE end to end, refresh rotation and expiry, redirect URI rules,
//! confidential clients, revocation, access-token expiry.

use std::collections::HashMap;

use base64::Engine;
use medley_spotify_emulator::control::AppSettings;
use medley_spotify_emulator::world::auth::s256;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::*;

const VERIFIER: &str = "a-very-long-code-verifier-string-of-at-least-43-characters-0123";
const REDIRECT: &str = "http://127.0.0.1:8765/callback";

async fn authorize(
    env: &Env,
    client_id: &str,
    redirect: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut q = vec![
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("state", "st4te"),
        ("scope", "playlist-read-private user-library-read"),
    ];
    q.extend_from_slice(extra);
    env.http
        .get(format!("{}/authorize", env.emu.accounts_url()))
        .query(&q)
        .send()
        .await
        .unwrap()
}

fn query_of(location: &str) -> HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn pkce_code(env: &Env) -> String {
    let challenge = s256(VERIFIER);
    let resp = authorize(
        env,
        APP,
        REDIRECT,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(REDIRECT));
    let q = query_of(&location);
    assert_eq!(q["state"], "st4te");
    q["code"].clone()
}

async fn token(env: &Env, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let resp = env
        .http
        .post(format!("{}/api/token", env.emu.accounts_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap())
}

#[tokio::test]
async fn pkce_flow_end_to_end() {
    let env = start().await;
    env.control.user("alice").await.unwrap();
    let code = pkce_code(&env).await;
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", APP),
        ("code_verifier", VERIFIER),
    ];
    let (status, grant) = token(&env, &exchange).await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    assert_eq!(grant["token_type"], "Bearer");
    assert_eq!(grant["expires_in"], 3600);
    assert_eq!(grant["scope"], "playlist-read-private user-library-read");
    let access = grant["access_token"].as_str().unwrap();
    let me = env.get(access, "/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["id"], "alice");

    // Codes are single-use.
    let (status, err) = token(&env, &exchange).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"], "invalid_grant");
    assert_eq!(err["error_description"], "Invalid authorization code");

    // Refresh rotates; the old refresh token stops working.
    let first = grant["refresh_token"].as_str().unwrap().to_string();
    let (status, refreshed) = token(
        &env,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &first),
            ("client_id", APP),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let second = refreshed["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(
        env.get(refreshed["access_token"].as_str().unwrap(), "/me")
            .await
            .status,
        StatusCode::OK
    );
    let (status, err) = token(
        &env,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &first),
            ("client_id", APP),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(err["error_description"], "Invalid refresh token");

    // The access token expires after an hour of virtual time.
    env.control.advance(3_601).await.unwrap();
    let expired = env.get(access, "/me").await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.body["error"]["message"], "The access token expired");
    assert_eq!(expired.body["error"]["status"], 401);

    // A refresh within six months of consent still works and keeps rotating...
    env.control.advance(90 * 86_400).await.unwrap();
    let (status, third) = token(
        &env,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &second),
            ("client_id", APP),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let third = third["refresh_token"].as_str().unwrap().to_string();
    // ...but six months after consent (not after the last refresh) it is over.
    env.control.advance(94 * 86_400).await.unwrap();
    let (status, err) = token(
        &env,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &third),
            ("client_id", APP),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"], "invalid_grant");
}

#[tokio::test]
async fn wrong_verifier_and_wrong_redirect_are_refused() {
    let env = start().await;
    env.control.user("alice").await.unwrap();
    let code = pkce_code(&env).await;
    let (status, err) = token(
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", APP),
            (
                "code_verifier",
                "wrong-verifier-wrong-verifier-wrong-verifier-0",
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let code = pkce_code(&env).await;
    let (status, err) = token(
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:1/other"),
            ("client_id", APP),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // Codes expire after ten minutes.
    let code = pkce_code(&env).await;
    env.control.advance(601).await.unwrap();
    let (status, err) = token(
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", APP),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn redirect_uris_must_be_https_or_loopback_literals() {
    let env = start().await;
    env.control.user("alice").await.unwrap();
    let challenge = s256(VERIFIER);
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let resp = authorize(&env, APP, "http://localhost:8765/callback", &pkce).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("INVALID_CLIENT: Insecure redirect URI"));
    for ok in [
        "https://medley.example/cb",
        "http://[::1]:8765/cb",
        REDIRECT,
    ] {
        assert_eq!(
            authorize(&env, APP, ok, &pkce).await.status(),
            StatusCode::FOUND,
            "{ok}"
        );
    }
    // An unknown response_type comes back to the client as an error.
    let resp = authorize(&env, APP, REDIRECT, &[("response_type", "token")]).await;
    let q = query_of(resp.headers()["location"].to_str().unwrap());
    assert_eq!(q["error"], "unsupported_response_type");
    assert_eq!(q["state"], "st4te");
}

#[tokio::test]
async fn confidential_client_uses_basic_auth() {
    let env = start().await;
    env.control.user("bob").await.unwrap();
    let settings = AppSettings {
        client_secret: Some("s3cret".into()),
        ..Default::default()
    };
    env.control
        .configure_app("web-app", &settings)
        .await
        .unwrap();
    let resp = authorize(&env, "web-app", REDIRECT, &[]).await;
    let code = query_of(resp.headers()["location"].to_str().unwrap())["code"].clone();
    let post = |secret: &'static str, code: String| {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("web-app:{secret}"));
        env.http
            .post(format!("{}/api/token", env.emu.accounts_url()))
            .header("authorization", format!("Basic {basic}"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
            ])
            .send()
    };
    let bad = post("nope", code.clone()).await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let good = post("s3cret", code).await.unwrap();
    assert_eq!(good.status(), StatusCode::OK);
}

#[tokio::test]
async fn revoked_tokens_fail() {
    let env = start().await;
    env.control.user("carol").await.unwrap();
    let grant = env.control.mint_token("carol", APP, SCOPES).await.unwrap();
    env.control.revoke("carol", None).await.unwrap();
    let me = env.get(&grant.access_token, "/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.body["error"]["message"], "Invalid access token");
    let (status, err) = token(
        &env,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &grant.refresh_token),
            ("client_id", APP),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error_description"], "Refresh token revoked");
}
