//! `medley-bench live floor`: the least a server can do for the live benchmark, to measure what
//! the machine allows before any server's own work.
//!
//! It speaks only the part of LIVE.md the generator uses: `hello` (the token is looked up in
//! `live.json`, not checked further) answered by a `welcome`; a `comment` answered by a
//! `reply` and broadcast to the show's listeners as a `comment` event. Nothing is stored,
//! nothing is refused, there are no roles, replay, pings or queues. Each event is serialised
//! and framed once, and writer threads (`--threads`, each owning a share of the sockets) write
//! those same bytes to each socket in a tight loop: one `send` per listener, which is what
//! any server must pay, and nothing else. Its delivery latency in the same run as Medley's is
//! what the machine gives a perfect server.

use std::collections::HashMap;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{ready, Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use medley_app::shows::live::outlet::text_frame;

use super::LiveData;

#[derive(clap::Args)]
pub struct Args {
    /// The folder `live prepare` wrote (`live.json`: the tokens' users).
    #[arg(long)]
    data_dir: PathBuf,
    /// Where to listen (port 0: any free port; the URL is printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: String,
    /// Writer threads; the async runtime that reads and joins has as many workers.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

/// What a writer thread is asked to do.
enum Job {
    /// A listener joined `show`: its socket, which its reader holds too.
    Join {
        show: String,
        id: u64,
        socket: Arc<TcpStream>,
    },
    /// Write this frame to every socket of `show` this thread owns.
    Broadcast { show: String, frame: Bytes },
    /// Write this frame to one socket of `show` (a reply).
    One { show: String, id: u64, frame: Bytes },
}

pub fn main(args: Args) -> anyhow::Result<()> {
    let threads = args.threads.max(1);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(serve(args, threads))
}

async fn serve(args: Args, threads: usize) -> anyhow::Result<()> {
    let data = LiveData::load(&args.data_dir)?;
    let users: Arc<HashMap<String, String>> = Arc::new(
        data.users
            .iter()
            .map(|u| (u.token.clone(), u.id.clone()))
            .collect(),
    );
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let writers: Arc<Vec<mpsc::Sender<Job>>> = Arc::new(
        (0..threads)
            .map(|_| {
                let (tx, rx) = mpsc::channel();
                std::thread::spawn(move || writer(rx));
                tx
            })
            .collect(),
    );
    let listener = TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    println!("floor is listening on http://{}", listener.local_addr()?);
    let next = Arc::new(AtomicU64::new(0));
    let seq = Arc::new(AtomicU64::new(0));
    loop {
        let (tcp, peer) = listener.accept().await?;
        let id = next.fetch_add(1, Ordering::Relaxed);
        let (users, writers, seq) = (users.clone(), writers.clone(), seq.clone());
        tokio::spawn(async move {
            let writer = &writers[id as usize % writers.len()];
            if let Err(e) = connection(tcp, id, writer, &writers, &users, &seq).await {
                // Listeners leaving at the end of a run reset their connections.
                if !format!("{e:#}").contains("reset") {
                    eprintln!("connection {peer}: {e:#}");
                }
            }
        });
    }
}

// The handshake callback's type is tungstenite's, large error and all.
#[allow(clippy::result_large_err)]
async fn connection(
    tcp: TcpStream,
    id: u64,
    mine: &mpsc::Sender<Job>,
    all: &[mpsc::Sender<Job>],
    users: &HashMap<String, String>,
    seq: &AtomicU64,
) -> anyhow::Result<()> {
    tcp.set_nodelay(true)?;
    // The writer threads write to the socket too, between the runtime's reads. tungstenite
    // writes only the handshake and the welcome, before the socket goes to a writer, and
    // pongs and closes, which the generator does not ask for while comments flow.
    let tcp = Arc::new(tcp);
    let mut show = String::new();
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let mut ws = tokio_tungstenite::accept_hdr_async_with_config(
        SharedSocket(tcp.clone()),
        |request: &Request, response: Response| {
            show = request
                .uri()
                .path()
                .trim_start_matches("/v1/shows/")
                .trim_end_matches("/live")
                .to_owned();
            Ok(response)
        },
        Some(config),
    )
    .await?;
    let mut user = None;
    while let Some(message) = ws.next().await {
        let Message::Text(text) = message? else {
            continue;
        };
        let frame: serde_json::Value = serde_json::from_str(text.as_str())?;
        match (frame["op"].as_str(), &user) {
            (Some("hello"), None) => {
                let token = frame["d"]["token"].as_str().unwrap_or_default();
                let Some(you) = users.get(token) else {
                    anyhow::bail!("unknown token");
                };
                user = Some(you.clone());
                // Written by hand: the generator reads the op from the start of the frame, and
                // `json!` orders keys alphabetically.
                let welcome = format!(
                    r#"{{"op":"welcome","d":{{"show":{},"you":{}}}}}"#,
                    serde_json::Value::from(show.as_str()),
                    serde_json::Value::from(you.as_str())
                );
                ws.send(Message::text(welcome)).await?;
                mine.send(Job::Join {
                    show: show.clone(),
                    id,
                    socket: tcp.clone(),
                })?;
            }
            (Some("comment"), Some(author)) => {
                let seq = seq.fetch_add(1, Ordering::Relaxed) + 1;
                let at = now_ms();
                let event = format!(
                    r#"{{"op":"comment","d":{{"id":"{seq}","user":{},"text":{},"at":{at}}},"seq":{seq},"ts":{at}}}"#,
                    serde_json::Value::from(author.as_str()),
                    frame["d"]["text"]
                );
                let event = text_frame(&event);
                for writer in all {
                    writer.send(Job::Broadcast {
                        show: show.clone(),
                        frame: event.clone(),
                    })?;
                }
                let reply = format!(
                    r#"{{"op":"reply","ref":{},"ok":true,"d":{{"seq":{seq}}}}}"#,
                    frame["ref"]
                );
                mine.send(Job::One {
                    show: show.clone(),
                    id,
                    frame: text_frame(&reply),
                })?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A writer thread: its sockets by show, each written in turn.
fn writer(rx: mpsc::Receiver<Job>) {
    let mut shows: HashMap<String, Vec<(u64, Arc<TcpStream>)>> = HashMap::new();
    while let Ok(job) = rx.recv() {
        match job {
            Job::Join { show, id, socket } => shows.entry(show).or_default().push((id, socket)),
            Job::Broadcast { show, frame } => {
                if let Some(sockets) = shows.get_mut(&show) {
                    sockets.retain(|(_, s)| write_all(s, &frame));
                }
            }
            Job::One { show, id, frame } => {
                let sockets = shows.get(&show).map(Vec::as_slice).unwrap_or_default();
                if let Some((_, s)) = sockets.iter().find(|(i, _)| *i == id) {
                    write_all(s, &frame);
                }
            }
        }
    }
}

/// Writes the whole frame, waiting out a full send buffer. False when the socket is gone.
fn write_all(socket: &TcpStream, mut frame: &[u8]) -> bool {
    while !frame.is_empty() {
        match socket.try_write(frame) {
            Ok(0) => return false,
            Ok(n) => frame = &frame[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_micros(100));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    true
}

/// The socket as the WebSocket reads it, while writer threads hold it too.
struct SharedSocket(Arc<TcpStream>);

impl AsyncRead for SharedSocket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        loop {
            ready!(self.0.poll_read_ready(cx))?;
            match self.0.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for SharedSocket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_write(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                done => return Poll::Ready(done),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
