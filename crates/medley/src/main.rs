//! `medley`: the one binary. `serve` runs the server; `user` manages accounts; `show` runs
//! live shows on a running server.
#![forbid(unsafe_code)]

mod audio_config;
mod cluster_config;
mod commands;
mod config;
mod demo;
mod edge_config;
mod logging;
mod serve;
mod stream_config;

use clap::{Parser, Subcommand};

use crate::config::{ServeArgs, StorageArgs};

#[derive(Parser)]
#[command(
    name = "medley",
    version,
    about = "A self-hosted music platform server"
)]
struct Cli {
    #[command(flatten)]
    storage: StorageArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (SQLite in the data folder unless --database-url says otherwise).
    Serve {
        #[command(flatten)]
        args: Box<ServeArgs>,
        /// Fill a demo catalog, demo users and playlists (once; later runs keep them).
        #[arg(long)]
        demo: bool,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: commands::user::UserCommand,
    },
    /// Import listening-history exports (files, folders or my_spotify_data.zip) for a user.
    Import(commands::import::ImportArgs),
    /// Listening statistics of a user, as tables.
    Stats(commands::stats::StatsArgs),
    /// Link users' Spotify accounts.
    Spotify {
        #[command(subcommand)]
        command: commands::spotify::SpotifyCommand,
    },
    /// Manage scheduled one-way syncs between playlists.
    SyncJobs {
        #[command(subcommand)]
        command: commands::sync_jobs::SyncJobCommand,
    },
    /// The audio library: scan folders for music.
    Library {
        #[command(subcommand)]
        command: commands::library::LibraryCommand,
    },
    /// Live shows on a running server: create, list, start, end, and join one.
    Show(commands::show::ShowArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let serve = match &cli.command {
        Command::Serve { args, .. } => Some(args.as_ref()),
        _ => None,
    };
    let config = config::Config::resolve(&cli.storage, serve)?;
    // The log format is the server's; the other commands print for a person.
    logging::init(serve.is_some() && config.json_logs);
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = config.workers {
        runtime.worker_threads(workers);
    }
    runtime
        .enable_all()
        .build()?
        .block_on(run(config, cli.command))
}

async fn run(config: config::Config, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo, .. } => serve::run(config, demo).await,
        Command::User { command } => commands::user::run(&config, command).await,
        Command::Import(args) => commands::import::run(&config, args).await,
        Command::Stats(args) => commands::stats::run(&config, args).await,
        Command::Spotify { command } => commands::spotify::run(&config, command).await,
        Command::SyncJobs { command } => commands::sync_jobs::run(&config, command).await,
        Command::Library { command } => commands::library::run(&config, command).await,
        Command::Show(args) => {
            let status = commands::show::run(&config, args).await?;
            if status != 0 {
                std::process::exit(status);
            }
            Ok(())
        }
    }
}
