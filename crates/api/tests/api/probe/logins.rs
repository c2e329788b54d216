//! Sign-ins are throttled per account and per client address (X-Forwarded-For only from a
//! trusted proxy), and password hashing runs within bounded slots.

use std::time::Duration;

use medley_api::ApiConfig;
use medley_app::logins::{LoginSettings, Rate};
use medley_store::testing::TestDb;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{assert_problem, TestApp};

fn throttled(account: u32, client: u32) -> LoginSettings {
    LoginSettings {
        per_account: Rate {
            burst: account,
            every: Duration::from_secs(600),
        },
        per_client: Rate {
            burst: client,
            every: Duration::from_secs(600),
        },
        ..LoginSettings::default()
    }
}

/// Signs in as `user` with `password`, the request coming from `from` when given (through the
/// proxy); returns the status and the `Retry-After` header.
async fn sign_in(
    app: &TestApp,
    user: &str,
    password: &str,
    from: Option<&str>,
) -> (StatusCode, Option<u64>, serde_json::Value) {
    let mut req = app
        .http
        .post(format!("{}/v1/sessions", app.base))
        .json(&json!({"username": user, "password": password}));
    if let Some(ip) = from {
        req = req.header("x-forwarded-for", ip);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (status, retry, r.json().await.unwrap_or_default())
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_and_per_client() {
    let config = ApiConfig {
        logins: throttled(3, 5),
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..ApiConfig::default()
    };
    let app = TestApp::spawn_with(TestDb::sqlite(), config).await;
    app.user("ana").await;
    app.user("bob").await;
    app.user("cyd").await;

    // Three wrong passwords for ana (from three addresses): the fourth try is refused before
    // any check, even with the right password, and says when to try again.
    for ip in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        assert_eq!(
            sign_in(&app, "ana", "wrong password", Some(ip)).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, retry, body) = sign_in(&app, "ana", "ana-password", Some("198.51.100.4")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(retry.is_some_and(|s| s >= 1), "Retry-After: {retry:?}");
    assert_eq!(body["error"]["status"], 429);
    // Other accounts are not affected.
    assert_eq!(
        sign_in(&app, "bob", "bob-password", Some("198.51.100.4"))
            .await
            .0,
        StatusCode::CREATED
    );

    // One address guessing at many accounts is stopped after its own burst…
    for i in 0..5 {
        let (status, ..) = sign_in(
            &app,
            &format!("nobody{i}"),
            "guess guess",
            Some("203.0.113.9"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, retry, _) = sign_in(&app, "cyd", "cyd-password", Some("203.0.113.9")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry.is_some());
    // …while the right password keeps working for that account from elsewhere.
    assert_eq!(
        sign_in(&app, "cyd", "cyd-password", Some("203.0.113.10"))
            .await
            .0,
        StatusCode::CREATED
    );
    // The browser sign-in is throttled the same way.
    let r = app
        .http
        .post(format!("{}/v1/web/session", app.base))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"username": "bob", "password": "bob-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    // No trusted proxy: every request counts against the socket's own address, whatever
    // X-Forwarded-For says.
    let config = ApiConfig {
        logins: throttled(100, 4),
        ..ApiConfig::default()
    };
    let app = TestApp::spawn_with(TestDb::sqlite(), config).await;
    app.user("ana").await;
    for i in 0..4 {
        let ip = format!("192.0.2.{i}");
        assert_eq!(
            sign_in(&app, &format!("x{i}"), "guess guess", Some(&ip))
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, ..) = sign_in(&app, "ana", "ana-password", Some("192.0.2.200")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn password_hashing_beyond_its_slots_is_answered_503_with_retry_after() {
    let config = ApiConfig {
        logins: LoginSettings {
            hash_slots: 1,
            hash_wait: Duration::from_millis(1),
            ..throttled(1000, 1000)
        },
        ..ApiConfig::default()
    };
    let app = TestApp::spawn_with(TestDb::sqlite(), config).await;
    app.user("ana").await;
    let attempts = (0..32).map(|i| {
        let app = &app;
        async move {
            sign_in(
                app,
                if i % 2 == 0 { "ana" } else { "nobody" },
                "wrong password",
                None,
            )
            .await
        }
    });
    let results = futures::future::join_all(attempts).await;
    let busy: Vec<_> = results
        .iter()
        .filter(|(s, ..)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(
        !busy.is_empty(),
        "32 hashes at once with one slot: some must be refused"
    );
    for (status, retry, body) in &results {
        match *status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(*retry, Some(1), "{body}");
                assert_eq!(body["error"]["status"], 503);
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    // Once the burst is over, signing in works.
    assert_eq!(
        sign_in(&app, "ana", "ana-password", None).await.0,
        StatusCode::CREATED
    );
    let r = app
        .post(
            "/v1/users",
            None,
            json!({"username": "bobo", "password": "short"}),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "password");
}
