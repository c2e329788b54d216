//! The rolling rate limit with its growing ban, and the daily quota.

use medley_spotify_emulator::control::AppSettings;
use medley_spotify_emulator::Config;
use reqwest::StatusCode;

use crate::support::*;

fn retry_after(a: &Answer) -> u64 {
    a.headers["retry-after"].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn rate_limit_answers_429_and_early_retries_extend_the_ban() {
    let env = start_with(Config {
        rate_limit_per_30s: 5,
        ..Config::default()
    })
    .await;
    let alice = env.user_with_token("alice").await;
    for _ in 0..5 {
        assert_eq!(env.get(&alice, "/me").await.status, StatusCode::OK);
    }
    let limited = env.get(&alice, "/me").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let first = retry_after(&limited);
    assert!((1..=30).contains(&first), "{first}");
    assert_eq!(limited.body["error"]["status"], 429);
    // Retrying early makes the wait longer.
    let again = env.get(&alice, "/me").await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&again) > first);
    // Waiting out the ban (on the virtual clock) lets requests through.
    env.control
        .advance(retry_after(&again) as i64)
        .await
        .unwrap();
    assert_eq!(env.get(&alice, "/me").await.status, StatusCode::OK);
    // Limits are per app.
    let other = env
        .control
        .mint_token("alice", "another-app", SCOPES)
        .await
        .unwrap()
        .access_token;
    assert_eq!(env.get(&other, "/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn daily_quota_answers_quota_exceeded_for_hours() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let quota = AppSettings {
        daily_quota: Some(Some(3)),
        ..Default::default()
    };
    env.control.configure_app(APP, &quota).await.unwrap();
    for _ in 0..3 {
        assert_eq!(env.get(&alice, "/me").await.status, StatusCode::OK);
    }
    let over = env.get(&alice, "/me").await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(over.body["error"]["reason"], "QUOTA_EXCEEDED");
    assert_eq!(over.body["error"]["message"], "Too many requests");
    let wait = retry_after(&over);
    assert!((13 * 3600..=24 * 3600).contains(&wait), "{wait}");
    env.control.advance(12 * 3600).await.unwrap();
    let fresh = env.token("alice").await;
    assert_eq!(
        env.get(&fresh, "/me").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    env.control.advance(wait as i64).await.unwrap();
    let fresh = env.token("alice").await;
    assert_eq!(env.get(&fresh, "/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn development_mode_apps_serve_only_their_users() {
    let env = start().await;
    let alice = env.user_with_token("alice").await;
    let bob = env.user_with_token("bob").await;
    let six: Vec<String> = (0..6).map(|n| format!("u{n}")).collect();
    let too_many = AppSettings {
        allowed_users: Some(six),
        ..Default::default()
    };
    assert!(env.control.configure_app(APP, &too_many).await.is_err());
    let only_alice = AppSettings {
        allowed_users: Some(vec!["alice".into()]),
        ..Default::default()
    };
    env.control.configure_app(APP, &only_alice).await.unwrap();
    assert_eq!(env.get(&alice, "/me").await.status, StatusCode::OK);
    let denied = env.get(&bob, "/me").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(denied.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("may not be registered"));
}
