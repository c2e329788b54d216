//! A live-show client over a real WebSocket, for tests: it checks as it reads that reliable
//! events arrive with `seq` one after another, and waits on frames with a deadline (no sleeps).

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use medley_app::shows::live::{LiveConfig, Shows};
use medley_store::testing::TestDb;
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::harness::TestApp;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const DEADLINE: Duration = Duration::from_secs(10);

/// A server whose live shows use `config`, on `backend` (`None`: PostgreSQL not configured).
pub async fn server(backend: Backend, config: LiveConfig) -> Option<TestApp> {
    let db = match backend {
        Backend::Sqlite => TestDb::sqlite(),
        Backend::Postgres => TestDb::postgres().await?,
    };
    let app = TestApp::spawn_full(db, medley_api::ApiConfig::default(), move |state, _| {
        Arc::make_mut(&mut state.app).shows = Arc::new(Shows::new(config));
    })
    .await;
    Some(app)
}

/// A show of `token`'s user, started; returns its id.
pub async fn live_show(app: &TestApp, token: &str, body: Value) -> String {
    let r = app.post("/v1/shows", Some(token), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(&format!("/v1/shows/{id}/start"), Some(token), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    id
}

/// Starts a show titled `title` over a new playlist `name` holding `uris`; returns the show.
pub async fn live_show_playing(
    app: &TestApp,
    token: &str,
    title: &str,
    playlist: Value,
    uris: &[String],
) -> String {
    let playlist = app.playlist(token, playlist).await;
    let r = app
        .post(
            &format!("/v1/playlists/{playlist}/items"),
            Some(token),
            json!({"uris": uris}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    live_show(
        app,
        token,
        json!({"title": title, "playlist": format!("medley:playlist:{playlist}")}),
    )
    .await
}

/// What a read gave.
#[derive(Debug)]
pub enum Frame {
    Json(Value),
    /// The server closed with this code (`None`: the connection ended without a close frame).
    Closed(Option<u16>),
}

pub struct Client {
    /// `None` once abandoned.
    ws: Option<Socket>,
    /// The last `seq` seen (from `welcome`, `resumed` or an event).
    pub seq: u64,
    pub session: String,
    /// Every reliable event seen, in order.
    pub events: Vec<Value>,
    next_ref: u64,
}

impl Client {
    /// Opens the socket without saying `hello`.
    pub async fn open(app: &TestApp, show: &str) -> Client {
        Client::open_on(&app.base, show).await
    }

    pub async fn open_on(base: &str, show: &str) -> Client {
        let url = format!("{}/v1/shows/{show}/live", base.replacen("http", "ws", 1));
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("WebSocket");
        Client::over(ws)
    }

    /// Opens the socket as a browser of this site does: the upgrade carries `cookie`.
    pub async fn open_with_cookie(base: &str, show: &str, cookie: &str) -> Client {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!("{}/v1/shows/{show}/live", base.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket");
        Client::over(ws)
    }

    pub fn over(ws: Socket) -> Client {
        Client {
            ws: Some(ws),
            seq: 0,
            session: String::new(),
            events: Vec::new(),
            next_ref: 0,
        }
    }

    /// A client whose socket receives into a tiny buffer, so that it is soon too slow.
    pub async fn connect_slow(base: &str, show: &str) -> Client {
        let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(2_048).unwrap();
        let stream = socket.connect(addr).await.unwrap();
        let url = format!("ws://{addr}/v1/shows/{show}/live");
        let (ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream))
            .await
            .expect("WebSocket");
        Client::over(ws)
    }

    /// Opens, says `hello` and reads the `welcome`.
    pub async fn join(app: &TestApp, show: &str, token: &str) -> (Client, Value) {
        Client::join_on(&app.base, show, token).await
    }

    pub async fn join_on(base: &str, show: &str, token: &str) -> (Client, Value) {
        let mut c = Client::open_on(base, show).await;
        c.send(json!({"op": "hello", "d": {"v": 1, "token": token}}))
            .await;
        let welcome = c.expect("welcome").await;
        (c, welcome)
    }

    /// Opens a new connection that resumes `old`'s session from the last `seq` it saw, and
    /// reads the first frame (`resumed`, or a fresh `welcome`). The new client carries on
    /// `old`'s record of events.
    pub async fn resume(base: &str, show: &str, token: &str, old: &Client) -> (Client, Value) {
        let mut c = Client::open_on(base, show).await;
        c.seq = old.seq;
        c.session = old.session.clone();
        c.events = old.events.clone();
        c.send(json!({"op": "hello", "d": {"v": 1, "token": token,
            "resume": {"session": old.session, "seq": old.seq}}}))
            .await;
        let first = match c.next().await {
            Frame::Json(v) => v,
            Frame::Closed(code) => panic!("closed ({code:?}) instead of resuming"),
        };
        (c, first)
    }

    /// Reads until the server's WebSocket ping (answered by the library).
    pub async fn ping(&mut self) {
        loop {
            let message = tokio::time::timeout(DEADLINE, self.socket().next())
                .await
                .expect("a ping within the deadline");
            match message {
                Some(Ok(Message::Ping(_))) => return,
                Some(Ok(Message::Text(text))) => {
                    let v: Value = serde_json::from_str(&text).expect("JSON");
                    self.saw(&v);
                }
                Some(Ok(_)) => continue,
                other => panic!("the connection ended while waiting for a ping: {other:?}"),
            }
        }
    }

    pub async fn send(&mut self, frame: Value) {
        self.send_text(frame.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.send_message(Message::text(text)).await;
    }

    pub async fn send_message(&mut self, message: Message) {
        self.socket().send(message).await.expect("sent");
    }

    /// The next frame (pings are answered by the library and skipped).
    pub async fn next(&mut self) -> Frame {
        loop {
            let message = tokio::time::timeout(DEADLINE, self.socket().next())
                .await
                .expect("a frame within the deadline");
            match message {
                Some(Ok(Message::Text(text))) => {
                    let v: Value = serde_json::from_str(&text).expect("JSON");
                    self.saw(&v);
                    return Frame::Json(v);
                }
                Some(Ok(Message::Close(frame))) => {
                    return Frame::Closed(frame.map(|f| u16::from(f.code)))
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Frame::Closed(None),
            }
        }
    }

    fn saw(&mut self, v: &Value) {
        match v["op"].as_str() {
            Some("welcome") => {
                self.seq = v["d"]["seq"].as_u64().unwrap();
                self.session = v["d"]["session"].as_str().unwrap().to_owned();
                self.events.clear();
            }
            // The missed events follow, from the client's own `seq` on.
            Some("resumed") => self.session = v["d"]["session"].as_str().unwrap().to_owned(),
            _ => {
                if let Some(seq) = v["seq"].as_u64() {
                    assert_eq!(seq, self.seq + 1, "seq without gaps or repeats: {v}");
                    self.seq = seq;
                    self.events.push(v.clone());
                }
            }
        }
    }

    /// Reads until a frame with this `op`; panics on a close.
    pub async fn expect(&mut self, op: &str) -> Value {
        loop {
            match self.next().await {
                Frame::Json(v) if v["op"] == op => return v,
                Frame::Json(_) => continue,
                Frame::Closed(code) => panic!("closed ({code:?}) while waiting for `{op}`"),
            }
        }
    }

    /// Reads until an event `op` whose `d` has `field` equal to `value`.
    pub async fn expect_with(&mut self, op: &str, field: &str, value: &str) -> Value {
        loop {
            let v = self.expect(op).await;
            if v["d"][field] == value {
                return v;
            }
        }
    }

    /// Sends an op with a fresh `ref` and reads until its reply.
    pub async fn op(&mut self, op: &str, d: Value) -> Value {
        self.next_ref += 1;
        let reference = format!("r{}", self.next_ref);
        self.send(json!({"op": op, "d": d, "ref": reference})).await;
        self.reply(&reference).await
    }

    pub async fn reply(&mut self, reference: &str) -> Value {
        loop {
            let v = self.expect("reply").await;
            if v["ref"] == reference {
                return v;
            }
        }
    }

    /// As [`Client::op`], and the op must succeed.
    pub async fn ok(&mut self, op: &str, d: Value) -> Value {
        let r = self.op(op, d).await;
        assert_eq!(r["ok"], true, "{op}: {r}");
        r
    }

    /// As [`Client::op`]; the op must be refused with `code`. Returns the message.
    pub async fn refused(&mut self, op: &str, d: Value, code: &str) -> String {
        let r = self.op(op, d).await;
        assert_eq!(r["ok"], false, "{op} should be refused: {r}");
        assert_eq!(r["error"]["code"], code, "{op}: {r}");
        r["error"]["message"].as_str().unwrap().to_owned()
    }

    /// Reads until the server closes; returns the code.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            if let Frame::Closed(code) = self.next().await {
                return code;
            }
        }
    }

    fn socket(&mut self) -> &mut Socket {
        self.ws.as_mut().expect("the client is connected")
    }

    /// Drops the connection without a close frame, as a lost network does, keeping what
    /// the client saw (session, `seq`, events) for a resume.
    pub fn abandon(&mut self) {
        self.ws = None;
    }
}
