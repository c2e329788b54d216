//! Live shows from the outside: `medley show …` run as a user runs it against a real
//! `medley serve`, and the Rust client library (`medley-live-client`) resuming through a
//! connection that is cut.

mod common;

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use medley_live_client::protocol::{ErrorCode, EventKind, Op};
use medley_live_client::{Api, Live, LiveOptions, NewShow, OpError, Update};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, ChildStdin, ChildStdout};

use common::{medley, run, serve, sign_up, terminate};

/// How long a line of the room may take to appear.
const LINE_DEADLINE: Duration = Duration::from_secs(30);

/// A `medley show join` running with piped standard input and output.
struct Joined {
    who: &'static str,
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    seen: Vec<String>,
}

impl Joined {
    async fn start(dir: &std::path::Path, url: &str, show: &str, who: &'static str) -> Joined {
        let mut child = medley(dir)
            .args(["show", "join", show, "--user", who, "--server", url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Joined {
            who,
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines until one contains `needle`; fails with what was printed at the deadline.
    async fn expect(&mut self, needle: &str) -> String {
        let found = tokio::time::timeout(LINE_DEADLINE, async {
            while let Some(line) = self.lines.next_line().await.unwrap() {
                self.seen.push(line.clone());
                if line.contains(needle) {
                    return Some(line);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(line)) => line,
            Ok(None) => panic!(
                "{} exited before printing `{needle}`: {:#?}",
                self.who, self.seen
            ),
            Err(_) => panic!(
                "{} did not print `{needle}` in time: {:#?}",
                self.who, self.seen
            ),
        }
    }

    async fn say(&mut self, line: &str) {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// Waits for the process to exit; returns its status code and what it printed last.
    async fn exit(mut self) -> (i32, Vec<String>) {
        let status = tokio::time::timeout(LINE_DEADLINE, async {
            while let Some(line) = self.lines.next_line().await.unwrap() {
                self.seen.push(line);
            }
            self.child.wait().await.unwrap()
        })
        .await
        .unwrap_or_else(|_| panic!("{} did not exit in time: {:#?}", self.who, self.seen));
        (status.code().expect("exited, not killed"), self.seen)
    }
}

#[tokio::test]
async fn show_commands_run_a_room_of_real_clients() {
    let dir = tempfile::tempdir().unwrap();
    let (server, url, _, _out) = serve(dir.path(), &[]).await;
    let http = reqwest::Client::new();
    for who in ["ana", "bob", "cleo"] {
        sign_up(&http, &url, who).await;
    }
    let show_cmd = |args: &[&str]| {
        let mut cmd = medley(dir.path());
        cmd.arg("show").args(args).args(["--server", &url]);
        cmd
    };

    let (ok, out, err) = run(&mut show_cmd(&[
        "create",
        "--user",
        "ana",
        "--title",
        "Late show",
        "--visibility",
        "public",
    ]))
    .await;
    assert!(ok, "{err}");
    let id = out
        .strip_prefix("created show ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no id in {out:?}"))
        .to_owned();
    assert!(out.contains("\"Late show\" (scheduled, public)"), "{out}");
    // Only the creator starts it, and the server's refusal reaches the user.
    let (ok, _, err) = run(&mut show_cmd(&["start", &id, "--user", "bob"])).await;
    assert!(!ok && err.contains("403"), "{err}");
    let (ok, out, err) = run(&mut show_cmd(&["start", &id, "--user", "ana"])).await;
    assert!(ok && out.contains("is live"), "{out}{err}");
    let (ok, out, _) = run(&mut show_cmd(&[
        "list", "--state", "live", "--user", "cleo",
    ]))
    .await;
    assert!(
        ok && out.contains(&id) && out.contains("Late show"),
        "{out}"
    );

    let mut ana = Joined::start(dir.path(), &url, &id, "ana").await;
    ana.expect("you are ana (creator)").await;
    let mut bob = Joined::start(dir.path(), &url, &id, "bob").await;
    bob.expect("you are bob (listener)").await;
    bob.expect("creator: ana").await;
    ana.expect("bob joined as listener").await;

    // A comment typed in one room appears in the other.
    bob.say("hello from bob").await;
    ana.expect("bob: hello from bob").await;
    ana.say("say welcome, bob").await;
    bob.expect("ana: welcome, bob").await;

    // A listener's hand reaches the creator; accepting makes them a speaker for everyone.
    bob.say("hand up").await;
    ana.expect("bob raised a hand (hands: 1. bob)").await;
    ana.say("accept bob").await;
    ana.expect("you lowered the hand of bob").await;
    ana.expect("bob is now a speaker (by you)").await;
    bob.expect("you are now a speaker (by ana)").await;

    // Refusals are printed in words, and the room goes on.
    bob.say("ban ana").await;
    bob.expect("refused (not allowed)").await;

    // A ban closes the banned one with its message and status; they cannot come back.
    let mut cleo = Joined::start(dir.path(), &url, &id, "cleo").await;
    cleo.expect("you are cleo (listener)").await;
    ana.expect("cleo joined as listener").await;
    ana.say("ban cleo").await;
    ana.expect("you banned cleo from the show").await;
    cleo.expect("ana banned you from the show").await;
    let (status, seen) = cleo.exit().await;
    assert_eq!(status, 4, "{seen:#?}");
    assert_eq!(seen.last().unwrap(), "you are banned from this show");
    bob.expect("ana banned cleo from the show").await;
    let (ok, _, err) = run(&mut show_cmd(&["join", &id, "--user", "cleo"])).await;
    assert!(
        !ok && err.contains("you are banned from this show"),
        "{err}"
    );

    // The end closes everyone with status 0.
    ana.say("end").await;
    for joined in [ana, bob] {
        let who = joined.who;
        let (status, seen) = joined.exit().await;
        assert_eq!(status, 0, "{who}: {seen:#?}");
        assert_eq!(seen.last().unwrap(), "the show ended", "{who}");
    }

    // Every token made for --user was revoked when its command ended.
    let db = format!("sqlite://{}", dir.path().join("medley.db").display());
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tokens WHERE label = 'medley show'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    pool.close().await;

    // A bad token is refused with the server's reason and a failing status.
    let (ok, _, err) = run(&mut show_cmd(&["join", &id, "--token", "not-a-token"])).await;
    assert!(!ok && err.contains("(401)"), "{err}");
    // Without a user or token the command says what to give.
    let (ok, _, err) = run(&mut show_cmd(&["list"])).await;
    assert!(!ok && err.contains("--user NAME"), "{err}");
    terminate(server).await;
}

/// A TCP proxy whose connections can be cut, and which refuses new ones until restored.
struct Proxy {
    addr: std::net::SocketAddr,
    state: Arc<Mutex<ProxyState>>,
}

#[derive(Default)]
struct ProxyState {
    refusing: bool,
    open: Vec<tokio::task::AbortHandle>,
    accepted: usize,
}

impl Proxy {
    async fn start(upstream: std::net::SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let (mut client, _) = listener.accept().await.unwrap();
                let mut state = shared.lock().unwrap();
                if state.refusing {
                    continue; // dropped: the client sees the connection end
                }
                state.accepted += 1;
                let task = tokio::spawn(async move {
                    let mut server = TcpStream::connect(upstream).await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
                state.open.push(task.abort_handle());
            }
        });
        Proxy { addr, state }
    }

    /// Drops every open connection (both sides see it end) and refuses new ones.
    fn cut(&self) {
        let mut state = self.state.lock().unwrap();
        state.refusing = true;
        for task in state.open.drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.state.lock().unwrap().refusing = false;
    }

    fn accepted(&self) -> usize {
        self.state.lock().unwrap().accepted
    }
}

/// Mutes and unmutes `user` in turn, `n` times (starting unmuted), noting each event's seq.
async fn toggle_mute(host: &Live, user: &str, n: usize, caused: &mut Vec<u64>) {
    for _ in 0..n {
        let user = user.to_owned();
        let op = if caused.len().is_multiple_of(2) {
            Op::Mute { user }
        } else {
            Op::Unmute { user }
        };
        let ack = host.request(op).await.expect("the host's op is applied");
        caused.push(ack.seq.expect("a mute is a reliable event"));
    }
}

/// Reads updates until `until` says stop, with a deadline.
async fn read_until(live: &mut Live, seen: &mut Vec<Update>, until: impl Fn(&Update) -> bool) {
    tokio::time::timeout(LINE_DEADLINE, async {
        loop {
            let update = live.next().await.expect("the connection is open");
            let done = until(&update);
            seen.push(update);
            if done {
                return;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the update did not come in time; seen: {seen:#?}"));
}

#[tokio::test]
async fn the_client_library_resumes_a_cut_connection_without_losing_or_repeating_events() {
    let dir = tempfile::tempdir().unwrap();
    let (server, url, _, _out) = serve(dir.path(), &[]).await;
    let http = reqwest::Client::new();
    let ana_token = sign_up(&http, &url, "ana").await;
    let bob_token = sign_up(&http, &url, "bob").await;
    let ana = Api::new(&url, &ana_token).unwrap();
    let show = ana
        .create_show(&NewShow::titled("Through a proxy"))
        .await
        .unwrap();
    ana.start_show(&show.id).await.unwrap();
    let host = ana.join(&show.id, LiveOptions::default()).await.unwrap();
    let upstream: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let proxy = Proxy::start(upstream).await;
    let through = Api::new(&format!("http://{}", proxy.addr), &bob_token).unwrap();
    let mut bob = through
        .join(&show.id, LiveOptions::default())
        .await
        .unwrap();
    let bob_id = Api::new(&url, &bob_token).unwrap().me().await.unwrap().id;

    let mut seen = Vec::new();
    read_until(&mut bob, &mut seen, |u| matches!(u, Update::Welcome(_))).await;
    let Update::Welcome(welcome) = &seen[0] else {
        panic!("the first update is the state: {seen:?}")
    };
    let first_seq = welcome.seq;

    // Reliable events the host causes, toggling bob's mute; each ack names its event's seq.
    let mut caused = Vec::new();
    toggle_mute(&host, &bob_id, 8, &mut caused).await;
    // Cut while events are still on their way, and keep bob out while more happen.
    proxy.cut();
    toggle_mute(&host, &bob_id, 8, &mut caused).await;
    read_until(&mut bob, &mut seen, |u| {
        matches!(u, Update::Reconnecting { .. })
    })
    .await;
    proxy.restore();
    read_until(&mut bob, &mut seen, |u| matches!(u, Update::Resumed)).await;
    toggle_mute(&host, &bob_id, 8, &mut caused).await;
    let last = *caused.last().unwrap();
    read_until(
        &mut bob,
        &mut seen,
        |u| matches!(u, Update::Event(e) if e.seq == Some(last)),
    )
    .await;
    assert!(proxy.accepted() >= 2, "bob came back through the proxy");

    let seqs: Vec<u64> = seen
        .iter()
        .filter_map(|u| match u {
            Update::Event(e) => e.seq,
            _ => None,
        })
        .collect();
    let expected: Vec<u64> = (first_seq + 1..=last).collect();
    assert_eq!(
        seqs, expected,
        "every reliable event once, in order, across the cut"
    );
    for seq in &caused {
        assert!(seqs.contains(seq));
    }
    let welcomes = seen
        .iter()
        .filter(|u| matches!(u, Update::Welcome(_)))
        .count();
    assert_eq!(welcomes, 1, "resumed, not welcomed afresh: {seen:#?}");
    let mutes = seen
        .iter()
        .filter(|u| matches!(u, Update::Event(e) if matches!(e.kind, EventKind::Muted(_))))
        .count();
    assert_eq!(mutes, 12);

    // The clock is sampled: the server shares this machine's clock.
    let offset = bob.clock_offset().expect("a pong came back");
    assert!(offset.offset_ms.abs() < 1_000, "{offset:?}");

    // A refusal comes back as the server's error, and the connection stays.
    let refused = bob
        .request(Op::Ban {
            user: show.creator.id.clone(),
        })
        .await
        .unwrap_err();
    let OpError::Refused(refusal) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(refusal.code, ErrorCode::Forbidden);
    let ack = bob
        .request(Op::Comment {
            text: "still here".into(),
        })
        .await
        .unwrap();
    let mut seen = Vec::new();
    read_until(&mut bob, &mut seen, |u| {
        matches!(u, Update::Event(e) if matches!(&e.kind, EventKind::Comment(c) if c.text == "still here"))
    })
    .await;
    assert_eq!(
        ack.seq,
        seen.iter().rev().find_map(|u| match u {
            Update::Event(e) => e.seq,
            _ => None,
        })
    );

    // The end: `show.ended`, then the close, then nothing.
    ana.end_show(&show.id).await.unwrap();
    read_until(&mut bob, &mut seen, |u| matches!(u, Update::Closed(_))).await;
    let Some(Update::Closed(closed)) = seen.last() else {
        unreachable!()
    };
    assert_eq!(closed.code, Some(4010), "{closed:?}");
    assert!(seen
        .iter()
        .any(|u| matches!(u, Update::Event(e) if e.kind == EventKind::ShowEnded {})));
    assert!(bob.next().await.is_none());
    terminate(server).await;
}
