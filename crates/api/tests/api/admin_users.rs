//! Administration of accounts through the API: listing, disabling (which signs the account out
//! and refuses its password), enabling, the administrator role; refusals in words.

use medley_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{assert_problem, TestApp};
use crate::on_both_backends;

on_both_backends!(administrators_manage_accounts);

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
    let r = app.get("/v1/admin/settings", Some(&admin)).await;
    assert_eq!(r.body["registration_open"], true, "{}", r.body);

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
