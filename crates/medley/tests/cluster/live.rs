//! A live-show listener over a real WebSocket to one node: it checks as it reads that
//! reliable events arrive with `seq` one after another (across resumes too), keeps every
//! reliable event it saw, and waits on frames with a deadline (no sleeps).

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const DEADLINE: Duration = Duration::from_secs(15);

/// What a read gave.
#[derive(Debug)]
pub enum Frame {
    Json(Value),
    /// The server closed with this code (`None`: the connection ended without a close frame).
    Closed(Option<u16>),
}

pub struct Listener {
    pub name: String,
    token: String,
    show: String,
    ws: Option<Socket>,
    pub seq: u64,
    pub session: String,
    /// Every reliable event seen since the first `welcome`, in order.
    pub events: Vec<Value>,
    /// The `seq` of the first `welcome`: events after it are the ones this listener holds.
    pub joined_at: u64,
    /// How many `welcome`s (fresh states) it was given: 1 when every resume succeeded.
    pub welcomes: usize,
    /// How many times it was `resumed`.
    pub resumes: usize,
    next_ref: u64,
}

impl Listener {
    /// Joins through the node at `base`: `hello`, then the `welcome`.
    pub async fn join(name: &str, base: &str, show: &str, token: &str) -> Listener {
        let mut l = Listener {
            name: name.to_owned(),
            token: token.to_owned(),
            show: show.to_owned(),
            ws: None,
            seq: 0,
            session: String::new(),
            events: Vec::new(),
            joined_at: 0,
            welcomes: 0,
            resumes: 0,
            next_ref: 0,
        };
        l.open(base).await;
        l.send(json!({"op": "hello", "d": {"v": 1, "token": token}}))
            .await;
        let welcome = l.expect("welcome").await;
        l.joined_at = welcome["d"]["seq"].as_u64().unwrap();
        l
    }

    async fn open(&mut self, base: &str) {
        let url = self.url(base);
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("WebSocket");
        self.ws = Some(ws);
    }

    fn url(&self, base: &str) -> String {
        format!(
            "{}/v1/shows/{}/live",
            base.replacen("http", "ws", 1),
            self.show
        )
    }

    /// Resumes through the node at `base`, again until it is let in (a node answers 1012
    /// while nobody runs the show yet); the first frame: `resumed` or a fresh `welcome`.
    pub async fn resume(&mut self, base: &str, deadline: Duration) -> Value {
        self.resume_through(|| vec![base.to_owned()], deadline)
            .await
    }

    /// Resumes through one of the nodes `up` names (asked again before each attempt, taken
    /// in turn), again until it is let in: while nobody runs the show yet a node answers
    /// 1012, and a node going down refuses the connection or closes it. The first frame:
    /// `resumed` or a fresh `welcome`.
    pub async fn resume_through<F>(&mut self, up: F, deadline: Duration) -> Value
    where
        F: Fn() -> Vec<String>,
    {
        let started = Instant::now();
        for attempt in 0.. {
            assert!(
                started.elapsed() < deadline,
                "{}: not let back in within {deadline:?}",
                self.name
            );
            let bases = up();
            assert!(!bases.is_empty(), "{}: no node is up", self.name);
            let base = &bases[attempt % bases.len()];
            let Ok((ws, _)) = tokio_tungstenite::connect_async(self.url(base)).await else {
                tokio::task::yield_now().await;
                continue;
            };
            self.ws = Some(ws);
            let hello = json!({"op": "hello", "d": {"v": 1, "token": self.token,
                "resume": {"session": self.session, "seq": self.seq}}});
            let ws = self.ws.as_mut().unwrap();
            if ws.send(Message::text(hello.to_string())).await.is_err() {
                self.ws = None;
                continue;
            }
            match self.next().await {
                Frame::Json(v) => return v,
                Frame::Closed(Some(1012) | None) => continue,
                Frame::Closed(code) => {
                    panic!("{}: closed ({code:?}) instead of resuming", self.name)
                }
            }
        }
        unreachable!()
    }

    pub async fn send(&mut self, frame: Value) {
        let ws = self.ws.as_mut().expect("connected");
        ws.send(Message::text(frame.to_string()))
            .await
            .expect("sent");
    }

    /// The next frame (pings are answered by the library and skipped).
    pub async fn next(&mut self) -> Frame {
        loop {
            let ws = self.ws.as_mut().expect("connected");
            let message = tokio::time::timeout(DEADLINE, ws.next())
                .await
                .unwrap_or_else(|_| panic!("{}: a frame within the deadline", self.name));
            match message {
                Some(Ok(Message::Text(text))) => {
                    let v: Value = serde_json::from_str(&text).expect("JSON");
                    self.saw(&v);
                    return Frame::Json(v);
                }
                Some(Ok(Message::Close(frame))) => {
                    self.ws = None;
                    return Frame::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => {
                    self.ws = None;
                    return Frame::Closed(None);
                }
            }
        }
    }

    fn saw(&mut self, v: &Value) {
        match v["op"].as_str() {
            Some("welcome") => {
                self.welcomes += 1;
                self.seq = v["d"]["seq"].as_u64().unwrap();
                self.session = v["d"]["session"].as_str().unwrap().to_owned();
                self.events.clear();
            }
            Some("resumed") => {
                self.resumes += 1;
                self.session = v["d"]["session"].as_str().unwrap().to_owned();
            }
            _ => {
                if let Some(seq) = v["seq"].as_u64() {
                    assert_eq!(
                        seq,
                        self.seq + 1,
                        "{}: seq without gaps or repeats: {v}",
                        self.name
                    );
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
                Frame::Closed(code) => {
                    panic!("{}: closed ({code:?}) while waiting for `{op}`", self.name)
                }
            }
        }
    }

    /// Sends an op with a fresh `ref`; its reply must be a success.
    pub async fn ok(&mut self, op: &str, d: Value) -> Value {
        match self.try_ok(op, d).await {
            Ok(v) => v,
            Err(code) => panic!("{}: closed ({code:?}) before `{op}`'s reply", self.name),
        }
    }

    /// Sends an op with a fresh `ref`; its reply, which must be a success, or how the
    /// connection closed before it came (`None`: without a close frame, or the op could not
    /// be sent). When it closed, whether the op was carried out is unknown.
    pub async fn try_ok(&mut self, op: &str, d: Value) -> Result<Value, Option<u16>> {
        self.next_ref += 1;
        let reference = format!("r{}", self.next_ref);
        let frame = json!({"op": op, "d": d, "ref": reference});
        let ws = self.ws.as_mut().ok_or(None)?;
        if ws.send(Message::text(frame.to_string())).await.is_err() {
            self.ws = None;
            return Err(None);
        }
        loop {
            match self.next().await {
                Frame::Json(v) if v["op"] == "reply" && v["ref"] == reference => {
                    assert_eq!(v["ok"], true, "{}: {op}: {v}", self.name);
                    return Ok(v);
                }
                Frame::Json(_) => continue,
                Frame::Closed(code) => return Err(code),
            }
        }
    }

    /// Reads until the reliable event `seq` has arrived.
    pub async fn until_seq(&mut self, seq: u64) {
        while self.seq < seq {
            if let Frame::Closed(code) = self.next().await {
                panic!("{}: closed ({code:?}) before seq {seq}", self.name);
            }
        }
    }

    /// Reads until the server closes (or the connection ends); the code.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            if let Frame::Closed(code) = self.next().await {
                return code;
            }
        }
    }

    /// The texts of the comments seen, in order.
    pub fn comments(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["op"] == "comment")
            .map(|e| e["d"]["text"].as_str().unwrap().to_owned())
            .collect()
    }
}
