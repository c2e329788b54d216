//! `spotify-emulator --listen 127.0.0.1:8089 [--seed-demo]`: runs the emulator until Ctrl-C.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;
use medley_spotify_emulator::{spawn, Config};

/// An emulator of the Spotify Web API and accounts service.
#[derive(Debug, Parser)]
#[command(name = "spotify-emulator", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8089")]
    listen: SocketAddr,
    /// Base URL used in links, when clients reach the emulator under another name.
    #[arg(long)]
    public_url: Option<String>,
    /// Create the user `demo` with a few playlists of generated tracks.
    #[arg(long)]
    seed_demo: bool,
    /// Requests per app per rolling 30 seconds.
    #[arg(long, default_value_t = 180)]
    rate_limit: u32,
    /// Requests per app per rolling 24 hours (unlimited when absent).
    #[arg(long)]
    daily_quota: Option<u32>,
    /// Seed of ids, tokens and snapshot ids.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args = Args::parse();
    let config = Config {
        listen: args.listen,
        public_url: args.public_url,
        rate_limit_per_30s: args.rate_limit,
        daily_quota: args.daily_quota,
        seed: args.seed,
        seed_demo: args.seed_demo,
        ..Config::default()
    };
    let running = spawn(config).await.context("starting the emulator")?;
    println!("{}", running.url());
    if args.seed_demo {
        println!("demo user: demo (signed in to the emulated browser)");
    }
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    running.shutdown().await;
    Ok(())
}
