//! `medley-bench index`: the search index alone, in this process, over the prepared catalog
//! and the same queries as the HTTP search runs. Subtracted from the end-to-end figures, it
//! shows what HTTP, hydrating hits from the database and rendering JSON cost.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use medley_app::catalog::rebuild_search_index;
use medley_search::{Kind, SearchIndex};
use medley_store::SqlStore;
use serde::{Deserialize, Serialize};

use crate::stats::Summary;
use crate::BenchData;

/// The endpoint's default page size.
const LIMIT: usize = 20;

#[derive(clap::Args)]
pub struct Args {
    /// The folder `medley-bench prepare` wrote (no server may be using it).
    #[arg(long)]
    data_dir: PathBuf,
    /// Queries to time: N of the prepared list (what the concurrency-1 run sends).
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    /// Where in the prepared query list to start (the `--query-offset` of the HTTP run).
    #[arg(long, default_value_t = 0)]
    query_offset: usize,
    /// Where to write the results (default: DATA_DIR/results/index.json).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Serialize, Deserialize)]
pub struct IndexResults {
    pub tracks: usize,
    pub build_secs: f64,
    pub limit: usize,
    /// Per kind searched: `track`, `artist`, `album`.
    pub by_index: BTreeMap<String, Summary>,
    /// Track + artist + album searches of one query, one after the other (as the endpoint
    /// does for `type=track,artist,album`).
    pub all: Summary,
    /// `all`, by the kind of query.
    pub by_query_kind: BTreeMap<String, Summary>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let data = BenchData::load(&args.data_dir)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.data_dir.join("results").join("index.json"));
    let store = SqlStore::open_sqlite(&args.data_dir.join("medley.db"))
        .await
        .context("opening the prepared database")?;
    let index = SearchIndex::in_memory().context("creating the search index")?;
    let started = Instant::now();
    let tracks = rebuild_search_index(&store, &index)
        .await
        .map_err(|e| anyhow::anyhow!("building the index: {e}"))?;
    let build = started.elapsed();
    store.close().await;

    let kinds = [
        ("track", Kind::Track),
        ("artist", Kind::Artist),
        ("album", Kind::Album),
    ];
    let queries: Vec<_> = data
        .queries
        .iter()
        .cycle()
        .skip(args.query_offset % data.queries.len().max(1))
        .take(args.queries.min(data.queries.len()))
        .collect();
    // Warm-up, with queries from the far end of the list.
    for q in data.queries.iter().rev().take(50) {
        for (_, kind) in kinds {
            index.search(&q.q, kind, LIMIT, 0)?;
        }
    }
    let mut per_index: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut per_query_kind: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut all = Vec::with_capacity(queries.len());
    for q in &queries {
        let mut sum = Duration::ZERO;
        for (name, kind) in kinds {
            let started = Instant::now();
            index.search(&q.q, kind, LIMIT, 0)?;
            let d = started.elapsed();
            sum += d;
            per_index.entry(name.to_owned()).or_default().push(d);
        }
        all.push(sum);
        per_query_kind.entry(q.kind.clone()).or_default().push(sum);
    }
    let summary = |samples: &[Duration]| Summary::new(samples, 0, samples.iter().sum());
    let results = IndexResults {
        tracks,
        build_secs: build.as_secs_f64(),
        limit: LIMIT,
        by_index: per_index
            .iter()
            .map(|(k, v)| (k.clone(), summary(v)))
            .collect(),
        all: summary(&all),
        by_query_kind: per_query_kind
            .iter()
            .map(|(k, v)| (k.clone(), summary(v)))
            .collect(),
    };
    println!(
        "index: {tracks} tracks indexed in {:.1} s; {} queries, top {LIMIT}",
        results.build_secs,
        queries.len()
    );
    println!("  track+artist+album {}", results.all.line());
    for (k, s) in &results.by_index {
        println!(
            "  {k:<6} alone: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            s.p50_ms, s.p99_ms, s.max_ms
        );
    }
    for (k, s) in &results.by_query_kind {
        println!(
            "  {k:<9} queries: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            s.p50_ms, s.p99_ms, s.max_ms
        );
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, serde_json::to_vec_pretty(&results)?)
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}
