//! Audio sent from the page cache (`sendfile`, `crates/api/src/zero_copy.rs`), checked byte for
//! byte on a raw keep-alive connection: ranges of every shape and whole files, one response
//! after another and between other answers, a client that reads slowly, and a file cut short
//! while it is being sent.

use std::time::Duration;

use medley_store::Backend;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::audio_harness::AudioApp;

/// An answer read off the connection: its status, headers and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A client on one connection, requests one after another.
struct Client {
    tcp: TcpStream,
    /// Bytes read past the end of the last answer.
    rest: Vec<u8>,
}

impl Client {
    async fn connect(a: &AudioApp, receive_buffer: Option<u32>) -> Client {
        let addr = a.base.trim_start_matches("http://").parse().unwrap();
        let socket = TcpSocket::new_v4().unwrap();
        if let Some(size) = receive_buffer {
            socket.set_recv_buffer_size(size).unwrap();
        }
        Client {
            tcp: socket.connect(addr).await.unwrap(),
            rest: Vec::new(),
        }
    }

    async fn send(&mut self, path: &str, token: &str, range: Option<&str>) {
        let range = range.map_or(String::new(), |r| format!("range: {r}\r\n"));
        let request = format!(
            "GET {path} HTTP/1.1\r\nhost: medley\r\nauthorization: Bearer {token}\r\n{range}\r\n"
        );
        self.tcp.write_all(request.as_bytes()).await.unwrap();
    }

    /// Reads more of the connection; false at its end.
    async fn fill(&mut self) -> bool {
        let mut buf = [0u8; 16 * 1024];
        let n = tokio::time::timeout(Duration::from_secs(20), self.tcp.read(&mut buf))
            .await
            .expect("the server answered within 20 s")
            .unwrap_or(0);
        self.rest.extend_from_slice(&buf[..n]);
        n > 0
    }

    /// The next answer's status and headers.
    async fn head(&mut self) -> (u16, Vec<(String, String)>) {
        let end = loop {
            if let Some(i) = self.rest.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            assert!(self.fill().await, "the connection ended before an answer");
        };
        let head = String::from_utf8(self.rest.drain(..end + 4).collect()).unwrap();
        let mut lines = head.trim_end().split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.trim().to_owned(), v.trim().to_owned())
            })
            .collect();
        (status, headers)
    }

    /// Up to `len` bytes of body: fewer when the connection ends first.
    async fn body(&mut self, len: usize) -> Vec<u8> {
        while self.rest.len() < len && self.fill().await {}
        let n = len.min(self.rest.len());
        self.rest.drain(..n).collect()
    }

    async fn get(&mut self, path: &str, token: &str, range: Option<&str>) -> Answer {
        self.send(path, token, range).await;
        let (status, headers) = self.head().await;
        let mut answer = Answer {
            status,
            headers,
            body: Vec::new(),
        };
        let len = answer
            .header("content-length")
            .expect("a length")
            .parse()
            .unwrap();
        answer.body = self.body(len).await;
        assert_eq!(answer.body.len(), len, "the whole body arrived");
        answer
    }
}

/// A client with a receive window of `window` bytes that asked for the whole of track `id`
/// (200), and the answer's headers.
async fn asked_whole(
    a: &AudioApp,
    id: &str,
    token: &str,
    window: u32,
) -> (Client, Vec<(String, String)>) {
    let mut client = Client::connect(a, Some(window)).await;
    client
        .send(&format!("/v1/tracks/{id}/stream"), token, None)
        .await;
    let (status, headers) = client.head().await;
    assert_eq!(status, 200);
    (client, headers)
}

/// A scanned track of `seconds` of audio; its id and the file's path and bytes.
async fn track(a: &AudioApp, title: &str, seconds: u32) -> (String, std::path::PathBuf, Vec<u8>) {
    let (id, path) = a.scanned_wav(title, seconds * 1000).await;
    let bytes = std::fs::read(&path).unwrap();
    (id, path, bytes)
}

#[tokio::test]
async fn one_connection_carries_ranges_whole_files_and_other_answers_in_order() {
    let a = AudioApp::spawn(Backend::Sqlite).await.expect("SQLite");
    // 30 s of 44.1 kHz mono: 2.6 MB, so a whole file goes out in several chunks of 1 MiB.
    let (id, _, bytes) = track(&a, "Carried", 30).await;
    let (user_id, token) = a.user("listener").await;
    let size = bytes.len();
    assert!(size > 2 * 1024 * 1024 + 1, "{size}");
    let url = format!("/v1/tracks/{id}/stream");
    let mut client = Client::connect(&a, None).await;
    let mib = 1024 * 1024;
    let cases: Vec<(Option<String>, u16, std::ops::Range<usize>)> = vec![
        (None, 200, 0..size),
        (Some("bytes=0-".into()), 200, 0..size),
        (Some("bytes=0-99".into()), 206, 0..100),
        (Some(format!("bytes=1-{mib}")), 206, 1..mib + 1),
        (
            Some(format!("bytes={}-{}", mib - 1, 2 * mib)),
            206,
            mib - 1..2 * mib + 1,
        ),
        (Some("bytes=12345-".into()), 206, 12345..size),
        (Some("bytes=-1".into()), 206, size - 1..size),
        (Some(format!("bytes={}-", size - 7)), 206, size - 7..size),
    ];
    for round in 0..2 {
        for (range, status, expected) in &cases {
            let answer = client.get(&url, &token, range.as_deref()).await;
            assert_eq!(answer.status, *status, "{range:?}");
            assert!(
                answer.body == bytes[expected.clone()],
                "round {round}, {range:?}: the file's bytes {expected:?}"
            );
            // An answer from memory between two sent from the page cache.
            let me = client.get("/v1/me", &token, None).await;
            assert_eq!(me.status, 200);
            let me: serde_json::Value = serde_json::from_slice(&me.body).unwrap();
            assert_eq!(me["id"], user_id.as_str());
        }
    }
    // Past the end: a 416 on the same connection, which goes on.
    let past = client
        .get(&url, &token, Some(&format!("bytes={size}-")))
        .await;
    assert_eq!(past.status, 416);
    let last = client.get(&url, &token, Some("bytes=0-9")).await;
    assert!(last.body == bytes[..10]);
}

#[tokio::test]
async fn a_client_that_reads_slowly_gets_every_byte() {
    let a = AudioApp::spawn(Backend::Sqlite).await.expect("SQLite");
    let (id, _, bytes) = track(&a, "Slow", 60).await;
    let (_, token) = a.user("listener").await;
    // A small receive window: the server's sends find the socket full again and again.
    let (mut client, _) = asked_whole(&a, &id, &token, 8 * 1024).await;
    // What came with the headers, then the rest in small reads.
    let mut all = std::mem::take(&mut client.rest);
    while all.len() < bytes.len() {
        let mut piece = vec![0u8; 3_000];
        let n = client.tcp.read(&mut piece).await.unwrap();
        assert!(n > 0, "the connection ended after {} bytes", all.len());
        all.extend_from_slice(&piece[..n]);
        tokio::task::yield_now().await;
    }
    assert_eq!(all.len(), bytes.len());
    assert!(all == bytes, "every byte, in order");
}

#[tokio::test]
async fn a_file_cut_short_while_it_is_sent_ends_the_answer_early() {
    let a = AudioApp::spawn(Backend::Sqlite).await.expect("SQLite");
    // 120 s: 10.6 MB, more than the socket buffers between the two ends can hold.
    let (id, path, bytes) = track(&a, "Cut", 120).await;
    let (_, token) = a.user("listener").await;
    let (mut client, headers) = asked_whole(&a, &id, &token, 16 * 1024).await;
    let declared: usize = header(&headers, "content-length").unwrap().parse().unwrap();
    assert_eq!(declared, bytes.len());
    let first = client.body(64 * 1024).await;
    assert!(first == bytes[..64 * 1024]);
    // Cut at a page boundary, well before what the server can have sent by now.
    let cut = 512 * 1024;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(cut as u64)
        .unwrap();
    let rest = client.body(declared).await;
    let got = 64 * 1024 + rest.len();
    assert!(
        got < declared,
        "the answer ended early ({got} of {declared} bytes)"
    );
    assert!(
        got >= cut,
        "what was there before the cut was sent ({got} bytes)"
    );
    assert!(
        rest[..cut - 64 * 1024] == bytes[64 * 1024..cut],
        "the bytes before the cut are the file's"
    );
}
