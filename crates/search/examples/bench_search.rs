//! Indexes a synthetic catalog and reports search latency.
//!
//! `CARGO_TARGET_DIR=/tmp/target-search cargo run --release -p medley-search --example bench_search [tracks]`

use std::time::{Duration, Instant};

use medley_search::{Kind, SearchIndex};

#[path = "../tests/support/synth.rs"]
mod synth;

const QUERIES: usize = 1_000;
const BATCH: usize = 10_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 100_000,
    };
    let tracks = synth::tracks(n);
    let index = SearchIndex::in_memory()?;

    let started = Instant::now();
    for batch in tracks.chunks(BATCH) {
        index.index_tracks(batch)?;
    }
    let indexing = started.elapsed();
    println!(
        "indexed {} tracks, {} artists, {} albums in {:.2} s ({} per call)",
        index.len(Kind::Track),
        index.len(Kind::Artist),
        index.len(Kind::Album),
        indexing.as_secs_f64(),
        BATCH
    );

    let queries = synth::queries(QUERIES, &tracks);
    if std::env::var_os("BENCH_SETTLE").is_some() {
        std::thread::sleep(Duration::from_secs(5));
    }
    for q in queries.iter().take(50) {
        index.search(q, Kind::Track, 10, 0)?;
    }
    for kind in [Kind::Track, Kind::Artist, Kind::Album] {
        let mut latencies = Vec::with_capacity(QUERIES);
        let mut hits = 0usize;
        for q in &queries {
            let started = Instant::now();
            let found = index.search(q, kind, 10, 0)?;
            latencies.push((started.elapsed(), q));
            hits += usize::from(!found.ids.is_empty());
        }
        latencies.sort();
        let slowest: Vec<String> = latencies[QUERIES - 3..]
            .iter()
            .rev()
            .map(|(d, q)| format!("{q:?} {}", ms(*d)))
            .collect();
        let latencies: Vec<Duration> = latencies.into_iter().map(|(d, _)| d).collect();
        println!(
            "{kind:?}: {QUERIES} queries, top 10: p50 {} p99 {} max {} ({hits} with hits)",
            ms(latencies[QUERIES / 2]),
            ms(latencies[QUERIES * 99 / 100]),
            ms(latencies[QUERIES - 1]),
        );
        println!("  slowest: {}", slowest.join(", "));
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}
