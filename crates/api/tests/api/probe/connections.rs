//! Idle and half-sent connections are closed, a declared length over the limit is refused
//! before the body is read, connections beyond the cap are turned away, and none of these
//! client faults is logged as an ERROR. Tested with raw TCP clients.

use std::time::Duration;

use medley_api::{ApiConfig, ConnectionLimits};
use medley_store::testing::TestDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::capture_logs;
use crate::harness::TestApp;

fn limits(max_connections: usize) -> ApiConfig {
    ApiConfig {
        connections: ConnectionLimits {
            header_timeout: Duration::from_millis(500),
            body_timeout: Duration::from_millis(500),
            max_connections,
        },
        ..ApiConfig::default()
    }
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection; panics if it is still open after `deadline`.
async fn read_until_closed(tcp: &mut TcpStream, deadline: Duration) -> String {
    let mut got = Vec::new();
    let read = tokio::time::timeout(deadline, async {
        let mut buf = [0u8; 4096];
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&got).into_owned();
    assert!(
        read.is_ok(),
        "the connection is still open after {deadline:?}; got {text:?}"
    );
    text
}

/// Reads one response head and body with `Content-Length` (enough for small answers).
async fn read_response(tcp: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let n = tcp.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before a whole response");
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    return;
                }
            }
        }
    })
    .await
    .expect("a response in time");
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed() {
    let (logs, _guard) = capture_logs();
    let app = TestApp::spawn_with(TestDb::sqlite(), limits(100)).await;
    let (_, token) = app.user("ana").await;

    // Headers never finished.
    let mut half = connect(&app).await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: medley\r\n")
        .await
        .unwrap();
    read_until_closed(&mut half, Duration::from_secs(5)).await;

    // Nothing sent at all.
    let mut silent = connect(&app).await;
    read_until_closed(&mut silent, Duration::from_secs(5)).await;

    // Kept alive after a response, then idle.
    let mut idle = connect(&app).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: medley\r\n\r\n")
        .await
        .unwrap();
    assert!(read_response(&mut idle).await.starts_with("HTTP/1.1 200"));
    read_until_closed(&mut idle, Duration::from_secs(5)).await;

    // A body that stops half-way: answered with a 4xx and closed, well before the request
    // timeout (30 s).
    let mut stalled = connect(&app).await;
    let head = format!(
        "POST /v1/me/playlists HTTP/1.1\r\nHost: medley\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\": "
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stalled, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
    let r = app.get("/v1/me/playlists", Some(&token)).await;
    assert_eq!(r.body["total"], 0, "nothing half-written");

    // The same for an upload.
    let mut upload = connect(&app).await;
    let head = format!(
        "POST /v1/me/imports HTTP/1.1\r\nHost: medley\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{{\"ts\": "
    );
    upload.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut upload, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");

    let text = logs.text();
    assert!(
        !text.contains("ERROR"),
        "client faults are not errors: {text}"
    );
}

#[tokio::test]
async fn declared_lengths_over_the_limit_are_refused_before_the_body() {
    let config = ApiConfig {
        import_max_bytes: 1_000_000,
        body_limit_bytes: 10_000,
        ..limits(100)
    };
    let app = TestApp::spawn_with(TestDb::sqlite(), config).await;
    let (_, token) = app.user("ana").await;
    for (path, length) in [
        ("/v1/me/imports", 1_000_001_u64),
        ("/v1/library/files", 1u64 << 40),
        ("/v1/me/playlists", 10_001),
    ] {
        let mut tcp = connect(&app).await;
        // Only the head: the answer must not wait for a body that never comes.
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: medley\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n"
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        let answer = read_response(&mut tcp).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains("\"error\":{\"status\":413"), "{answer}");
        assert!(
            answer.contains(&length.to_string()),
            "says what was declared: {answer}"
        );
    }
}

#[tokio::test]
async fn connections_beyond_the_cap_are_turned_away() {
    let config = ApiConfig {
        connections: ConnectionLimits {
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_connections: 2,
        },
        ..ApiConfig::default()
    };
    let app = TestApp::spawn_with(TestDb::sqlite(), config).await;
    // reqwest's pooled connections would count too: use raw ones only.
    let mut first = connect(&app).await;
    let mut second = connect(&app).await;
    for tcp in [&mut first, &mut second] {
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: medley\r\n\r\n")
            .await
            .unwrap();
        assert!(read_response(tcp).await.starts_with("HTTP/1.1 200"));
    }
    let mut third = connect(&app).await;
    let answer = read_until_closed(&mut third, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    assert!(answer.contains("too many open connections"), "{answer}");
    // A connection closed frees its place.
    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mut next = connect(&app).await;
        next.write_all(b"GET /healthz HTTP/1.1\r\nHost: medley\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = read_until_closed(&mut next, Duration::from_secs(5)).await;
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the freed place was never given: {answer}"
        );
        tokio::task::yield_now().await;
    }
}
