//! End-to-end propagation: a track added to a source through the API, timed until it is in a
//! composite two levels up (source → mid → top), on SQLite, through a real socket.
//!
//! `cargo run --release -p medley-api --example propagation [-- ROUNDS]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use medley_api::{ApiConfig, AppState};
use medley_events::{Bus, Event};
use medley_search::SearchIndex;
use medley_store::testing::TestDb;
use medley_store::Store;
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    let db = TestDb::sqlite();
    let store: Arc<dyn Store> = Arc::new(db.connect().await?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let bus = Bus::new();
    let state = AppState::new(
        store,
        bus.clone(),
        Arc::new(SearchIndex::in_memory()?),
        ApiConfig {
            public_url: base.clone(),
            ..ApiConfig::default()
        },
    );
    tokio::spawn(medley_api::serve(listener, state, std::future::pending()));
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, token: Option<String>, body: Value| {
        let mut req = http.request(method, format!("{base}{path}")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move { req.send().await?.json::<Value>().await }
    };
    use reqwest::Method;
    call(
        Method::POST,
        "/v1/users".into(),
        None,
        json!({"username": "bench", "password": "bench-password"}),
    )
    .await?;
    let session = call(
        Method::POST,
        "/v1/sessions".into(),
        None,
        json!({"username": "bench", "password": "bench-password"}),
    )
    .await?;
    let token = session["access_token"].as_str().unwrap().to_owned();
    let tracks: Vec<Value> = (0..rounds)
        .map(|i| json!({"name": format!("Song {i}"), "artists": ["Band"], "duration_ms": 200_000}))
        .collect();
    let mut uris = Vec::new();
    for chunk in tracks.chunks(1000) {
        let added = call(
            Method::POST,
            "/v1/library/tracks".into(),
            Some(token.clone()),
            json!(chunk),
        )
        .await?;
        uris.extend(
            added["tracks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["uri"].as_str().unwrap().to_owned()),
        );
    }
    let playlist = |name: &str, composition: Option<String>| {
        let mut body = json!({"name": name});
        if let Some(src) = composition {
            body["composition"] = json!({"sources": [{"uri": format!("medley:playlist:{src}")}]});
        }
        call(
            Method::POST,
            "/v1/me/playlists".into(),
            Some(token.clone()),
            body,
        )
    };
    let source = playlist("source", None).await?["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mid = playlist("mid", Some(source.clone())).await?["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let top = playlist("top", Some(mid.clone())).await?["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut latencies = Vec::with_capacity(rounds);
    for uri in &uris {
        let mut events = bus.subscribe();
        let track_id = medley_domain::TrackId::from(uri.trim_start_matches("medley:track:"));
        let started = Instant::now();
        call(
            Method::POST,
            format!("/v1/playlists/{source}/items"),
            Some(token.clone()),
            json!({"uris": [uri]}),
        )
        .await?;
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Event::PlaylistItemsChanged(c) = &*events.next().await.unwrap() {
                    if c.playlist_id == top && c.added.contains(&track_id) {
                        return;
                    }
                }
            }
        })
        .await?;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p).ceil() as usize).min(latencies.len()) - 1]
            .as_secs_f64()
            * 1000.0
    };
    println!(
        "propagation source -> mid -> top, {} rounds (playlists growing to {} items): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        latencies.len(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}
