//! Streaming under load, beside a plain static file server: STREAMS clients, each on its own
//! keep-alive connection, fetch 256 KiB ranges of random files for a while, once through Medley
//! (`GET /v1/tracks/{id}/stream`, a Bearer token, the track looked up, the file read in place)
//! once through nginx serving the same folder, and once through Medley behind an nginx that
//! sends the files Medley names (X-Accel-Redirect). Then the time to the first byte of
//! transcodes to Opus, each of a track not transcoded before.
//!
//! The load generator runs on its own two-thread runtime, so that Medley's server (on the
//! example's main runtime) and nginx (its own two workers) each compete with it alike.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use medley_app::library::scan::{scan, ScanOptions, ScanProgress};
use medley_app::library::{Audio, AudioSettings};
use medley_audio::testing::nginx::Nginx;
use medley_audio::testing::{wav, Written};
use medley_audio::{Storage, TranscodeSettings, Transcoder, UrlSigner};
use rand::Rng;

const FILES: usize = 100;
const SECONDS_EACH: u32 = 40;
const RANGE: u64 = 256 * 1024;
const TRANSCODES: usize = 20;

pub async fn run(streams: usize, duration: Duration) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let music = dir.path().join("music");
    let mut paths = Vec::with_capacity(FILES);
    for i in 0..FILES {
        let relative = format!("Load/Album {}/{:02} Song {i}.wav", i / 12, i % 12 + 1);
        let file = music.join(&relative);
        std::fs::create_dir_all(file.parent().unwrap())?;
        let tags = Written::song(&format!("Song {i}"), "Load", &format!("Album {}", i / 12));
        std::fs::write(&file, wav(SECONDS_EACH * 1000, 220.0 + i as f64, &tags))?;
        paths.push(relative);
    }
    let size = std::fs::metadata(music.join(&paths[0]))?.len();
    println!(
        "{FILES} files of {SECONDS_EACH} s ({:.1} MB each); {streams} streams of {} KiB ranges, {} s each",
        size as f64 / 1e6,
        RANGE / 1024,
        duration.as_secs()
    );

    let transcoder = Transcoder::start(&TranscodeSettings {
        ffmpeg: Some(PathBuf::from("ffmpeg")),
        cache_dir: dir.path().join("transcodes"),
        cache_max_bytes: 1 << 30,
        max_jobs: 2,
    })?;
    let audio = Audio::new(
        Storage::local(&dir.path().join("objects")),
        UrlSigner::random(),
        AudioSettings::default(),
    )
    .with_transcoder(transcoder);
    let (state, base, _db) = super::server_with(audio).await?;
    let report = scan(
        &state.app,
        &[music.to_string_lossy().into_owned()],
        ScanOptions::default(),
        &ScanProgress::default(),
        |_| {},
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(report.added == FILES as u64, "{report:?}");
    let token = super::admin(&base).await?;
    let ids = super::track_ids(&state, FILES).await?;

    let medley_urls: Vec<String> = ids
        .iter()
        .map(|id| format!("{base}/v1/tracks/{id}/stream"))
        .collect();
    let mut medley = drive(streams, duration, medley_urls, Some(token.clone()), size)?;
    medley.print("Medley");

    let program = std::env::var("MEDLEY_BENCH_NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into());
    let nginx = Nginx::start(
        &program,
        &dir.path().join("static"),
        2,
        "",
        &format!("root {};", music.display()),
    )?;
    let nginx_urls: Vec<String> = paths
        .iter()
        .map(|p| format!("{}/{}", nginx.base, p.replace(' ', "%20")))
        .collect();
    let mut plain = drive(streams, duration, nginx_urls, None, size)?;
    plain.print("nginx");
    drop(nginx);

    // The same Medley, on another port, naming each file to an nginx in front that sends it
    // (X-Accel-Redirect), as docs/OPERATIONS.md sets it up.
    let mut offloading = state.clone();
    let mut audio = (*state.app.audio).clone();
    audio.settings.offload_prefix = Some("/internal/files/".into());
    Arc::make_mut(&mut offloading.app).audio = Arc::new(audio);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let backend = listener.local_addr()?;
    tokio::spawn(medley_api::serve(
        listener,
        offloading,
        std::future::pending(),
    ));
    let front = Nginx::start(
        &program,
        &dir.path().join("front"),
        2,
        &format!("upstream medley {{ server {backend}; keepalive 64; }}"),
        "location / { proxy_pass http://medley; proxy_http_version 1.1; \
         proxy_set_header Connection \"\"; proxy_set_header Host $host; }\n\
         location /internal/files/ { internal; alias /; }",
    )?;
    let front_urls: Vec<String> = ids
        .iter()
        .map(|id| format!("{}/v1/tracks/{id}/stream", front.base))
        .collect();
    let mut fronted = drive(streams, duration, front_urls, Some(token.clone()), size)?;
    fronted.print("Medley behind nginx (X-Accel-Redirect)");
    drop(front);
    println!(
        "Medley delivers {:.0}% of nginx's throughput alone, {:.0}% behind nginx sending the files \
         (target: at least 80%)",
        100.0 * medley.bytes_per_sec() / plain.bytes_per_sec(),
        100.0 * fronted.bytes_per_sec() / plain.bytes_per_sec()
    );

    first_bytes_of_transcodes(&base, &token, &ids[..TRANSCODES]).await
}

/// What one run of the load delivered.
struct Delivered {
    bytes: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Delivered {
    fn bytes_per_sec(&self) -> f64 {
        self.bytes as f64 / self.elapsed.as_secs_f64()
    }

    fn print(&mut self, who: &str) {
        self.latencies.sort();
        let at = |q: f64| {
            let i = ((self.latencies.len() as f64 * q) as usize).min(self.latencies.len() - 1);
            self.latencies[i].as_secs_f64() * 1000.0
        };
        println!(
            "{who}: {:.0} MB/s, {} ranged requests ({:.0}/s), whole range p50 {:.1} ms, p99 {:.1} ms",
            self.bytes_per_sec() / 1e6,
            self.latencies.len(),
            self.latencies.len() as f64 / self.elapsed.as_secs_f64(),
            at(0.5),
            at(0.99)
        );
    }
}

/// `streams` clients, each on its own connection, fetching random ranges of random `urls`
/// until `duration` has passed; runs on a runtime of its own.
fn drive(
    streams: usize,
    duration: Duration,
    urls: Vec<String>,
    token: Option<String>,
    size: u64,
) -> anyhow::Result<Delivered> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let started = Instant::now();
            let until = started + duration;
            let mut clients = Vec::with_capacity(streams);
            for _ in 0..streams {
                // A client each: one keep-alive connection per stream, as players hold.
                let http = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()?;
                let (urls, token) = (urls.clone(), token.clone());
                clients.push(tokio::spawn(async move {
                    let mut bytes = 0u64;
                    let mut latencies = Vec::new();
                    while Instant::now() < until {
                        let (url, from) = {
                            let mut rng = rand::thread_rng();
                            let url = &urls[rng.gen_range(0..urls.len())];
                            (url.clone(), rng.gen_range(0..size - RANGE))
                        };
                        let t = Instant::now();
                        let mut request = http
                            .get(&url)
                            .header("range", format!("bytes={from}-{}", from + RANGE - 1));
                        if let Some(token) = &token {
                            request = request.bearer_auth(token);
                        }
                        let mut res = request.send().await?;
                        anyhow::ensure!(
                            res.status() == reqwest::StatusCode::PARTIAL_CONTENT,
                            "{url}: {}",
                            res.status()
                        );
                        let mut got = 0;
                        while let Some(chunk) = res.chunk().await? {
                            got += chunk.len() as u64;
                        }
                        anyhow::ensure!(got == RANGE, "{url}: {got} bytes of {RANGE}");
                        bytes += got;
                        latencies.push(t.elapsed());
                    }
                    Ok::<_, anyhow::Error>((bytes, latencies))
                }));
            }
            let mut all = Delivered {
                bytes: 0,
                elapsed: Duration::ZERO,
                latencies: Vec::new(),
            };
            for client in clients {
                let (bytes, latencies) = client.await??;
                all.bytes += bytes;
                all.latencies.extend(latencies);
            }
            all.elapsed = started.elapsed();
            Ok(all)
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the load generator panicked"))?
}

/// Sequential requests for Opus transcodes of tracks never transcoded before: time until the
/// first byte of the body.
async fn first_bytes_of_transcodes(
    base: &str,
    token: &str,
    ids: &[medley_domain::TrackId],
) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let mut times = Vec::with_capacity(ids.len());
    for id in ids {
        let t = Instant::now();
        let mut res = http
            .get(format!(
                "{base}/v1/tracks/{id}/stream?format=opus&bitrate=96"
            ))
            .bearer_auth(token)
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "transcode: {}", res.status());
        res.chunk().await?.expect("a first chunk");
        times.push(t.elapsed());
        while res.chunk().await?.is_some() {}
    }
    times.sort();
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    println!(
        "first byte of {} Opus transcodes (each a new one): p50 {:.0} ms, max {:.0} ms (target: within 300 ms)",
        times.len(),
        ms(&times[times.len() / 2]),
        ms(times.last().unwrap())
    );
    Ok(())
}
