//! A server killed (`kill -9`) while edits land leaves no composite behind: the resync work an
//! edit causes is committed in the edit's own transaction, and the restarted node (the same
//! data folder, so the same node name) takes back at once the work its killed process held.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::sync::Notify;

use common::serve;

/// Edits that must have landed before the kill.
const BEFORE_KILL: usize = 150;

#[tokio::test]
async fn composites_catch_up_after_a_kill_between_commits_on_sqlite() {
    composites_catch_up_after_a_kill(None).await;
}

#[tokio::test]
async fn composites_catch_up_after_a_kill_between_commits_on_postgres() {
    let Ok(base) = std::env::var(medley_store::testing::POSTGRES_ENV) else {
        eprintln!(
            "skipped: {} is not set",
            medley_store::testing::POSTGRES_ENV
        );
        return;
    };
    let url = medley_store::testing::create_postgres_database(&base).await;
    composites_catch_up_after_a_kill(Some(url)).await;
}

/// A client of one server.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn send(
        &self,
        method: reqwest::Method,
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
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let (status, body) = self.send(reqwest::Method::POST, path, Some(body)).await;
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    /// The track ids a playlist holds, all pages.
    async fn items(&self, playlist: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut offset = 0;
        loop {
            let path = format!("/v1/playlists/{playlist}/items?limit=100&offset={offset}");
            let (status, page) = self.send(reqwest::Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::OK, "{page}");
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
}

struct Composite {
    id: String,
    include: Vec<String>,
    exclude: Vec<String>,
}

async fn composites_catch_up_after_a_kill(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let db: Vec<String> = match &database_url {
        Some(url) => vec!["--database-url".into(), url.clone()],
        None => vec![],
    };
    let db: Vec<&str> = db.iter().map(String::as_str).collect();
    let (mut child, base, _, _out) = serve(dir.path(), &db).await;
    let http = reqwest::Client::new();
    let token = common::sign_up(&http, &base, "ana").await;
    let client = Client { http, base, token };
    let tracks: Vec<Value> = (0..30)
        .map(|i| json!({"name": format!("Track {i}"), "artists": ["Band"], "album": "Album", "duration_ms": 200_000}))
        .collect();
    let tracks: Vec<String> = client
        .post("/v1/library/tracks", Value::Array(tracks))
        .await["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["uri"].as_str().unwrap().to_owned())
        .collect();
    let mut sources = Vec::new();
    for i in 0..12 {
        let p = client
            .post("/v1/me/playlists", json!({"name": format!("source {i}")}))
            .await;
        sources.push(p["id"].as_str().unwrap().to_owned());
    }
    let mut composites = Vec::new();
    for c in 0..3 {
        let include = sources[c * 4..c * 4 + 4].to_vec();
        let exclude = vec![sources[(c * 4 + 5) % sources.len()].clone()];
        composites.push(compose(&client, include, exclude).await);
    }
    let over = vec![composites[0].id.clone(), composites[1].id.clone()];
    composites.push(compose(&client, over, vec![]).await);

    // Edits stream in; the server is killed once enough have landed, with more in flight.
    let landed = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());
    let editor = {
        let (client, sources, tracks) = (client.clone(), sources.clone(), tracks.clone());
        let (landed, enough) = (landed.clone(), enough.clone());
        tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(7);
            loop {
                let source = &sources[rng.gen_range(0..sources.len())];
                let track = &tracks[rng.gen_range(0..tracks.len())];
                let path = format!("/v1/playlists/{source}/items");
                let sent = if rng.gen_bool(0.6) {
                    let body = json!({"uris": [track]});
                    client
                        .http
                        .post(format!("{}{path}", client.base))
                        .json(&body)
                } else {
                    let body = json!({"items": [{"uri": track}]});
                    client
                        .http
                        .delete(format!("{}{path}", client.base))
                        .json(&body)
                };
                match sent.bearer_auth(&client.token).send().await {
                    Ok(r) if r.status().is_success() => {
                        if landed.fetch_add(1, Ordering::SeqCst) + 1 == BEFORE_KILL {
                            enough.notify_one();
                        }
                    }
                    Ok(r) => panic!("an edit was refused: {}", r.status()),
                    // The server is gone.
                    Err(_) => return,
                }
            }
        })
    };
    tokio::time::timeout(common::DEADLINE, enough.notified())
        .await
        .expect("edits landed in time");
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    editor.await.unwrap();

    let (child, base, _, _out) = serve(dir.path(), &db).await;
    let client = Client { base, ..client };
    converged(&client, &composites).await;
    common::terminate(child).await;
}

async fn compose(client: &Client, include: Vec<String>, exclude: Vec<String>) -> Composite {
    let p = client
        .post("/v1/me/playlists", json!({"name": "composite"}))
        .await;
    let id = p["id"].as_str().unwrap().to_owned();
    let sources: Vec<Value> = include
        .iter()
        .map(|s| json!({"uri": format!("medley:playlist:{s}"), "mode": "include"}))
        .chain(
            exclude
                .iter()
                .map(|s| json!({"uri": format!("medley:playlist:{s}"), "mode": "exclude"})),
        )
        .collect();
    let path = format!("/v1/playlists/{id}/composition");
    let (status, body) = client
        .send(
            reqwest::Method::PUT,
            &path,
            Some(json!({"sources": sources})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Composite {
        id,
        include,
        exclude,
    }
}

/// How far the composites are from the rule, or `None` when each holds, once each, what its
/// included playlists hold and its excluded ones do not.
async fn distance(client: &Client, composites: &[Composite]) -> Option<String> {
    for c in composites {
        let mut expected = BTreeSet::new();
        for s in &c.include {
            expected.extend(client.items(s).await);
        }
        for s in &c.exclude {
            for t in client.items(s).await {
                expected.remove(&t);
            }
        }
        let held = client.items(&c.id).await;
        let distinct: BTreeSet<String> = held.iter().cloned().collect();
        if distinct.len() != held.len() || distinct != expected {
            return Some(format!(
                "composite {} holds {} items, the rule gives {}",
                c.id,
                held.len(),
                expected.len()
            ));
        }
    }
    None
}

/// Checks the composites against the rule until they match, or fails at the deadline. (From
/// outside the server nothing announces a sync's end, so the check repeats on an interval.)
async fn converged(client: &Client, composites: &[Composite]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut every = tokio::time::interval(Duration::from_millis(200));
    loop {
        every.tick().await;
        let Some(gap) = distance(client, composites).await else {
            return;
        };
        assert!(
            tokio::time::Instant::now() < deadline,
            "after the restart, composites did not catch up: {gap}"
        );
    }
}
