//! Several real `medley serve` processes on one fresh PostgreSQL database and one NATS server,
//! each with its own data folder (so its own node name), a subject prefix of the test's own,
//! and the same secret key. Runs when `MEDLEY_TEST_DATABASE_URL` and `MEDLEY_TEST_NATS_URL`
//! are set; with `MEDLEY_REQUIRE_NATS=1` (CI) their absence is a failure, not a skip.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::BufReader;
use tokio::process::{Child, ChildStdout};

use crate::common;

pub mod live;

pub const NATS_ENV: &str = "MEDLEY_TEST_NATS_URL";
/// 32 bytes, base64: every node of a deployment seals secrets with the same key.
const SECRET_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

/// One `medley serve` process.
pub struct Node {
    pub child: Option<Child>,
    pub base: String,
    pub dir: tempfile::TempDir,
    _out: BufReader<ChildStdout>,
}

impl Node {
    /// The lasting name the node leases work under.
    pub fn node_id(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("node-id"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// `kill -9`: no clean stop, leases left behind.
    pub async fn kill(&mut self) {
        let mut child = self.child.take().expect("the node runs");
        child.start_kill().unwrap();
        child.wait().await.unwrap();
    }

    /// Whether `/readyz` answers 200 (a stopped node is not ready).
    pub async fn ready(&self, http: &reqwest::Client) -> bool {
        match http.get(format!("{}/readyz", self.base)).send().await {
            Ok(r) => r.status() == StatusCode::OK,
            Err(_) => false,
        }
    }

    /// SIGTERM, and the process must exit cleanly.
    pub async fn terminate(&mut self) {
        common::terminate(self.child.take().expect("the node runs")).await;
    }
}

/// The nodes, the database they share, and how to start more.
pub struct Cluster {
    pub nodes: Vec<Node>,
    pub database_url: String,
    pub nats_url: String,
    pub prefix: String,
    pub lease_secs: u64,
    /// More flags and environment for every node started from now on.
    pub extra: Vec<String>,
    pub env: Vec<(String, String)>,
}

/// The PostgreSQL and NATS servers to test against, or `None` (skip) when they are not
/// configured and not required.
pub fn servers() -> Option<(String, String)> {
    let db = std::env::var(medley_store::testing::POSTGRES_ENV).ok();
    let nats = std::env::var(NATS_ENV).ok();
    match (db, nats) {
        (Some(db), Some(nats)) => Some((db, nats)),
        _ if std::env::var("MEDLEY_REQUIRE_NATS").as_deref() == Ok("1") => panic!(
            "MEDLEY_REQUIRE_NATS=1 but {} or {NATS_ENV} is not set",
            medley_store::testing::POSTGRES_ENV
        ),
        _ => {
            eprintln!(
                "skipped: {} and {NATS_ENV} must both be set",
                medley_store::testing::POSTGRES_ENV
            );
            None
        }
    }
}

impl Cluster {
    /// `n` nodes on a new database; `None` when the servers are not configured.
    pub async fn start(n: usize, lease_secs: u64) -> Option<Cluster> {
        let (db, nats_url) = servers()?;
        Some(Cluster::start_on(&db, &nats_url, n, lease_secs).await)
    }

    /// `n` nodes on a new database of the server at `db`, and the NATS server at `nats_url`.
    pub async fn start_on(db: &str, nats_url: &str, n: usize, lease_secs: u64) -> Cluster {
        let nats_url = nats_url.to_owned();
        let database_url = medley_store::testing::create_postgres_database(db).await;
        let prefix = format!("medleytest.{}", medley_domain::new_id().to_lowercase());
        let mut cluster = Cluster {
            nodes: Vec::new(),
            database_url,
            nats_url,
            prefix,
            lease_secs,
            extra: Vec::new(),
            env: Vec::new(),
        };
        // The first node migrates the database; the others start together.
        if n > 0 {
            let first = cluster.spawn().await;
            cluster.nodes.push(first);
        }
        let rest = futures::future::join_all((1..n).map(|_| cluster.spawn())).await;
        cluster.nodes.extend(rest);
        cluster
    }

    /// Starts one more node (not added to `nodes`).
    pub async fn spawn(&self) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let (child, base, out) = self.serve(dir.path(), "127.0.0.1:0").await;
        Node {
            child: Some(child),
            base,
            dir,
            _out: out,
        }
    }

    /// Starts a stopped node again as an operator does: the same data folder (so the same
    /// node name), the same port and settings. Returns once it listens (see [`Node::ready`]).
    pub async fn restart(&mut self, index: usize) {
        let node = &self.nodes[index];
        assert!(node.child.is_none(), "the node is stopped");
        let bind = node.base.trim_start_matches("http://").to_owned();
        let (child, base, out) = self.serve(node.dir.path(), &bind).await;
        assert_eq!(base, node.base, "the node listens where it did");
        let node = &mut self.nodes[index];
        node.child = Some(child);
        node._out = out;
    }

    async fn serve(
        &self,
        dir: &std::path::Path,
        bind: &str,
    ) -> (Child, String, BufReader<ChildStdout>) {
        let lease = self.lease_secs.to_string();
        let mut args = vec![
            "--database-url",
            &self.database_url,
            "--nats-url",
            &self.nats_url,
            "--nats-subject-prefix",
            &self.prefix,
            "--lease-secs",
            &lease,
        ];
        args.extend(self.extra.iter().map(String::as_str));
        let mut env = vec![("MEDLEY_SECRET_KEY", SECRET_KEY)];
        env.extend(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let (child, base, _, out) = common::serve_at(dir, bind, &args, &env).await;
        (child, base, out)
    }

    /// A direct connection to the shared database, to look at the work queue.
    pub async fn database(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.database_url).await.unwrap()
    }

    /// Stops every node still running, cleanly.
    pub async fn stop(mut self) {
        for node in &mut self.nodes {
            if node.child.is_some() {
                node.terminate().await;
            }
        }
    }
}

/// A client of one node with a bearer token.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Client {
    pub fn new(base: &str, token: &str) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            token: token.to_owned(),
        }
    }

    /// The same user on another node.
    pub fn on(&self, node: &Node) -> Client {
        Client {
            base: node.base.clone(),
            ..self.clone()
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the node answers");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.send(Method::POST, path, Some(body)).await;
        assert!(status.is_success(), "POST {path}: {status} {answer}");
        answer
    }

    pub async fn put(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.send(Method::PUT, path, Some(body)).await;
        assert!(status.is_success(), "PUT {path}: {status} {answer}");
        answer
    }

    /// The track ids a playlist holds, all pages.
    pub async fn items(&self, playlist: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .get(&format!(
                    "/v1/playlists/{playlist}/items?limit=100&offset={offset}"
                ))
                .await;
            let items = page["items"].as_array().unwrap();
            ids.extend(
                items
                    .iter()
                    .map(|i| i["item"]["id"].as_str().unwrap().to_owned()),
            );
            offset += 100;
            if page["next"].is_null() {
                return ids;
            }
        }
    }

    /// Adds `n` tracks named `<prefix> <i>` to the catalog; their URIs.
    pub async fn tracks(&self, prefix: &str, n: usize) -> Vec<String> {
        let tracks: Vec<Value> = (0..n)
            .map(|i| {
                serde_json::json!({"name": format!("{prefix} {i}"), "artists": ["Band"], "album": "Album", "duration_ms": 200_000})
            })
            .collect();
        self.post("/v1/library/tracks", Value::Array(tracks)).await["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["uri"].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn playlist(&self, name: &str) -> String {
        self.post("/v1/me/playlists", serde_json::json!({"name": name}))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// Waits until `check` holds, up to `deadline`; how long it took. Panics with `what` when the
/// deadline passes.
pub async fn within<F, Fut>(deadline: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < deadline,
            "{what}: not within {deadline:?}"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
