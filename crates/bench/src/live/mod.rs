//! `medley-bench live`: the live-show load tool (docs/BENCHMARKS.md, "Live shows").
//!
//! - `live prepare`: a SQLite data folder with a host, N listener users (each with an API
//!   token) and public live shows, written through `medley-store` and `medley-app` (no
//!   server), and `live.json` describing them.
//! - `live run`: opens N real WebSocket listeners spread over S of those shows, against a
//!   running Medley (`--protocol medley`, LIVE.md) or the Socket.IO baseline of
//!   `bench/socketio` (`--protocol socketio`, Engine.IO v4 / Socket.IO v5 over a raw
//!   WebSocket), with the same generator for both: a few listeners of each show also speak,
//!   each comment carries its send time, and every listener records, for every comment, the
//!   time from send to receipt. It reports delivery latency, losses, the time to connect
//!   everyone, and the server's memory and CPU (from `/proc/<pid>`), idle and under load.
//! - `live floor`: the least a server can do for `live run` (each event framed once, then one
//!   `send` per listener from writer threads, nothing stored or checked), to measure in the
//!   same run what the machine allows any server.
//! - `live report`: two runs of a scenario (Medley, Socket.IO) as a table with ratios, and the
//!   floor's run beside them when there is one.

mod floor;
mod prepare;
mod procfs;
mod report;
mod run;
mod wire;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use medley_domain::ShowId;
use serde::{Deserialize, Serialize};

#[derive(Subcommand)]
pub enum Command {
    /// Create the live benchmark's database (users, tokens, live shows) and `live.json`.
    Prepare(prepare::Args),
    /// Connect listeners to a running server, send comments, measure their delivery.
    Run(run::Args),
    /// The least a server can do for `live run` (one `send` per listener and nothing else),
    /// to measure what the machine allows.
    Floor(floor::Args),
    /// Medley's and Socket.IO's runs of a scenario side by side, with the ratios.
    Report(report::Args),
}

pub fn main(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Prepare(args) => crate::runtime()?.block_on(prepare::run(args)),
        Command::Run(args) => run::main(args),
        Command::Floor(args) => floor::main(args),
        Command::Report(args) => report::run(args),
    }
}

/// What `live prepare` made, for `live run` and the Socket.IO baseline's server.
#[derive(Serialize, Deserialize)]
pub struct LiveData {
    /// The creator of every show.
    pub host: LiveUser,
    /// Listener `i` of a run is `users[i]`.
    pub users: Vec<LiveUser>,
    /// Ids of public live shows; a run uses `--shows` of them from `--first-show` on.
    pub shows: Vec<ShowId>,
    pub prepared_in_secs: f64,
}

#[derive(Serialize, Deserialize)]
pub struct LiveUser {
    pub id: String,
    pub username: String,
    /// An API token (never expires).
    pub token: String,
}

impl LiveData {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("live.json")
    }

    pub fn load(data_dir: &Path) -> anyhow::Result<LiveData> {
        let path = LiveData::path(data_dir);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {} (run `medley-bench live prepare` first)",
                path.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}
