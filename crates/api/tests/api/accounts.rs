use medley_api::ApiConfig;
use medley_store::testing::TestDb;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{assert_problem, TestApp};

#[tokio::test]
async fn register_login_me_logout() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/v1/users",
            None,
            json!({"username": "ana", "password": "ana-password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.body["is_admin"], true,
        "the first user administers the server"
    );
    let r = app
        .post(
            "/v1/users",
            None,
            json!({"username": "bob", "password": "bob-password"}),
        )
        .await;
    assert_eq!(r.body["is_admin"], false);

    let r = app
        .post(
            "/v1/sessions",
            None,
            json!({"username": "ana", "password": "ana-password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["token_type"], "Bearer");
    let token = r.body["access_token"].as_str().unwrap().to_owned();

    let me = app.get("/v1/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["type"], "user");
    assert_eq!(me.body["display_name"], "ana");
    let id = me.body["id"].as_str().unwrap();
    assert_eq!(id.len(), 22, "Spotify-shaped id");
    assert_eq!(me.body["uri"], format!("medley:user:{id}"));
    assert_eq!(me.body["href"], format!("{}/v1/users/{id}", app.base));

    assert_eq!(
        app.delete("/v1/sessions", Some(&token), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_problem(
        &app.get("/v1/me", Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        "revoked",
    );
}

#[tokio::test]
async fn bad_credentials_and_registrations_are_refused_precisely() {
    let app = TestApp::spawn().await;
    app.user("ana").await;
    assert_problem(
        &app.post(
            "/v1/users",
            None,
            json!({"username": "ana", "password": "another-one"}),
        )
        .await,
        StatusCode::CONFLICT,
        "taken",
    );
    assert_problem(
        &app.post(
            "/v1/users",
            None,
            json!({"username": "x", "password": "long-enough"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "username",
    );
    assert_problem(
        &app.post(
            "/v1/users",
            None,
            json!({"username": "carl", "password": "short"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "password",
    );
    assert_problem(
        &app.post("/v1/users", None, json!({"username": "carl"}))
            .await,
        StatusCode::BAD_REQUEST,
        "password",
    );
    assert_problem(
        &app.post(
            "/v1/users",
            None,
            json!({"username": 5, "password": "long-enough"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "username",
    );
    assert_problem(
        &app.post(
            "/v1/sessions",
            None,
            json!({"username": "ana", "password": "wrong-password"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "wrong username or password",
    );
    assert_problem(
        &app.post(
            "/v1/sessions",
            None,
            json!({"username": "nobody", "password": "wrong-password"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "wrong username or password",
    );
    assert_problem(
        &app.get("/v1/me", None).await,
        StatusCode::UNAUTHORIZED,
        "Bearer",
    );
    assert_problem(
        &app.get("/v1/me", Some("made-up")).await,
        StatusCode::UNAUTHORIZED,
        "invalid",
    );
    let r = app
        .http
        .post(format!("{}/v1/users", app.base))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("not valid JSON"));
    assert_eq!(
        app.store.user_count().await.unwrap(),
        1,
        "nothing was written by refused requests"
    );
}

#[tokio::test]
async fn closed_registration_still_allows_the_first_user() {
    let config = ApiConfig {
        registration: Some(false),
        ..ApiConfig::default()
    };
    let app = TestApp::spawn_with(TestDb::sqlite(), config).await;
    let offered = app.get("/v1/web/config", None).await;
    assert_eq!(
        offered.body,
        json!({"registration_open": true, "spotify_sign_in": false}),
        "the first user may register"
    );
    let (_, admin) = app.user("admin").await;
    let offered = app.get("/v1/web/config", None).await;
    assert_eq!(offered.body["registration_open"], false, "{}", offered.body);
    assert_problem(
        &app.post(
            "/v1/users",
            None,
            json!({"username": "late", "password": "late-password"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "closed",
    );
    // Fixed by the configuration: an administrator cannot open it in the app.
    let r = app
        .call(
            reqwest::Method::PATCH,
            "/v1/admin/settings",
            Some(&admin),
            Some(json!({"registration_open": true})),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "MEDLEY_REGISTRATION");
    let r = app.get("/v1/admin/settings", Some(&admin)).await;
    assert_eq!(
        r.body,
        json!({"registration_open": false, "registration_fixed": true})
    );
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let (_, first) = app.user("ana").await;
    let second = app
        .post(
            "/v1/sessions",
            None,
            json!({"username": "ana", "password": "ana-password"}),
        )
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = app
        .put(
            "/v1/me/password",
            Some(&first),
            json!({"current_password": "nope-nope", "new_password": "new-password"}),
        )
        .await;
    assert_problem(&wrong, StatusCode::FORBIDDEN, "current_password");
    let r = app
        .put(
            "/v1/me/password",
            Some(&first),
            json!({"current_password": "ana-password", "new_password": "new-password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        app.get("/v1/me", Some(&first)).await.status,
        StatusCode::OK,
        "the session that changed it stays"
    );
    assert_eq!(
        app.get("/v1/me", Some(&second)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = |password: &'static str| {
        app.post(
            "/v1/sessions",
            None,
            json!({"username": "ana", "password": password}),
        )
    };
    assert_eq!(login("ana-password").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login("new-password").await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn users_follow_each_other() {
    let app = TestApp::spawn().await;
    let (ana, ana_token) = app.user("ana").await;
    let (bob, bob_token) = app.user("bob").await;
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/v1/me/following?type=user&ids={bob}"),
            Some(&ana_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let profile = app.get(&format!("/v1/users/{bob}"), None).await;
    assert_eq!(profile.body["followers"]["total"], 1);
    assert_eq!(
        app.get("/v1/me", Some(&bob_token)).await.body["followers"]["total"],
        1
    );
    let contains = app
        .get(
            &format!("/v1/me/following/contains?type=user&ids={bob},{ana}"),
            Some(&ana_token),
        )
        .await;
    assert_eq!(contains.body, json!([true, false]));
    assert_problem(
        &app.call(
            reqwest::Method::PUT,
            "/v1/me/following?type=user&ids=0000000000000000000000",
            Some(&ana_token),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not a user",
    );
    assert_problem(
        &app.call(
            reqwest::Method::PUT,
            &format!("/v1/me/following?type=artist&ids={bob}"),
            Some(&ana_token),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not an artist",
    );
    let r = app
        .delete(
            &format!("/v1/me/following?type=user&ids={bob}"),
            Some(&ana_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/v1/users/{bob}"), None).await.body["followers"]["total"],
        0
    );
    assert_problem(
        &app.get("/v1/users/0000000000000000000000", None).await,
        StatusCode::NOT_FOUND,
        "user",
    );
}
