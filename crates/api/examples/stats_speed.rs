//! Listening statistics on a large history, through the real server: imports N synthetic
//! Extended-history plays (the import pipeline, straight into the store), then times each
//! question over HTTP. The first question loads the history into memory (timed apart).
//!
//! `cargo run --release -p medley-api --example stats_speed [-- PLAYS [POSTGRES_URL]]`
//! (default 1,000,000 plays on SQLite; a URL runs the same on a new PostgreSQL database).

use std::sync::Arc;
use std::time::{Duration, Instant};

use medley_api::{ApiConfig, AppState};
use medley_domain::{ImportId, UserId};
use medley_events::Bus;
use medley_history::synth::{write_extended, SynthConfig};
use medley_imports::{collect, Importer, Progress, ZipLimits};
use medley_search::SearchIndex;
use medley_store::testing::{create_postgres_database, TestDb};
use medley_store::{SqlStore, Store};
use serde_json::{json, Value};

const ROWS_PER_FILE: u64 = 16_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args.next().map_or(Ok(1_000_000), |n| n.parse())?;
    let pg = args.next();
    let db = TestDb::sqlite();
    let store: Arc<dyn Store> = match &pg {
        Some(url) => Arc::new(SqlStore::connect(&create_postgres_database(url).await).await?),
        None => Arc::new(db.connect().await?),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = AppState::new(
        store.clone(),
        Bus::new(),
        Arc::new(SearchIndex::in_memory()?),
        ApiConfig {
            public_url: base.clone(),
            ..ApiConfig::default()
        },
    );
    tokio::spawn(medley_api::serve(listener, state, std::future::pending()));
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| http.post(format!("{base}{path}")).json(&body).send();
    post(
        "/v1/users",
        json!({"username": "bench", "password": "bench-password"}),
    )
    .await?;
    let session: Value = post(
        "/v1/sessions",
        json!({"username": "bench", "password": "bench-password"}),
    )
    .await?
    .json()
    .await?;
    let token = session["access_token"].as_str().unwrap().to_owned();
    let me: Value = http
        .get(format!("{base}/v1/me"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let user_id = UserId::from(me["id"].as_str().unwrap());

    // The export: files of 16,000 rows like Spotify's, about ten years of listening.
    let dir = tempfile::tempdir()?;
    let (mut written, mut start_ms, mut n) = (0u64, 1_420_070_400_000i64, 0u64);
    while written < rows {
        let count = ROWS_PER_FILE.min(rows - written);
        let path = dir
            .path()
            .join(format!("Streaming_History_Audio_{n:04}.json"));
        let summary = write_extended(
            &SynthConfig {
                seed: n + 1,
                rows: count,
                start_ms,
                ..SynthConfig::default()
            },
            std::io::BufWriter::new(std::fs::File::create(&path)?),
        )?;
        start_ms = summary.last_ts_ms + 3_600_000;
        written += count;
        n += 1;
    }
    let entries = collect(&[dir.path().to_owned()], &ZipLimits::default())?;
    let import_id = ImportId::from("bench");
    store
        .create_import(&import_id, &user_id, "bench", 0, 0)
        .await?;
    let started = Instant::now();
    let report = Importer::new(store.clone())
        .run(
            &user_id,
            &import_id,
            &entries,
            &Arc::new(Progress::default()),
            i64::MAX / 4,
            |_| {},
        )
        .await?;
    println!(
        "backend: {}; imported {} plays in {:.1} s",
        if pg.is_some() { "postgresql" } else { "sqlite" },
        report.totals.added,
        started.elapsed().as_secs_f64()
    );

    let get = |path: String| {
        let req = http.get(format!("{base}{path}")).bearer_auth(&token);
        async move {
            let t = Instant::now();
            let r = req.send().await?;
            anyhow::ensure!(r.status().is_success(), "{path}: {}", r.status());
            r.bytes().await?;
            Ok::<Duration, anyhow::Error>(t.elapsed())
        }
    };
    let cold = get("/v1/me/stats/totals".into()).await?;
    println!(
        "first question (loads the history): {:.0} ms",
        cold.as_secs_f64() * 1e3
    );
    let year = "from=2019-01-01&to=2019-12-31&tz=Europe/Berlin";
    let questions = [
        (
            "top 50 tracks, all time",
            "/v1/me/stats/top/tracks?limit=50".to_owned(),
        ),
        (
            "top 50 artists, all time, by time",
            "/v1/me/stats/top/artists?limit=50&by=time".to_owned(),
        ),
        (
            "top 50 albums, one year",
            format!("/v1/me/stats/top/albums?limit=50&{year}"),
        ),
        (
            "timeline of a year by day",
            format!("/v1/me/stats/timeline?bucket=day&{year}"),
        ),
        (
            "heatmap, all time",
            "/v1/me/stats/heatmap?tz=Europe/Berlin".to_owned(),
        ),
        ("totals, all time", "/v1/me/stats/totals".to_owned()),
        (
            "streaks, all time",
            "/v1/me/stats/streaks?tz=America/New_York".to_owned(),
        ),
        (
            "discoveries by month",
            "/v1/me/stats/discoveries?bucket=month".to_owned(),
        ),
    ];
    println!(
        "{:<36} {:>9} {:>9}",
        "question (50 requests)", "p50 ms", "p99 ms"
    );
    for (name, path) in questions {
        let mut times = Vec::new();
        for _ in 0..50 {
            times.push(get(path.clone()).await?);
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{name:<36} {:>9.1} {:>9.1}",
            ms(times[times.len() / 2]),
            ms(times[times.len() * 99 / 100])
        );
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines().filter(|l| l.starts_with("VmHWM")) {
            println!(
                "peak memory (resident, whole process): {}",
                line["VmHWM:".len()..].trim()
            );
        }
    }
    Ok(())
}
