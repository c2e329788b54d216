//! A password change ends the user's other sessions at once: through the API on the node that
//! made it, and through the command line (another process sharing the database) on a running
//! server within its revocation check, tokens it had cached included.

use std::time::Duration;

use medley_domain::UserId;
use medley_events::Event;
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;
use crate::on_both_backends;

async fn session(app: &TestApp, user: &str, password: &str) -> String {
    let r = app
        .post(
            "/v1/sessions",
            None,
            json!({"username": user, "password": password}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["access_token"].as_str().unwrap().to_owned()
}

/// Waits until `token` is refused, up to `deadline`; panics if it never is.
async fn until_refused(app: &TestApp, token: &str, deadline: Duration) {
    let until = tokio::time::Instant::now() + deadline;
    let mut every = tokio::time::interval(Duration::from_millis(50));
    loop {
        every.tick().await;
        if app.get("/v1/me", Some(token)).await.status == StatusCode::UNAUTHORIZED {
            return;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "the old session still works {deadline:?} after the password change"
        );
    }
}

async fn a_password_change_ends_other_sessions_at_once(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let (user_id, kept) = app.user("ana").await;
    let other = session(&app, "ana", "ana-password").await;
    // Used once, so the server has it cached.
    assert_eq!(app.get("/v1/me", Some(&other)).await.status, StatusCode::OK);

    let mut events = app.bus.subscribe();
    let r = app
        .put(
            "/v1/me/password",
            Some(&kept),
            json!({"current_password": "ana-password", "new_password": "a new password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Ended at once on this node, and announced for the others.
    assert_eq!(
        app.get("/v1/me", Some(&other)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/v1/me", Some(&kept)).await.status, StatusCode::OK);
    let announced = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Event::SessionsEnded { user_id: u } = &*events.next().await.unwrap() {
                return u.clone();
            }
        }
    })
    .await
    .expect("a SessionsEnded event");
    assert_eq!(announced, user_id);

    // `medley user passwd` from another process: it shares only the database with the server.
    let cached = session(&app, "ana", "a new password").await;
    assert_eq!(
        app.get("/v1/me", Some(&cached)).await.status,
        StatusCode::OK
    );
    medley_app::accounts::set_password(
        app.store.as_ref(),
        &UserId::from(user_id.as_str()),
        "third password",
        None,
    )
    .await
    .unwrap();
    until_refused(&app, &cached, Duration::from_secs(5)).await;
    until_refused(&app, &kept, Duration::from_secs(1)).await;
    session(&app, "ana", "third password").await;
}

on_both_backends!(a_password_change_ends_other_sessions_at_once);
