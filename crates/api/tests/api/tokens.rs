//! API tokens a user manages: made with a name and shown once, listed without their secret,
//! working as Bearer tokens, their last use recorded, revoked by id with effect at once, and
//! private to their owner.

use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{assert_problem, TestApp};
use crate::on_both_backends;

on_both_backends!(
    a_token_is_made_used_listed_and_revoked,
    bad_token_requests_are_refused_in_words,
);

async fn a_token_is_made_used_listed_and_revoked(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (ana_id, ana) = app.user("ana").await;
    let (_, bob) = app.user("bob").await;

    let r = app
        .post(
            "/v1/me/tokens",
            Some(&ana),
            json!({"name": "  backup script "}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["name"], "backup script");
    assert_eq!(r.body["last_used_at"], json!(null));
    assert_eq!(r.body["expires_at"], json!(null));
    let id = r.body["id"].as_str().unwrap().to_owned();
    let secret = r.body["token"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 40, "{secret}");

    // The secret works as a Bearer token, and its use is recorded.
    let me = app.get("/v1/me", Some(&secret)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["id"], ana_id);
    let listed = app.get("/v1/me/tokens", Some(&ana)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "sessions are not listed: {items:?}");
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["name"], "backup script");
    assert!(items[0]["last_used_at"].is_string(), "{}", items[0]);
    assert!(
        !listed.body.to_string().contains(&secret),
        "the secret is never shown again"
    );

    // Another user neither sees nor revokes it.
    let theirs = app.get("/v1/me/tokens", Some(&bob)).await;
    assert_eq!(theirs.body["items"], json!([]));
    let r = app
        .delete(&format!("/v1/me/tokens/{id}"), Some(&bob), None)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "no API token");
    assert_eq!(
        app.get("/v1/me", Some(&secret)).await.status,
        StatusCode::OK
    );

    // Revoking it ends it at once (the token was just used, so it is in the cache).
    let r = app
        .delete(&format!("/v1/me/tokens/{id}"), Some(&ana), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.get("/v1/me", Some(&secret)).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "revoked");
    let r = app
        .delete(&format!("/v1/me/tokens/{id}"), Some(&ana), None)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "no API token");
    assert_eq!(
        app.get("/v1/me/tokens", Some(&ana)).await.body["items"],
        json!([])
    );
    // The session that made it is untouched.
    assert_eq!(app.get("/v1/me", Some(&ana)).await.status, StatusCode::OK);
}

async fn bad_token_requests_are_refused_in_words(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (_, ana) = app.user("ana").await;
    let r = app
        .post("/v1/me/tokens", Some(&ana), json!({"name": "   "}))
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "give the token a name");
    let r = app
        .post(
            "/v1/me/tokens",
            Some(&ana),
            json!({"name": "x".repeat(101)}),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "at most 100 characters");
    let r = app
        .post("/v1/me/tokens", Some(&ana), json!({"label": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = app.post("/v1/me/tokens", None, json!({"name": "x"})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(
        app.get("/v1/me/tokens", Some(&ana)).await.body["items"],
        json!([]),
        "nothing was made"
    );
}
