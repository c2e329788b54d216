//! Audio library speed: a first scan and a rescan of FILES generated WAV files (each distinct,
//! tagged, in album folders), then the time to first byte of ranged streams through the real
//! server, from the local folder and, when `MEDLEY_TEST_S3_ENDPOINT` (and its credentials) is
//! set, from S3.
//!
//! `cargo run --release -p medley-api --example audio_speed [-- FILES REQUESTS]`
//! (default 5,000 files of 100 ms, 1,000 requests; SQLite in a temporary folder).
//!
//! `cargo run --release -p medley-api --example audio_speed -- load [STREAMS SECONDS]` measures
//! streaming under load instead: STREAMS concurrent clients (default 100) each fetching 256 KiB
//! ranges of 100 forty-second WAV files for SECONDS (default 10), through Medley and through
//! nginx (`/usr/sbin/nginx`, or `MEDLEY_BENCH_NGINX`) serving the very same files as static
//! files, in one run; then the time to the first byte of 20 transcodes to Opus, each of a track
//! not transcoded before (ffmpeg from `PATH`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use medley_api::{ApiConfig, AppState};
use medley_app::library::scan::{scan, ScanOptions, ScanProgress};
use medley_app::library::{Audio, AudioSettings};
use medley_audio::testing::{s3_settings, wav, Written};
use medley_audio::{Storage, UrlSigner};
use medley_events::Bus;
use medley_search::SearchIndex;
use medley_store::testing::TestDb;
use medley_store::Store;
use serde_json::{json, Value};

mod load;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("load") {
        args.next();
        let streams: usize = args.next().map_or(Ok(100), |n| n.parse())?;
        let seconds: u64 = args.next().map_or(Ok(10), |n| n.parse())?;
        return load::run(streams, Duration::from_secs(seconds)).await;
    }
    let files: usize = args.next().map_or(Ok(5_000), |n| n.parse())?;
    let requests: usize = args.next().map_or(Ok(1_000), |n| n.parse())?;
    let dir = tempfile::tempdir()?;
    let music = dir.path().join("music");
    let started = Instant::now();
    for i in 0..files {
        let album = i / 12;
        let folder = music.join(format!("Artist {}/Album {album}", album / 5));
        std::fs::create_dir_all(&folder)?;
        let tags = Written {
            track: Some((i % 12) as u32 + 1),
            ..Written::song(
                &format!("Song {i}"),
                &format!("Artist {}", album / 5),
                &format!("Album {album}"),
            )
        };
        let bytes = wav(100, 200.0 + (i % 1000) as f64, &tags);
        std::fs::write(
            folder.join(format!("{:02} Song {i}.wav", i % 12 + 1)),
            bytes,
        )?;
    }
    println!(
        "generated {files} files in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let (state, base, _db) = server(Storage::local(&dir.path().join("objects"))).await?;
    let roots = [music.to_string_lossy().into_owned()];
    for (what, expect_added) in [("first scan", files as u64), ("rescan, unchanged", 0)] {
        let t = Instant::now();
        let report = scan(
            &state.app,
            &roots,
            ScanOptions::default(),
            &ScanProgress::default(),
            |_| {},
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(
            (report.added, report.failed),
            (expect_added, 0),
            "{report:?}"
        );
        println!(
            "{what}: {files} files in {secs:.2} s = {:.0} files/s",
            files as f64 / secs
        );
    }
    let token = admin(&base).await?;
    let ids = track_ids(&state, files.min(200)).await?;
    // Twice: right after the scan the search index still merges its segments in the background.
    ttfb(
        "local folder, right after the scan",
        &base,
        &token,
        &ids,
        requests,
    )
    .await?;
    ttfb("local folder", &base, &token, &ids, requests).await?;

    if let Some(s3) = s3_settings() {
        let (state, base, _db) = server(Storage::open(&s3)?).await?;
        let subset = [music.join("Artist 0").to_string_lossy().into_owned()];
        let report = scan(
            &state.app,
            &subset,
            ScanOptions { copy: true },
            &ScanProgress::default(),
            |_| {},
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("copied {} files to S3", report.copied);
        let token = admin(&base).await?;
        let ids = track_ids(&state, 50).await?;
        ttfb("S3 (SeaweedFS on loopback)", &base, &token, &ids, requests).await?;
    }
    Ok(())
}

async fn server(storage: Storage) -> anyhow::Result<(AppState, String, TestDb)> {
    server_with(Audio::new(
        storage,
        UrlSigner::random(),
        AudioSettings::default(),
    ))
    .await
}

async fn server_with(audio: Audio) -> anyhow::Result<(AppState, String, TestDb)> {
    let db = TestDb::sqlite();
    let store: Arc<dyn Store> = Arc::new(db.connect().await?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut state = AppState::new(
        store,
        Bus::new(),
        Arc::new(SearchIndex::in_memory()?),
        ApiConfig {
            public_url: base.clone(),
            ..ApiConfig::default()
        },
    );
    Arc::make_mut(&mut state.app).audio = Arc::new(audio);
    tokio::spawn(medley_api::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    Ok((state, base, db))
}

async fn admin(base: &str) -> anyhow::Result<String> {
    let http = reqwest::Client::new();
    let who = json!({"username": "bench", "password": "bench-password"});
    http.post(format!("{base}/v1/users"))
        .json(&who)
        .send()
        .await?;
    let session: Value = http
        .post(format!("{base}/v1/sessions"))
        .json(&who)
        .send()
        .await?
        .json()
        .await?;
    Ok(session["access_token"].as_str().unwrap().to_owned())
}

async fn track_ids(state: &AppState, n: usize) -> anyhow::Result<Vec<medley_domain::TrackId>> {
    let tracks = state.app.store.tracks_after(None, n as i64).await?;
    Ok(tracks.into_iter().map(|t| t.id).collect())
}

/// Sequential ranged requests over one keep-alive connection: time until the first byte of the
/// body arrives.
async fn ttfb(
    what: &str,
    base: &str,
    token: &str,
    ids: &[medley_domain::TrackId],
    n: usize,
) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let mut times = Vec::with_capacity(n);
    for i in 0..n + 20 {
        let id = &ids[i * 7919 % ids.len()];
        let t = Instant::now();
        let mut res = http
            .get(format!("{base}/v1/tracks/{id}/stream"))
            .bearer_auth(token)
            .header("range", format!("bytes={}-", 1 + (i * 37) % 4096))
            .send()
            .await?;
        assert_eq!(res.status(), reqwest::StatusCode::PARTIAL_CONTENT);
        res.chunk().await?.expect("a first chunk");
        let elapsed = t.elapsed();
        while res.chunk().await?.is_some() {}
        if i >= 20 {
            times.push(elapsed);
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "time to first byte, {what}, {n} ranged requests: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*times.last().unwrap())
    );
    Ok(())
}
