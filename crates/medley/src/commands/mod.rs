//! CLI commands other than `serve`.

pub mod import;
pub mod library;
pub mod show;
pub mod spotify;
pub mod stats;
pub mod sync_jobs;
pub mod user;

use std::sync::Arc;

use anyhow::Context;
use medley_store::SqlStore;

use medley_app::sealing::Sealer;
use medley_app::spotify::{Spotify, SpotifyConfig};

use crate::config::{Config, SecretKey};

/// Opens the configured database (creating the data folder), running migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<SqlStore>> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data folder {}", config.data_dir.display()))?;
    let store = SqlStore::connect(&config.database_url)
        .await
        .with_context(|| {
            format!(
                "opening the database {}",
                medley_store::sql::redact(&config.database_url)
            )
        })?;
    Ok(Arc::new(store))
}

/// The key that seals secrets at rest: `MEDLEY_SECRET_KEY`, or the key file (created with a
/// fresh random key, readable by its owner only, when missing).
pub fn sealer(config: &Config) -> anyhow::Result<Sealer> {
    let (text, from) = secret_key(config)?;
    Sealer::from_base64(&text).with_context(|| format!("{from} must hold 32 bytes in base64"))
}

/// The text of the server's secret key, and where it came from (for messages).
pub fn secret_key(config: &Config) -> anyhow::Result<(String, String)> {
    match &config.secret_key {
        SecretKey::Inline(key) => Ok((key.clone(), "MEDLEY_SECRET_KEY".into())),
        SecretKey::File(path) => {
            let from = format!("the secret key file {}", path.display());
            match std::fs::read_to_string(path) {
                Ok(key) => Ok((key, from)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let (_, key) = Sealer::random();
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    write_private(path, &key).with_context(|| format!("creating {from}"))?;
                    tracing::info!(path = %path.display(), "created a new secret key; back it up with the database: tokens sealed with it cannot be read without it");
                    Ok((key, from))
                }
                Err(e) => Err(e).with_context(|| format!("reading {from}")),
            }
        }
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Spotify, when an app is configured; the browser comes back to `public_url`'s callback.
pub fn spotify(config: &Config, public_url: &str) -> anyhow::Result<Option<Arc<Spotify>>> {
    let Some(s) = &config.spotify else {
        return Ok(None);
    };
    let spotify = Spotify::new(
        SpotifyConfig {
            app: medley_spotify::App {
                client_id: s.client_id.clone(),
                client_secret: s.client_secret.clone(),
                api_url: s.api_url.clone(),
                accounts_url: s.accounts_url.clone(),
            },
            redirect_uri: format!(
                "{}/v1/connections/spotify/callback",
                public_url.trim_end_matches('/')
            ),
            daily_budget: s.daily_budget,
            policy: medley_spotify::Policy::default(),
            poll_interval: std::time::Duration::from_secs(s.poll_secs),
            plays_interval: std::time::Duration::from_secs(s.plays_poll_secs),
        },
        Arc::new(sealer(config)?),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Some(Arc::new(spotify)))
}
