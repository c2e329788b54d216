//! With every log level on, no secret carried in a query string reaches the logs.

use reqwest::StatusCode;

use super::capture_logs;
use crate::harness::TestApp;

#[tokio::test]
async fn secrets_in_query_strings_never_reach_the_logs() {
    let (logs, _guard) = capture_logs();
    let app = TestApp::spawn().await;
    let (_, token) = app.user("ana").await;
    let secrets = [
        "/v1/connections/spotify/callback?code=SECRETCODE1&state=SECRETSTATE1",
        "/v1/me?access_token=SECRETTOKEN1",
        "/v1/search?q=abba&type=track&token=SECRETTOKEN2",
        "/v1/me/playlists?limit=5&password=SECRETPASSWORD1&apiKey=SECRETKEY1",
        "/rest/ping.view?u=ana&p=SECRETPASSWORD2&t=SECRETT&s=SECRETSALT&v=1.16.1&c=probe",
        "/v1/tracks/0000000000000000000000/stream?user=x&expires=1&signature=SECRETSIG1",
    ];
    for path in secrets {
        let r = app.get(path, Some(&token)).await;
        assert!(
            r.status != StatusCode::INTERNAL_SERVER_ERROR,
            "{path}: {}",
            r.body
        );
    }
    let text = logs.text();
    assert!(
        text.contains("/v1/search?q=abba&type=track&token=REDACTED"),
        "requests are still logged, with what is not secret: {text}"
    );
    for secret in [
        "SECRETCODE1",
        "SECRETSTATE1",
        "SECRETTOKEN1",
        "SECRETTOKEN2",
        "SECRETPASSWORD1",
        "SECRETKEY1",
        "SECRETPASSWORD2",
        "SECRETT",
        "SECRETSALT",
        "SECRETSIG1",
        token.as_str(),
        "ana-password",
    ] {
        assert!(!text.contains(secret), "`{secret}` is in the logs");
    }
}
