//! `medley spotify connect|list|disconnect`: link a user's Spotify account from the command
//! line. `connect` prints the authorization URL and catches Spotify's redirect on a loopback
//! port (`http://127.0.0.1:PORT/callback`, which must be registered in the Spotify app).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use axum::extract::Query;
use axum::routing::get;
use clap::Subcommand;
use medley_store::Store;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::commands::open_store;
use crate::commands::user::find;
use crate::config::Config;

#[derive(Subcommand)]
pub enum SpotifyCommand {
    /// Link a Spotify account to a Medley user through the browser.
    Connect {
        #[arg(long)]
        user: String,
        /// Loopback port for Spotify's redirect; register http://127.0.0.1:PORT/callback as a
        /// redirect URI of your Spotify app.
        #[arg(long, default_value_t = 8888)]
        port: u16,
        /// Give up if the browser has not come back after this many seconds.
        #[arg(long, default_value_t = 600)]
        timeout_secs: u64,
    },
    /// A user's linked accounts, their state and requests in the last 24 hours.
    List {
        #[arg(long)]
        user: String,
    },
    /// Unlink an account and delete its tokens.
    Disconnect {
        #[arg(long)]
        user: String,
        /// The connection's id (see `medley spotify list`).
        id: String,
    },
}

#[derive(Deserialize)]
struct Redirect {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn run(config: &Config, command: SpotifyCommand) -> anyhow::Result<()> {
    let sql = open_store(config).await?;
    let store: Arc<dyn Store> = sql.clone();
    let Some(spotify) = crate::commands::spotify(config, "http://127.0.0.1")? else {
        bail!("Spotify is not configured: set MEDLEY_SPOTIFY_CLIENT_ID (see the README)");
    };
    match command {
        SpotifyCommand::Connect {
            user,
            port,
            timeout_secs,
        } => {
            let user_id = find(store.as_ref(), &user).await?;
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .with_context(|| {
                    format!("listening on 127.0.0.1:{port} (choose another with --port)")
                })?;
            let redirect_uri = format!(
                "http://127.0.0.1:{}/callback",
                listener.local_addr()?.port()
            );
            let url = spotify
                .begin(store.as_ref(), &user_id, Some(&redirect_uri))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Open this URL in a browser and approve Medley:\n\n  {url}\n");
            println!("Waiting for Spotify to send the browser back to {redirect_uri} …");
            let (tx, mut rx) = mpsc::channel::<Redirect>(1);
            let app = axum::Router::new().route(
                "/callback",
                get(move |Query(r): Query<Redirect>| {
                    let tx = tx.clone();
                    async move {
                        let _ = tx.send(r).await;
                        "Medley received Spotify's answer; you can close this window and return to the terminal."
                    }
                }),
            );
            let server = tokio::spawn(async move { axum::serve(listener, app).await });
            let redirect = tokio::time::timeout(Duration::from_secs(timeout_secs), rx.recv())
                .await
                .context("the browser did not come back in time; run the command again")?
                .context("the redirect listener stopped")?;
            server.abort();
            let state = redirect.state.unwrap_or_default();
            if let Some(error) = redirect.error {
                spotify
                    .abandon(store.as_ref(), &state)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                bail!("Spotify did not grant access ({error}); nothing was linked");
            }
            let code = redirect
                .code
                .context("Spotify's redirect carried no code")?;
            let connection = spotify
                .complete(store.as_ref(), &state, &code)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Connected the Spotify account {} ({}) as connection {}.",
                connection
                    .display_name
                    .as_deref()
                    .unwrap_or(&connection.spotify_user_id),
                connection.spotify_user_id,
                connection.id
            );
        }
        SpotifyCommand::List { user } => {
            let user_id = find(store.as_ref(), &user).await?;
            let (views, app) = spotify
                .views(store.as_ref(), &user_id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{:<28} {:<24} {:<10} {:>12}",
                "CONNECTION", "SPOTIFY ACCOUNT", "STATE", "REQUESTS 24H"
            );
            for v in views {
                println!(
                    "{:<28} {:<24} {:<10} {:>12}{}",
                    v.connection.id,
                    v.connection.spotify_user_id,
                    v.state,
                    v.requests_24h,
                    v.reason.map(|r| format!("  ({r})")).unwrap_or_default()
                );
            }
            println!(
                "app {}: {} requests in the last 24 hours{}",
                app.client_id,
                app.requests_24h,
                app.daily_budget
                    .map(|b| format!(" of a budget of {b}"))
                    .unwrap_or_default()
            );
        }
        SpotifyCommand::Disconnect { user, id } => {
            let user_id = find(store.as_ref(), &user).await?;
            if !store.delete_connection(&user_id, &id).await? {
                bail!("the user has no connection `{id}` (see `medley spotify list`)");
            }
            println!("Disconnected {id}; its tokens are deleted.");
        }
    }
    sql.close().await;
    Ok(())
}
