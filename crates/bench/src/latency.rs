//! `medley-bench check` and `medley-bench latency`: requests to a running server over HTTP on
//! a real socket (keep-alive connections), each timed on the client from just before it is
//! sent until its whole body has arrived.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use reqwest::{Client, RequestBuilder, StatusCode, Url};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::stats::Summary;
use crate::BenchData;

const ADD_BATCH: usize = 100;
const SEARCH_TYPES: &str = "track,artist,album";

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The server, e.g. `http://127.0.0.1:8080`.
    #[arg(long)]
    url: String,
    /// The folder `medley-bench prepare` wrote.
    #[arg(long)]
    data_dir: PathBuf,
}

#[derive(clap::Args)]
pub struct Args {
    /// The server, e.g. `http://127.0.0.1:8080`.
    #[arg(long)]
    url: String,
    /// The folder `medley-bench prepare` wrote.
    #[arg(long)]
    data_dir: PathBuf,
    /// Timed adds of 100 items to the 9,900-item playlist (each undone by an untimed-for-the-
    /// target remove).
    #[arg(long, default_value_t = 300)]
    adds: usize,
    /// Add/remove rounds before timing starts.
    #[arg(long, default_value_t = 10)]
    warmup_adds: usize,
    /// Search requests per concurrency level; every request of a run is a distinct query.
    #[arg(long, default_value_t = 2_000)]
    searches: usize,
    /// Where in the prepared query list to start (so that a repeated run sends new queries).
    #[arg(long, default_value_t = 0)]
    query_offset: usize,
    /// Concurrency levels for search (requests in flight at once).
    #[arg(long, value_delimiter = ',', default_value = "1,8")]
    concurrency: Vec<usize>,
    /// Where to write the results (default: DATA_DIR/results/latency.json).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Serialize, Deserialize)]
pub struct LatencyResults {
    pub add_batch: usize,
    pub items_before: i64,
    pub items_after: i64,
    pub adds: Summary,
    pub removes: Summary,
    /// The same requests, split by whether they wrote to the database file itself (a WAL
    /// checkpoint, which SQLite runs inside the commit that fills the WAL past its limit).
    #[serde(default)]
    pub checkpoints: Option<Checkpoints>,
    pub search: Vec<SearchRun>,
}

#[derive(Serialize, Deserialize)]
pub struct Checkpoints {
    pub adds_with: Summary,
    pub adds_without: Summary,
    pub removes_with: Summary,
    pub removes_without: Summary,
}

/// What the add/remove rounds measured.
struct Rounds {
    adds: Summary,
    removes: Summary,
    checkpoints: Checkpoints,
}

/// The database file's modification time: in WAL mode only checkpoints write to it.
fn db_mtime(path: &std::path::Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[derive(Serialize, Deserialize)]
pub struct SearchRun {
    pub concurrency: usize,
    pub all: Summary,
    pub by_kind: BTreeMap<String, Summary>,
    /// Requests whose answer held no track, artist or album.
    pub no_hits: usize,
    /// The slowest queries: (kind, query, ms).
    pub slowest: Vec<(String, String, f64)>,
}

fn client() -> anyhow::Result<Client> {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .build()
        .context("building the HTTP client")
}

/// One request, timed; `Err` carries a description of what went wrong.
struct Timed {
    elapsed: Duration,
    /// The body of an answer with the expected status (parsed, if at all, after timing).
    body: Result<Vec<u8>, String>,
}

async fn timed(req: RequestBuilder, expect: StatusCode) -> Timed {
    let (client, req) = req.build_split();
    let req = match req {
        Ok(r) => r,
        Err(e) => {
            return Timed {
                elapsed: Duration::ZERO,
                body: Err(format!("building the request: {e}")),
            }
        }
    };
    // The request is already serialised: only sending and receiving are timed.
    let started = Instant::now();
    let outcome = match client.execute(req).await {
        Ok(res) => {
            let status = res.status();
            match res.bytes().await {
                Ok(b) if status == expect => Ok(b.to_vec()),
                Ok(b) => Err(format!(
                    "status {status}: {}",
                    String::from_utf8_lossy(&b[..b.len().min(300)])
                )),
                Err(e) => Err(format!("reading the body: {e}")),
            }
        }
        Err(e) => Err(format!("{e}")),
    };
    Timed {
        elapsed: started.elapsed(),
        body: outcome,
    }
}

thread_local! {
    /// One client (one connection pool) for the whole run; the runtime has one thread.
    static CLIENT: Client = client().expect("an HTTP client");
}

fn http() -> Client {
    CLIENT.with(|c| c.clone())
}

fn base(url: &str) -> anyhow::Result<Url> {
    Url::parse(url.trim_end_matches('/')).with_context(|| format!("parsing the URL {url}"))
}

async fn get_json(url: Url, token: Option<&str>) -> anyhow::Result<(StatusCode, Value)> {
    let mut req = http().get(url.clone());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.with_context(|| format!("GET {url}"))?;
    let status = res.status();
    let text = res.text().await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

async fn items_total(base: &Url, playlist: &str, token: &str) -> anyhow::Result<i64> {
    let url = base.join(&format!("/v1/playlists/{playlist}/items?limit=1"))?;
    let (status, body) = get_json(url, Some(token)).await?;
    if status != StatusCode::OK {
        bail!("items of playlist {playlist}: status {status}: {body}");
    }
    body["total"]
        .as_i64()
        .context("the items page has no `total`")
}

/// Fails unless the server serves the prepared data as the benchmarks expect.
pub async fn check(args: CheckArgs) -> anyhow::Result<()> {
    let data = BenchData::load(&args.data_dir)?;
    let base = base(&args.url)?;
    let (status, _) = get_json(base.join("/readyz")?, None).await?;
    if status != StatusCode::OK {
        bail!("/readyz answered {status}");
    }
    let (status, me) = get_json(base.join("/v1/me")?, Some(&data.token)).await?;
    if status != StatusCode::OK || me["display_name"].is_null() && me["id"].is_null() {
        bail!("/v1/me with the bench token answered {status}: {me}");
    }
    let deep = base.join(&format!(
        "/v1/playlists/{}/items?limit=50&offset=9950",
        data.read_playlist
    ))?;
    let (status, page) = get_json(deep.clone(), Some(&data.token)).await?;
    let n = page["items"].as_array().map_or(0, Vec::len);
    if status != StatusCode::OK || n != 50 || page["total"] != json!(10_000) {
        bail!("the last page of the read playlist: status {status}, {n} items, total {}; expected 200, 50, 10000", page["total"]);
    }
    let (status, _) = get_json(deep, None).await?;
    if status != StatusCode::NOT_FOUND {
        bail!("the read playlist should be private (404 without a token), got {status}");
    }
    let total = items_total(&base, &data.write_playlist, &data.token).await?;
    if total != data.write_playlist_items {
        bail!(
            "the add playlist holds {total} items, expected {} (an interrupted run? prepare again)",
            data.write_playlist_items
        );
    }
    let q = &data.queries.first().context("no search queries")?.q;
    let url = Url::parse_with_params(
        base.join("/v1/search")?.as_str(),
        [("q", q.as_str()), ("type", SEARCH_TYPES)],
    )?;
    let (status, body) = get_json(url, None).await?;
    if status != StatusCode::OK || body["tracks"]["total"].as_i64().unwrap_or(0) == 0 {
        bail!("searching {q:?}: status {status}, no tracks: {body}");
    }
    println!(
        "check: ok ({} tracks searchable for {q:?}; playlists of 10000 and {total} items, private)",
        body["tracks"]["total"]
    );
    Ok(())
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let data = BenchData::load(&args.data_dir)?;
    let base = base(&args.url)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.data_dir.join("results").join("latency.json"));

    println!("adds: {} x {ADD_BATCH} items to a playlist of {} items (after {} untimed rounds), each undone by a remove",
        args.adds, data.write_playlist_items, args.warmup_adds);
    let items_before = items_total(&base, &data.write_playlist, &data.token).await?;
    if items_before != data.write_playlist_items {
        bail!(
            "the add playlist holds {items_before} items, expected {}",
            data.write_playlist_items
        );
    }
    let db = args.data_dir.join("medley.db");
    let rounds = adds(&base, &data, &db, args.warmup_adds, args.adds).await?;
    let (adds, removes) = (rounds.adds, rounds.removes);
    let items_after = items_total(&base, &data.write_playlist, &data.token).await?;
    println!("  add    {}", adds.line());
    println!("  remove {}", removes.line());
    println!("  items before {items_before}, after {items_after}");
    let c = &rounds.checkpoints;
    println!(
        "  adds that ran a WAL checkpoint: {} (p50 {:.2} ms, max {:.2} ms); the other {}: p99 {:.2} ms, max {:.2} ms",
        c.adds_with.requests, c.adds_with.p50_ms, c.adds_with.max_ms,
        c.adds_without.requests, c.adds_without.p99_ms, c.adds_without.max_ms
    );
    println!(
        "  removes that ran a WAL checkpoint: {} (p50 {:.2} ms, max {:.2} ms); the other {}: p99 {:.2} ms, max {:.2} ms",
        c.removes_with.requests, c.removes_with.p50_ms, c.removes_with.max_ms,
        c.removes_without.requests, c.removes_without.p99_ms, c.removes_without.max_ms
    );

    let mut search = Vec::new();
    for (level, &concurrency) in args.concurrency.iter().enumerate() {
        let start = args.query_offset + level * args.searches;
        let run = search_run(&base, &data, concurrency, start, args.searches).await?;
        println!(
            "search, concurrency {concurrency}: {} ({} without hits)",
            run.all.line(),
            run.no_hits
        );
        for (kind, s) in &run.by_kind {
            println!(
                "  {kind:<9} n={:<5} p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                s.requests, s.p50_ms, s.p99_ms, s.max_ms
            );
        }
        let slowest: Vec<String> = run
            .slowest
            .iter()
            .map(|(k, q, ms)| format!("{q:?} ({k}) {ms:.1} ms"))
            .collect();
        println!("  slowest: {}", slowest.join(", "));
        search.push(run);
    }

    let results = LatencyResults {
        add_batch: ADD_BATCH,
        items_before,
        items_after,
        adds,
        removes,
        checkpoints: Some(rounds.checkpoints),
        search,
    };
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, serde_json::to_vec_pretty(&results)?)
        .with_context(|| format!("writing {}", out.display()))?;
    if items_after != items_before {
        bail!("the add playlist changed size: {items_before} before, {items_after} after");
    }
    Ok(())
}

/// Sequential add-then-remove rounds; only the adds count for the target.
async fn adds(
    base: &Url,
    data: &BenchData,
    db: &std::path::Path,
    warmup: usize,
    timed_rounds: usize,
) -> anyhow::Result<Rounds> {
    let url = base.join(&format!("/v1/playlists/{}/items", data.write_playlist))?;
    let pool = &data.add_track_ids;
    let batches = (pool.len() / ADD_BATCH).max(1);
    let (mut add_times, mut remove_times) = (Vec::new(), Vec::new());
    let (mut add_errors, mut remove_errors) = (0, 0);
    let mut first_error = None;
    let mut add_wall = Duration::ZERO;
    let mut remove_wall = Duration::ZERO;
    // (with a checkpoint, without) for adds and removes.
    let mut split: [(Vec<Duration>, Vec<Duration>); 2] = Default::default();
    for round in 0..warmup + timed_rounds {
        let from = (round % batches) * ADD_BATCH;
        let uris: Vec<String> = pool[from..(from + ADD_BATCH).min(pool.len())]
            .iter()
            .map(|id| format!("medley:track:{id}"))
            .collect();
        let add = http()
            .post(url.clone())
            .bearer_auth(&data.token)
            .json(&json!({ "uris": uris }));
        let before = db_mtime(db);
        let added = timed(add, StatusCode::CREATED).await;
        let add_checkpointed = db_mtime(db) != before;
        let items: Vec<Value> = uris.iter().map(|u| json!({ "uri": u })).collect();
        let remove = http()
            .delete(url.clone())
            .bearer_auth(&data.token)
            .json(&json!({ "items": items }));
        let before = db_mtime(db);
        let removed = timed(remove, StatusCode::OK).await;
        let remove_checkpointed = db_mtime(db) != before;
        if round < warmup {
            for r in [&added, &removed] {
                if let Err(e) = &r.body {
                    bail!("warm-up round {round} failed: {e}");
                }
            }
            continue;
        }
        add_wall += added.elapsed;
        remove_wall += removed.elapsed;
        add_times.push(added.elapsed);
        remove_times.push(removed.elapsed);
        for (i, (checkpointed, elapsed)) in [
            (add_checkpointed, added.elapsed),
            (remove_checkpointed, removed.elapsed),
        ]
        .into_iter()
        .enumerate()
        {
            if checkpointed {
                split[i].0.push(elapsed);
            } else {
                split[i].1.push(elapsed);
            }
        }
        if let Err(e) = added.body {
            add_errors += 1;
            first_error.get_or_insert(format!("add: {e}"));
        }
        if let Err(e) = removed.body {
            remove_errors += 1;
            first_error.get_or_insert(format!("remove: {e}"));
        }
    }
    if let Some(e) = first_error {
        eprintln!("  first error: {e}");
    }
    let mut slowest: Vec<(usize, Duration)> = add_times.iter().copied().enumerate().collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.1));
    let slowest: Vec<String> = slowest
        .iter()
        .take(8)
        .map(|(i, d)| format!("#{i} {:.1} ms", d.as_secs_f64() * 1e3))
        .collect();
    println!("  slowest adds (round: time): {}", slowest.join(", "));
    // Requests are sequential: throughput is requests over the time spent in them.
    let summary = |samples: &[Duration]| Summary::new(samples, 0, samples.iter().sum());
    Ok(Rounds {
        adds: Summary::new(&add_times, add_errors, add_wall),
        removes: Summary::new(&remove_times, remove_errors, remove_wall),
        checkpoints: Checkpoints {
            adds_with: summary(&split[0].0),
            adds_without: summary(&split[0].1),
            removes_with: summary(&split[1].0),
            removes_without: summary(&split[1].1),
        },
    })
}

/// `n` searches, queries `start..start + n` of the prepared list (cycling if it is shorter),
/// with `concurrency` requests in flight.
async fn search_run(
    base: &Url,
    data: &BenchData,
    concurrency: usize,
    start: usize,
    n: usize,
) -> anyhow::Result<SearchRun> {
    let endpoint = base.join("/v1/search")?;
    let queries = &data.queries;
    let jobs: Vec<(String, String, Url)> = (0..n)
        .map(|i| {
            let q = &queries[(start + i) % queries.len()];
            let url = Url::parse_with_params(
                endpoint.as_str(),
                [("q", q.q.as_str()), ("type", SEARCH_TYPES)],
            )?;
            Ok((q.kind.clone(), q.q.clone(), url))
        })
        .collect::<anyhow::Result<_>>()?;
    let jobs = Arc::new(jobs);
    // Warm-up: connections open, code paths hot; queries from the far end of the list.
    for i in 0..concurrency.max(20) {
        let q = &queries[queries.len() - 1 - i % queries.len()];
        let url = Url::parse_with_params(
            endpoint.as_str(),
            [("q", q.q.as_str()), ("type", SEARCH_TYPES)],
        )?;
        let _ = timed(http().get(url), StatusCode::OK).await;
    }

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (jobs, next) = (jobs.clone(), next.clone());
        tasks.spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((_, _, url)) = jobs.get(i) else {
                    break;
                };
                let r = timed(http().get(url.clone()), StatusCode::OK).await;
                done.push((i, r));
            }
            done
        });
    }
    let mut results: Vec<(usize, Timed)> = Vec::with_capacity(n);
    while let Some(done) = tasks.join_next().await {
        results.extend(done.context("a search task panicked")?);
    }
    let wall = started.elapsed();

    let mut all = Vec::with_capacity(n);
    let mut errors = 0;
    let mut by_kind: BTreeMap<String, (Vec<Duration>, usize)> = BTreeMap::new();
    let mut no_hits = 0;
    let mut first_error = None;
    let mut slow: Vec<(Duration, usize)> = Vec::with_capacity(n);
    for (i, r) in &results {
        let kind = &jobs[*i].0;
        let entry = by_kind.entry(kind.clone()).or_default();
        all.push(r.elapsed);
        entry.0.push(r.elapsed);
        slow.push((r.elapsed, *i));
        match &r.body {
            Ok(body) => {
                let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                let hits: i64 = ["tracks", "artists", "albums"]
                    .iter()
                    .map(|k| v[k]["total"].as_i64().unwrap_or(0))
                    .sum();
                no_hits += usize::from(hits == 0);
            }
            Err(e) => {
                errors += 1;
                entry.1 += 1;
                first_error.get_or_insert_with(|| format!("{:?}: {e}", jobs[*i].1));
            }
        }
    }
    if let Some(e) = first_error {
        eprintln!("  first error: {e}");
    }
    slow.sort_by_key(|s| std::cmp::Reverse(s.0));
    let slowest = slow
        .iter()
        .take(5)
        .map(|(d, i)| {
            (
                jobs[*i].0.clone(),
                jobs[*i].1.clone(),
                d.as_secs_f64() * 1e3,
            )
        })
        .collect();
    Ok(SearchRun {
        concurrency,
        all: Summary::new(&all, errors, wall),
        by_kind: by_kind
            .into_iter()
            .map(|(k, (samples, errors))| {
                let wall: Duration = samples.iter().sum();
                (k, Summary::new(&samples, errors, wall))
            })
            .collect(),
        no_hits,
        slowest,
    })
}
