//! `medley-bench report`: one run's figures against the targets, as Markdown tables.
//!
//! Reads `DATA_DIR/results/`: `wrk-healthz.json` and `wrk-pages.json` (written by the wrk Lua
//! `done` hook in `bench/run.sh`), `latency.json` (from `medley-bench latency`) and, if present,
//! `search-index.txt` (the output of `medley-search`'s `bench_search` example).

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::index::IndexResults;
use crate::latency::LatencyResults;
use crate::stats::Summary;

const PAGES_PER_SEC: f64 = 10_000.0;
const P99_MS: f64 = 20.0;

#[derive(clap::Args)]
pub struct Args {
    /// The folder `medley-bench prepare` wrote (results are read from its `results/`).
    #[arg(long)]
    data_dir: PathBuf,
}

#[derive(Deserialize)]
struct Wrk {
    requests: u64,
    duration_us: u64,
    errors: WrkErrors,
    latency_us: WrkLatency,
    connections: Option<u64>,
    threads: Option<u64>,
}

#[derive(Deserialize)]
struct WrkErrors {
    connect: u64,
    read: u64,
    write: u64,
    status: u64,
    timeout: u64,
}

#[derive(Deserialize)]
struct WrkLatency {
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    mean: f64,
}

impl Wrk {
    fn per_sec(&self) -> f64 {
        self.requests as f64 / (self.duration_us as f64 / 1e6)
    }
    fn errors(&self) -> u64 {
        let e = &self.errors;
        e.connect + e.read + e.write + e.status + e.timeout
    }
}

fn load<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn met(ok: bool) -> &'static str {
    if ok {
        "**met**"
    } else {
        "**NOT met**"
    }
}

fn ms(v: f64) -> String {
    format!("{v:.2} ms")
}

fn spread(s: &Summary) -> String {
    format!(
        "p50 {:.2} / p90 {:.2} / max {:.2} ms",
        s.p50_ms, s.p90_ms, s.max_ms
    )
}

fn spread_p99(s: &Summary) -> String {
    format!(
        "p50 {:.2} / p90 {:.2} / p99 {:.2} / max {:.2} ms",
        s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms
    )
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = args.data_dir.join("results");
    let health: Wrk = load(&dir.join("wrk-healthz.json"))?;
    let pages: Wrk = load(&dir.join("wrk-pages.json"))?;
    let lat: LatencyResults = load(&dir.join("latency.json"))?;
    let index = std::fs::read_to_string(dir.join("search-index.txt")).ok();
    let same_index: Option<IndexResults> = load(&dir.join("index.json")).ok();

    let mut verdicts = Vec::new();
    let ms_us = |us: f64| us / 1e3;

    println!(
        "### 1. A 50-item page of a 10,000-item private playlist (wrk, {} connections, {} threads)\n",
        pages.connections.unwrap_or(0),
        pages.threads.unwrap_or(0)
    );
    println!("| figure | value | target | result |\n|---|---|---|---|");
    let page_ok = pages.per_sec() >= PAGES_PER_SEC;
    let page_p99_ok = ms_us(pages.latency_us.p99) < P99_MS;
    println!(
        "| pages: throughput | {:.0} requests/s | >= {PAGES_PER_SEC:.0}/s | {} |",
        pages.per_sec(),
        met(page_ok)
    );
    println!(
        "| pages: p99 latency | {} | < {P99_MS} ms | {} |",
        ms(ms_us(pages.latency_us.p99)),
        met(page_p99_ok)
    );
    println!(
        "| pages: p50 / p90 / max / mean | {:.2} / {:.2} / {:.2} / {:.2} ms | | |",
        ms_us(pages.latency_us.p50),
        ms_us(pages.latency_us.p90),
        ms_us(pages.latency_us.max),
        ms_us(pages.latency_us.mean)
    );
    println!(
        "| pages: errors (non-2xx, socket, timeout) | {} of {} | 0 | {} |",
        pages.errors(),
        pages.requests,
        met(pages.errors() == 0)
    );
    println!(
        "| /healthz (ceiling): throughput | {:.0} requests/s | | |",
        health.per_sec()
    );
    println!(
        "| /healthz: p50 / p99 / max | {:.2} / {:.2} / {:.2} ms | | |",
        ms_us(health.latency_us.p50),
        ms_us(health.latency_us.p99),
        ms_us(health.latency_us.max)
    );
    println!(
        "| pages / healthz throughput | {:.1} % | | |",
        100.0 * pages.per_sec() / health.per_sec()
    );
    verdicts.push((
        "1. page of 10,000-item playlist",
        format!(
            "{:.0} req/s, p99 {}",
            pages.per_sec(),
            ms(ms_us(pages.latency_us.p99))
        ),
        page_ok && page_p99_ok && pages.errors() == 0,
    ));

    println!(
        "\n### 2. Adding {} items to a {}-item playlist (sequential, HTTP)\n",
        lat.add_batch, lat.items_before
    );
    println!("| figure | value | target | result |\n|---|---|---|---|");
    let add_ok = lat.adds.p99_ms < P99_MS && lat.adds.errors == 0;
    println!(
        "| adds: p99 latency ({} adds) | {} | < {P99_MS} ms | {} |",
        lat.adds.requests,
        ms(lat.adds.p99_ms),
        met(lat.adds.p99_ms < P99_MS)
    );
    println!("| adds: spread | {} | | |", spread(&lat.adds));
    println!(
        "| adds: errors | {} | 0 | {} |",
        lat.adds.errors,
        met(lat.adds.errors == 0)
    );
    println!(
        "| removes (undoing each add; not a target): p99 | {} ({}) | | |",
        ms(lat.removes.p99_ms),
        spread(&lat.removes)
    );
    if let Some(c) = &lat.checkpoints {
        println!(
            "| adds that ran a WAL checkpoint | {} of {}: p50 {:.2} / max {:.2} ms | | |",
            c.adds_with.requests, lat.adds.requests, c.adds_with.p50_ms, c.adds_with.max_ms
        );
        println!(
            "| adds without a checkpoint: p99 | {} ({}) | | |",
            ms(c.adds_without.p99_ms),
            spread(&c.adds_without)
        );
        println!(
            "| removes that ran a WAL checkpoint | {} of {}: p50 {:.2} / max {:.2} ms | | |",
            c.removes_with.requests,
            lat.removes.requests,
            c.removes_with.p50_ms,
            c.removes_with.max_ms
        );
    }
    println!(
        "| playlist size before / after | {} / {} | equal | {} |",
        lat.items_before,
        lat.items_after,
        met(lat.items_before == lat.items_after)
    );
    verdicts.push((
        "2. add 100 items to 9,900",
        format!("p99 {}", ms(lat.adds.p99_ms)),
        add_ok,
    ));

    println!("\n### 3. Search, 100,000-track demo catalog (`type=track,artist,album`)\n");
    println!("| figure | value | target | result |\n|---|---|---|---|");
    let mut search_ok = true;
    for run in &lat.search {
        let ok = run.all.p99_ms < P99_MS && run.all.errors == 0;
        search_ok &= ok;
        println!(
            "| concurrency {}: p99 ({} requests) | {} | < {P99_MS} ms | {} |",
            run.concurrency,
            run.all.requests,
            ms(run.all.p99_ms),
            met(run.all.p99_ms < P99_MS)
        );
        println!(
            "| concurrency {}: spread, throughput | {}, {:.0} requests/s | | |",
            run.concurrency,
            spread(&run.all),
            run.all.per_sec
        );
        println!(
            "| concurrency {}: errors, answers without hits | {}, {} | 0, - | {} |",
            run.concurrency,
            run.all.errors,
            run.no_hits,
            met(run.all.errors == 0)
        );
        let kinds: Vec<String> = run
            .by_kind
            .iter()
            .map(|(k, s)| format!("{k} {:.1}", s.p99_ms))
            .collect();
        println!(
            "| concurrency {}: p99 by query kind (ms) | {} | | |",
            run.concurrency,
            kinds.join(", ")
        );
    }
    if let Some(ix) = &same_index {
        println!(
            "| index only, same catalog and queries (in process, top {}): track+artist+album | {} | | |",
            ix.limit,
            spread_p99(&ix.all)
        );
        let parts: Vec<String> = ix
            .by_index
            .iter()
            .map(|(k, s)| format!("{k} {:.2}", s.p99_ms))
            .collect();
        println!(
            "| index only, same catalog: p99 per index (ms) | {} | | |",
            parts.join(", ")
        );
        let parts: Vec<String> = ix
            .by_query_kind
            .iter()
            .map(|(k, s)| format!("{k} {:.1}", s.p99_ms))
            .collect();
        println!(
            "| index only, same catalog: p99 by query kind (ms) | {} | | |",
            parts.join(", ")
        );
    }
    if let Some(text) = &index {
        for line in text.lines().filter(|l| l.contains("queries, top")) {
            if let Some((kind, rest)) = line.split_once(':') {
                println!(
                    "| index only (`bench_search`, synthetic 100k, one kind, top 10): {kind} | {} | | |",
                    rest.split_once("top 10:").map_or(rest, |(_, r)| r).trim()
                );
            }
        }
    }
    let worst = lat
        .search
        .iter()
        .map(|r| r.all.p99_ms)
        .fold(0.0_f64, f64::max);
    verdicts.push((
        "3. search, 100k tracks",
        format!("worst p99 {}", ms(worst)),
        search_ok,
    ));

    println!("\n### Summary\n\n| target | figure | result |\n|---|---|---|");
    for (target, figure, ok) in verdicts {
        println!("| {target} | {figure} | {} |", met(ok));
    }
    Ok(())
}
