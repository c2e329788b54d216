//! Administration of accounts through the API: listing, disabling (which signs the account out
//! and refuses its password), enabling, the administrator role; refusals in words.

use medley_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{assert_problem, Reply, TestApp};
use crate::on_both_backends;

on_both_backends!(administrators_manage_accounts);
on_both_backends!(administrators_open_and_close_registration);

async fn administrators_manage_accounts(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (admin_id, admin) = app.user("root").await;
    let (bob_id, bob) = app.user("bob").await;
    let patch = |token: String, id: String, body: serde_json::Value| {
        let app = &app;
        async move {
            app.call(
                Method::PATCH,
                &format!("/v1/admin/users/{id}"),
                Some(&token),
                Some(body),
            )
            .await
        }
    };

    let r = app.get("/v1/admin/users", Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["total"], 2);
    assert_eq!(r.body["items"][1]["username"], "bob");
    assert_eq!(r.body["items"][1]["disabled"], false);
    let r = app.get("/v1/admin/users", Some(&bob)).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "only an administrator");

    let r = patch(admin.clone(), bob_id.clone(), json!({"disabled": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["disabled"], true);
    assert!(r.body["disabled_at"].is_string());
    assert_eq!(
        app.get("/v1/me", Some(&bob)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = json!({"username": "bob", "password": "bob-password"});
    let r = app.post("/v1/sessions", None, login.clone()).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "this account is disabled");
    let r = patch(
        admin.clone(),
        bob_id.clone(),
        json!({"disabled": false, "is_admin": true}),
    )
    .await;
    assert_eq!(
        (r.body["disabled"].clone(), r.body["is_admin"].clone()),
        (json!(false), json!(true))
    );
    let r = app.post("/v1/sessions", None, login).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["user"]["is_admin"], true);

    // Refusals, each changing nothing.
    let r = patch(admin.clone(), admin_id.clone(), json!({"is_admin": false})).await;
    assert_problem(&r, StatusCode::CONFLICT, "your own");
    let r = patch(admin.clone(), "nobody".into(), json!({"disabled": true})).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "no user `nobody`");
    let r = patch(admin.clone(), bob_id.clone(), json!({})).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "say what to change");
    let r = patch(admin.clone(), bob_id.clone(), json!({"admin": true})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = app.get("/v1/admin/users", Some(&admin)).await;
    assert_eq!(
        r.body["items"][0]["is_admin"], true,
        "still an administrator"
    );
}

async fn settings(app: &TestApp, token: &str, body: serde_json::Value) -> Reply {
    app.call(Method::PATCH, "/v1/admin/settings", Some(token), Some(body))
        .await
}

async fn administrators_open_and_close_registration(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (_, admin) = app.user("root").await;
    let (_, bob) = app.user("bob").await;
    let r = app.get("/v1/admin/settings", Some(&admin)).await;
    assert_eq!(
        r.body,
        json!({"registration_open": true, "registration_fixed": false}),
        "open until an administrator closes it"
    );
    assert_problem(
        &app.get("/v1/admin/settings", Some(&bob)).await,
        StatusCode::FORBIDDEN,
        "only an administrator",
    );
    assert_problem(
        &settings(&app, &bob, json!({"registration_open": false})).await,
        StatusCode::FORBIDDEN,
        "only an administrator may open or close registration",
    );
    for bad in [
        json!({"registration_open": "no"}),
        json!({"open": false}),
        json!({}),
    ] {
        let r = settings(&app, &admin, bad.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }

    // Closed: the sign-in page says so and nobody new gets in.
    let r = settings(&app, &admin, json!({"registration_open": false})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["registration_open"], false);
    assert_eq!(
        app.get("/v1/web/config", None).await.body["registration_open"],
        false
    );
    let newcomer = json!({"username": "cleo", "password": "cleo-password"});
    assert_problem(
        &app.post("/v1/users", None, newcomer.clone()).await,
        StatusCode::FORBIDDEN,
        "registration is closed",
    );
    assert_eq!(
        app.get("/v1/admin/settings", Some(&admin)).await.body["registration_open"],
        false,
        "kept"
    );

    // Open again.
    let r = settings(&app, &admin, json!({"registration_open": true})).await;
    assert_eq!(r.body["registration_open"], true, "{}", r.body);
    let r = app.post("/v1/users", None, newcomer).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}
