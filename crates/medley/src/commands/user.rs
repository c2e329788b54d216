//! `medley user add|list|passwd|token|delete|subsonic-key`.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{anyhow, bail, Context};
use clap::Subcommand;
use medley_app::accounts;
use medley_domain::UserId;
use medley_events::Bus;
use medley_store::Store;

use super::open_store;
use crate::config::Config;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from MEDLEY_PASSWORD or standard input.
    Add { username: String },
    /// List users.
    List,
    /// Set a user's password (read from MEDLEY_PASSWORD or standard input); ends their sessions.
    Passwd { username: String },
    /// Print a new API token for a user (it does not expire; store it safely).
    Token {
        username: String,
        /// What the token is for, shown nowhere but the database.
        #[arg(long)]
        label: Option<String>,
    },
    /// Delete a user's account and everything of it: playlists, listening history, imports,
    /// likes and follows, sync jobs, Spotify connection, shows, uploaded audio, tokens and
    /// keys. Asks for confirmation on a terminal.
    Delete {
        username: String,
        /// Delete without asking (needed when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// API keys that let a user's music players in through the OpenSubsonic API (`/rest`).
    #[command(subcommand)]
    SubsonicKey(SubsonicKeyCommand),
}

#[derive(Subcommand)]
pub enum SubsonicKeyCommand {
    /// Print a new API key for a user (shown this once; Medley keeps only its hash).
    Create {
        username: String,
        /// What the key is for (the player's name).
        name: String,
    },
    /// List a user's API keys (names and dates; the keys themselves are not kept).
    List { username: String },
    /// Revoke a user's API key by its name.
    Revoke { username: String, name: String },
}

pub async fn run(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    let store_handle = open_store(config).await?;
    let store: &dyn Store = store_handle.as_ref();
    match command {
        UserCommand::Add { username } => {
            let password = read_password()?;
            let user = accounts::create_user(store, &Bus::new(), &username, &password)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let role = if user.is_admin {
                " (administrator)"
            } else {
                ""
            };
            println!("created user {} with id {}{role}", user.username, user.id);
        }
        UserCommand::List => {
            println!("{:<24} {:<32} {:<6}", "ID", "USERNAME", "ADMIN");
            for u in store.users().await? {
                println!(
                    "{:<24} {:<32} {:<6}",
                    u.id,
                    u.username,
                    if u.is_admin { "yes" } else { "no" }
                );
            }
        }
        UserCommand::Passwd { username } => {
            let user = find(store, &username).await?;
            let password = read_password()?;
            accounts::set_password(store, &user, &password, None)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!("password changed for {username}; their sessions were ended");
        }
        UserCommand::Token { username, label } => {
            let user = find(store, &username).await?;
            let token = accounts::issue_token(store, &user, "api", label, None)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!("{token}");
        }
        UserCommand::Delete { username, yes } => {
            delete(config, store_handle.clone(), &username, yes).await?
        }
        UserCommand::SubsonicKey(command) => subsonic_key(store_handle.clone(), command).await?,
    }
    Ok(())
}

async fn subsonic_key(
    store: std::sync::Arc<dyn Store>,
    command: SubsonicKeyCommand,
) -> anyhow::Result<()> {
    use medley_app::subsonic::auth;
    let search = std::sync::Arc::new(
        medley_search::SearchIndex::in_memory().context("creating the search index")?,
    );
    let app = medley_app::App::new(store, Bus::new(), search, Default::default());
    let user_of = |name: &str| {
        let name = name.to_owned();
        let store = app.store.clone();
        async move {
            store
                .user_by_username(&name)
                .await?
                .map(|(u, _)| u)
                .ok_or_else(|| anyhow!("no user named `{name}` (see `medley user list`)"))
        }
    };
    match command {
        SubsonicKeyCommand::Create { username, name } => {
            let user = user_of(&username).await?;
            let (key, _) = auth::create_key(&app, &user, &name)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!("{key}");
        }
        SubsonicKeyCommand::List { username } => {
            let user = user_of(&username).await?;
            let keys = auth::list_keys(&app, &user)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!(
                "{:<24} {:<32} {:<22} {:<22}",
                "ID", "NAME", "CREATED", "LAST USED"
            );
            for k in keys {
                println!(
                    "{:<24} {:<32} {:<22} {:<22}",
                    k.id,
                    k.name,
                    medley_app::clock::timestamp(k.created_at_ms),
                    k.last_used_at_ms
                        .map(medley_app::clock::timestamp)
                        .unwrap_or_else(|| "never".into())
                );
            }
        }
        SubsonicKeyCommand::Revoke { username, name } => {
            let user = user_of(&username).await?;
            let id = auth::revoke_key_named(&app, &user, &name)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!("revoked the API key `{name}` ({id}) of {username}");
        }
    }
    Ok(())
}

async fn delete(
    config: &Config,
    store: std::sync::Arc<dyn Store>,
    username: &str,
    yes: bool,
) -> anyhow::Result<()> {
    let user = store
        .user_by_username(username)
        .await?
        .ok_or_else(|| anyhow!("no user named `{username}` (see `medley user list`)"))?
        .0;
    // A live show's actor runs in the server, which this process cannot reach: its listeners
    // would not be told. The API and the web app end it first.
    let (live, _) = store
        .visible_shows(&user.id, Some(medley_store::ShowState::Live), 100, 0)
        .await?;
    if let Some(show) = live.iter().find(|s| s.creator_id == user.id) {
        bail!(
            "{username} is hosting a live show now (`{}`): end it first (POST /v1/shows/{}/end), \
             or delete the account through the API or the web app, which end it for its \
             listeners",
            show.title,
            show.id
        );
    }
    if !yes {
        confirm_deletion(username)?;
    }
    let search = std::sync::Arc::new(
        medley_search::SearchIndex::in_memory().context("creating the search index")?,
    );
    // The server's audio storage and spool folder: the bytes of audio only this user uploaded,
    // and the uploads of their unfinished imports, are deleted there.
    let settings = medley_app::AppConfig {
        spool_dir: config.data_dir.join("uploads"),
        ..Default::default()
    };
    let mut app = medley_app::App::new(store, Bus::new(), search, settings);
    app.audio = std::sync::Arc::new(super::library::audio(
        config,
        medley_audio::UrlSigner::random(),
    )?);
    medley_app::account_deletion::delete(&app, &user.id)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!(
        "deleted the account {username} ({}) and everything of it",
        user.id
    );
    Ok(())
}

/// Asks on the terminal for the username to be typed again; refuses without a terminal.
fn confirm_deletion(username: &str) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("standard input is not a terminal, so nobody can confirm: pass --yes to delete {username} without asking");
    }
    eprint!(
        "This deletes {username} with their playlists, listening history, imports, likes, \
         follows, sync jobs, Spotify connection, shows and uploaded audio. It cannot be undone.\n\
         Type the username to confirm: "
    );
    std::io::stderr().flush().ok();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the confirmation from standard input")?;
    if line.trim() != username {
        bail!("not confirmed: nothing was deleted");
    }
    Ok(())
}

pub async fn find(store: &dyn Store, username: &str) -> anyhow::Result<UserId> {
    Ok(store
        .user_by_username(username)
        .await?
        .ok_or_else(|| anyhow!("no user named `{username}` (see `medley user list`)"))?
        .0
        .id)
}

/// The password from `MEDLEY_PASSWORD`, or one line of standard input (prompted on a terminal).
fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("MEDLEY_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password given: set MEDLEY_PASSWORD or type it on standard input");
    }
    Ok(password)
}
