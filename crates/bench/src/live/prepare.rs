//! `medley-bench live prepare`: users with tokens and public live shows, written straight
//! through `medley-store` (one password hash for everyone: hashing 10,000 passwords would
//! take minutes) and `medley-app`'s show use cases (create, start).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use medley_app::accounts::{hash_password, hash_token, new_token};
use medley_app::shows::{self, ShowInput};
use medley_app::{App, AppConfig};
use medley_domain::user::User;
use medley_domain::UserId;
use medley_events::Bus;
use medley_search::SearchIndex;
use medley_store::{NewToken, NewUser, SqlStore, UserStore};

use super::{LiveData, LiveUser};

/// Fixed: the benchmark data is throwaway and lives on loopback only.
const PASSWORD: &str = "medley-bench-password";

#[derive(clap::Args)]
pub struct Args {
    /// Folder for `medley.db` and `live.json` (what `medley serve --data-dir` reads).
    #[arg(long)]
    data_dir: PathBuf,
    /// Listener users to create (each with an API token).
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    /// Public live shows to create and start, all hosted by one creator.
    #[arg(long, default_value_t = 101)]
    shows: usize,
    /// Delete an existing database in the folder first.
    #[arg(long)]
    force: bool,
    /// Write to this (new, empty) PostgreSQL database instead of `medley.db` in the folder,
    /// for several nodes sharing it; `live.json` still goes to the folder.
    #[arg(long)]
    database_url: Option<String>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = match &args.database_url {
        Some(url) => {
            std::fs::create_dir_all(&args.data_dir)
                .with_context(|| format!("creating {}", args.data_dir.display()))?;
            SqlStore::connect(url)
                .await
                .context("connecting to --database-url")?
        }
        None => {
            let notes = LiveData::path(&args.data_dir);
            crate::prepare::fresh_sqlite(&args.data_dir, &notes, args.force).await?
        }
    };
    let password_hash = hash_password(PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;

    let (host_user, host) = user(&store, "live-host", &password_hash).await?;
    let mut users = Vec::with_capacity(args.users);
    for i in 0..args.users {
        users.push(
            user(&store, &format!("listener-{i:05}"), &password_hash)
                .await?
                .1,
        );
        if (i + 1) % 2_000 == 0 {
            eprintln!(
                "  users: {} / {} ({:.1} s)",
                i + 1,
                args.users,
                started.elapsed().as_secs_f64()
            );
        }
    }

    let store = Arc::new(store);
    let search = SearchIndex::in_memory().context("opening a search index")?;
    let app = App::new(
        store.clone(),
        Bus::new(),
        Arc::new(search),
        AppConfig::default(),
    );
    let mut show_ids = Vec::with_capacity(args.shows);
    for i in 0..args.shows {
        let input = ShowInput {
            title: format!("Load test {i}"),
            description: Some("Created by medley-bench live prepare".into()),
            visibility: Some("public".into()),
            ..ShowInput::default()
        };
        let show = shows::create(&app, &host_user, input)
            .await
            .map_err(|e| anyhow::anyhow!("creating a show: {e}"))?;
        shows::start(&app, &host_user, &show.id)
            .await
            .map_err(|e| anyhow::anyhow!("starting a show: {e}"))?;
        show_ids.push(show.id);
    }
    store.close().await;

    let data = LiveData {
        host,
        users,
        shows: show_ids,
        prepared_in_secs: started.elapsed().as_secs_f64(),
    };
    let path = LiveData::path(&args.data_dir);
    std::fs::write(&path, serde_json::to_vec_pretty(&data)?)
        .with_context(|| format!("writing {}", path.display()))?;
    println!(
        "prepared {}: {} users with tokens, {} live shows in {:.1} s",
        args.data_dir.display(),
        data.users.len(),
        data.shows.len(),
        data.prepared_in_secs
    );
    Ok(())
}

/// A user with an API token that never expires.
async fn user(
    store: &SqlStore,
    username: &str,
    password_hash: &str,
) -> anyhow::Result<(User, LiveUser)> {
    let now = medley_app::now_ms();
    let created = store
        .create_user(NewUser {
            id: UserId::new(),
            username: username.to_owned(),
            password_hash: password_hash.to_owned(),
            display_name: None,
            now_ms: now,
        })
        .await
        .with_context(|| format!("creating user {username}"))?;
    let token = new_token();
    store
        .insert_token(NewToken {
            token_hash: hash_token(&token),
            user_id: created.id.clone(),
            kind: "api".into(),
            label: Some("medley-bench live".into()),
            now_ms: now,
            expires_at_ms: None,
        })
        .await
        .with_context(|| format!("issuing a token for {username}"))?;
    let live = LiveUser {
        id: created.id.to_string(),
        username: username.to_owned(),
        token,
    };
    Ok((created, live))
}
