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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { args, demo } => {
            let config = config::Config::resolve(&cli.storage, Some(args.as_ref()))?;
            logging::init(config.json_logs);
            serve::run(config, demo).await
        }
        Command::User { command } => {
            let config = config::Config::resolve(&cli.storage, None)?;
            logging::init(false);
            commands::user::run(&config, command).await
        }
        Command::Import(args) => {
            let config = config::Config::resolve(&cli.storage, None)?;
            logging::init(false);
            commands::import::run(&config, args).await
        }
        Command::Stats(args) => {
            let config = config::Config::resolve(&cli.storage, None)?;
            logging::init(false);
            commands::stats::run(&config, args).await
        }
        Command::Spotify { command } => {
            let config = config::Config::resolve(&cli.storage, None)?;
            logging::init(false);
            commands::spotify::run(&config, command).await
        }
        Command::SyncJobs { command } => {
            let config = config::Config::resolve(&cli.storage, None)?;
            logging::init(false);
            commands::sync_jobs::run(&config, command).await
        }
        Command::Library { command } => {
            let config = config::Config::resolve(&cli.storage, None)?;
            logging::init(false);
            commands::library::run(&config, command).await
        }
        Command::Show(args) => {
            let config = config::Config::resolve(&cli.storage, None)?;
            logging::init(false);
            let status = commands::show::run(&config, args).await?;
            if status != 0 {
                std::process::exit(status);
            }
            Ok(())
        }
    }
}
