//! `medley-bench`: the tooling behind `bench/run.sh` (see `docs/BENCHMARKS.md`).
//!
//! - `prepare`: writes a SQLite data folder straight through `medley-store` (the demo catalog
//!   scaled to N tracks, a user with an API token, a private 10,000-item playlist to read and
//!   a private 9,900-item playlist to add to) and `bench.json` describing it.
//! - `check`: asks a running server whether the prepared data is what the benchmarks expect.
//! - `latency`: sequential adds of 100 items (and the removes that undo them), and search at
//!   concurrency 1 and 8, each request timed on the client; results to `results/latency.json`.
//! - `index`: the search index alone, in process, over the same catalog and queries.
//! - `report`: the figures of one run (wrk's and ours) against the targets, as Markdown.
//! - `live`: the live-show load tool (`live prepare`, `live run`, `live floor`,
//!   `live report`; see [`live`] and `bench/live.sh`).
#![forbid(unsafe_code)]

mod index;
mod latency;
mod live;
mod prepare;
mod report;
mod stats;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use medley_domain::{PlaylistId, TrackId};
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(name = "medley-bench", about = "Medley's end-to-end benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the benchmark's database and `bench.json` in a data folder.
    Prepare(prepare::Args),
    /// Check, through the API, that a server serves the prepared data as expected.
    Check(latency::CheckArgs),
    /// Time playlist adds and searches against a running server.
    Latency(latency::Args),
    /// Time the search index alone (no HTTP, no database) on the prepared catalog.
    Index(index::Args),
    /// Print one run's figures against the targets.
    Report(report::Args),
    /// Live shows under load: many WebSocket listeners, comments timed to each of them.
    #[command(subcommand)]
    Live(live::Command),
}

/// What `prepare` made, for the other commands and the wrk scripts.
#[derive(Serialize, Deserialize)]
pub struct BenchData {
    pub tracks: usize,
    pub username: String,
    /// An API token (never expires) of the user who owns both playlists.
    pub token: String,
    /// Private playlist of 10,000 items, read in pages of 50.
    pub read_playlist: PlaylistId,
    pub read_playlist_items: i64,
    /// Private playlist of 9,900 items, to which 100 items are added (and then removed).
    pub write_playlist: PlaylistId,
    pub write_playlist_items: i64,
    /// Catalog tracks in neither playlist: the adds take 100 of them at a time.
    pub add_track_ids: Vec<TrackId>,
    /// Search queries made from the catalog's own words.
    pub queries: Vec<SearchQuery>,
    pub prepared_in_secs: f64,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct SearchQuery {
    /// `title`, `word`, `two-words`, `artist`, `album` or `prefix`.
    pub kind: String,
    pub q: String,
}

impl BenchData {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("bench.json")
    }

    pub fn load(data_dir: &Path) -> anyhow::Result<BenchData> {
        let path = BenchData::path(data_dir);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {} (run `medley-bench prepare` first)",
                path.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Prepare(args) => runtime()?.block_on(prepare::run(args)),
        Command::Check(args) => runtime()?.block_on(latency::check(args)),
        Command::Latency(args) => runtime()?.block_on(latency::run(args)),
        Command::Index(args) => runtime()?.block_on(index::run(args)),
        Command::Report(args) => report::run(args),
        Command::Live(command) => live::main(command),
    }
}

/// One thread: the client should take as little CPU from the server as it can (they share
/// the machine), and at concurrency 8 it waits on the server, not on its own work.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
