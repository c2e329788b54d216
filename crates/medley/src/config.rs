//! Configuration, layered: built-in defaults < config file (TOML) < environment (`MEDLEY_*`)
//! < command-line flags. Every setting:
//!
//! | flag | environment | file key | default |
//! |---|---|---|---|
//! | `--config` | `MEDLEY_CONFIG` | | none |
//! | `--data-dir` | `MEDLEY_DATA_DIR` | `data_dir` | `./medley-data` |
//! | `--database-url` | `MEDLEY_DATABASE_URL` | `database_url` | `sqlite://<data-dir>/medley.db` |
//! | `--bind` | `MEDLEY_BIND` | `bind` | `127.0.0.1:8080` |
//! | `--public-url` | `MEDLEY_PUBLIC_URL` | `public_url` | `http://<bind>` |
//! | `--registration` | `MEDLEY_REGISTRATION` | `registration` | none: administrators open and close it in the app (open until closed); `open` or `closed` fixes it |
//! | `--max-playlist-items` | `MEDLEY_MAX_PLAYLIST_ITEMS` | `max_playlist_items` | 10000 |
//! | `--body-limit-bytes` | `MEDLEY_BODY_LIMIT_BYTES` | `body_limit_bytes` | 1048576 |
//! | `--import-max-bytes` | `MEDLEY_IMPORT_MAX_BYTES` | `import_max_bytes` | 4294967296 (uploads to `POST /v1/me/imports`) |
//! | `--request-timeout-secs` | `MEDLEY_REQUEST_TIMEOUT_SECS` | `request_timeout_secs` | 30 |
//! | `--log-format` | `MEDLEY_LOG_FORMAT` | `log_format` | `text` (`text`/`json`) |
//! | `--workers` | `MEDLEY_WORKERS` | `workers` | one per core (threads running requests and connections, and as many writing live shows' frames) |
//! | `--spotify-client-id` | `MEDLEY_SPOTIFY_CLIENT_ID` | `spotify_client_id` | none (Spotify off) |
//! | | `MEDLEY_SPOTIFY_CLIENT_SECRET` | `spotify_client_secret` | none (PKCE alone) |
//! | `--spotify-api-url` | `MEDLEY_SPOTIFY_API_URL` | `spotify_api_url` | `https://api.spotify.com/v1` |
//! | `--spotify-accounts-url` | `MEDLEY_SPOTIFY_ACCOUNTS_URL` | `spotify_accounts_url` | `https://accounts.spotify.com` |
//! | `--spotify-daily-budget` | `MEDLEY_SPOTIFY_DAILY_BUDGET` | `spotify_daily_budget` | none (no budget of Medley's own) |
//! | `--spotify-poll-secs` | `MEDLEY_SPOTIFY_POLL_SECS` | `spotify_poll_secs` | 300 (how often Spotify collections in use are checked) |
//! | `--spotify-plays-poll-secs` | `MEDLEY_SPOTIFY_PLAYS_POLL_SECS` | `spotify_plays_poll_secs` | 1800 (recently played; sooner after a full page) |
//! | | `MEDLEY_SECRET_KEY` | | none: the key file is used |
//! | `--secret-key-file` | `MEDLEY_SECRET_KEY_FILE` | `secret_key_file` | `<data-dir>/secret.key` (created on first use) |
//! | `--storage-…` | `MEDLEY_STORAGE_…` | `storage_…` | audio storage: see `audio_config.rs` |
//! | `--uploaders`, `--upload-max-bytes`, `--stream-url-ttl-secs`, `--library-folder` | `MEDLEY_UPLOADERS`, … | | see `audio_config.rs` |
//! | `--ffmpeg`, `--transcode-…` | `MEDLEY_FFMPEG`, `MEDLEY_TRANSCODE_…` | | see `stream_config.rs` |
//! | `--nats-url`, `--nats-subject-prefix`, `--lease-secs` | `MEDLEY_NATS_URL`, … | | several nodes: see `cluster_config.rs` |
//! | `--header-timeout-secs`, `--max-connections`, `--trusted-proxies`, `--login-…` | `MEDLEY_HEADER_TIMEOUT_SECS`, … | | see `edge_config.rs` |
//!
//! The secret key (32 bytes, base64) seals OAuth tokens at rest; it is kept outside the
//! database, and every node sharing one database needs the same key.
//!
//! Log levels follow `RUST_LOG` (default `info`). The database URL's password is never logged.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use serde::Deserialize;

/// Settings shared by every command that touches the database.
#[derive(Args, Debug, Clone, Default)]
pub struct StorageArgs {
    /// TOML file with any of the settings below.
    #[arg(long, env = "MEDLEY_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Folder for the SQLite database and other local data.
    #[arg(long, env = "MEDLEY_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`; defaults to SQLite in the data folder.
    #[arg(
        long,
        env = "MEDLEY_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Client id of your Spotify app (developer.spotify.com); without it Spotify is off.
    #[arg(long, env = "MEDLEY_SPOTIFY_CLIENT_ID", global = true)]
    pub spotify_client_id: Option<String>,
    #[arg(long, env = "MEDLEY_SPOTIFY_API_URL", global = true)]
    pub spotify_api_url: Option<String>,
    #[arg(long, env = "MEDLEY_SPOTIFY_ACCOUNTS_URL", global = true)]
    pub spotify_accounts_url: Option<String>,
    /// Requests per rolling 24 hours Medley allows itself for the app, shared by its users.
    #[arg(long, env = "MEDLEY_SPOTIFY_DAILY_BUDGET", global = true)]
    pub spotify_daily_budget: Option<u64>,
    /// Seconds between checks of the Spotify collections composites and jobs use.
    #[arg(long, env = "MEDLEY_SPOTIFY_POLL_SECS", global = true)]
    pub spotify_poll_secs: Option<u64>,
    /// Seconds between polls of each account's recently played (only 50 plays are reachable).
    #[arg(long, env = "MEDLEY_SPOTIFY_PLAYS_POLL_SECS", global = true)]
    pub spotify_plays_poll_secs: Option<u64>,
    /// File holding the key that seals tokens at rest (created if missing).
    #[arg(long, env = "MEDLEY_SECRET_KEY_FILE", global = true)]
    pub secret_key_file: Option<PathBuf>,
    #[command(flatten)]
    pub storage: crate::audio_config::StorageFlags,
}

/// Settings of `medley serve`.
#[derive(Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MEDLEY_BIND")]
    pub bind: Option<String>,
    /// URL clients reach this server at (for links in responses), e.g. behind a proxy.
    #[arg(long, env = "MEDLEY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Whether anyone may register through the API: `open` or `closed`.
    #[arg(long, env = "MEDLEY_REGISTRATION")]
    pub registration: Option<String>,
    #[arg(long, env = "MEDLEY_MAX_PLAYLIST_ITEMS")]
    pub max_playlist_items: Option<i64>,
    #[arg(long, env = "MEDLEY_BODY_LIMIT_BYTES")]
    pub body_limit_bytes: Option<usize>,
    #[arg(long, env = "MEDLEY_REQUEST_TIMEOUT_SECS")]
    pub request_timeout_secs: Option<u64>,
    /// Largest export upload accepted by `POST /v1/me/imports`.
    #[arg(long, env = "MEDLEY_IMPORT_MAX_BYTES")]
    pub import_max_bytes: Option<u64>,
    /// `text` or `json`.
    #[arg(long, env = "MEDLEY_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Threads running requests and connections (default: one per core). Fewer when several
    /// nodes share one machine.
    #[arg(long, env = "MEDLEY_WORKERS")]
    pub workers: Option<usize>,
    #[command(flatten)]
    pub library: crate::audio_config::LibraryFlags,
    #[command(flatten)]
    pub streams: crate::stream_config::StreamFlags,
    #[command(flatten)]
    pub cluster: crate::cluster_config::ClusterFlags,
    #[command(flatten)]
    pub edge: crate::edge_config::EdgeFlags,
}

/// The config file's shape: the same settings, all optional.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    bind: Option<String>,
    public_url: Option<String>,
    registration: Option<String>,
    max_playlist_items: Option<i64>,
    body_limit_bytes: Option<usize>,
    import_max_bytes: Option<u64>,
    request_timeout_secs: Option<u64>,
    log_format: Option<String>,
    workers: Option<usize>,
    spotify_client_id: Option<String>,
    spotify_client_secret: Option<String>,
    spotify_api_url: Option<String>,
    spotify_accounts_url: Option<String>,
    spotify_daily_budget: Option<u64>,
    spotify_poll_secs: Option<u64>,
    spotify_plays_poll_secs: Option<u64>,
    secret_key_file: Option<PathBuf>,
    storage_url: Option<String>,
    storage_endpoint: Option<String>,
    storage_region: Option<String>,
    storage_access_key_id: Option<String>,
    storage_secret_access_key: Option<String>,
    uploaders: Option<String>,
    upload_max_bytes: Option<u64>,
    stream_url_ttl_secs: Option<u64>,
    stream_offload: Option<String>,
    ffmpeg: Option<String>,
    transcode_cache_bytes: Option<u64>,
    transcode_jobs: Option<usize>,
    hot_cache_bytes: Option<u64>,
    library_folders: Option<Vec<String>>,
    nats_url: Option<String>,
    nats_subject_prefix: Option<String>,
    lease_secs: Option<u64>,
    header_timeout_secs: Option<u64>,
    body_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    trusted_proxies: Option<String>,
    login_hash_slots: Option<usize>,
    login_account_burst: Option<u32>,
    login_account_every_secs: Option<u64>,
    login_client_burst: Option<u32>,
    login_client_every_secs: Option<u64>,
}

/// How Medley reaches Spotify, when an app is configured.
#[derive(Clone)]
pub struct SpotifySettings {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub api_url: String,
    pub accounts_url: String,
    pub daily_budget: Option<u64>,
    pub poll_secs: u64,
    pub plays_poll_secs: u64,
}

impl std::fmt::Debug for SpotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpotifySettings")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("api_url", &self.api_url)
            .field("accounts_url", &self.accounts_url)
            .field("daily_budget", &self.daily_budget)
            .field("poll_secs", &self.poll_secs)
            .field("plays_poll_secs", &self.plays_poll_secs)
            .finish()
    }
}

/// Where the key sealing secrets at rest comes from.
#[derive(Clone)]
pub enum SecretKey {
    /// `MEDLEY_SECRET_KEY`, base64.
    Inline(String),
    /// A file holding the base64 key, created on first use.
    File(PathBuf),
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretKey::Inline(_) => f.write_str("Inline(<redacted>)"),
            SecretKey::File(p) => write!(f, "File({})", p.display()),
        }
    }
}

/// The resolved configuration.
#[derive(Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub bind: String,
    pub public_url: Option<String>,
    /// Whether anyone may register, when the configuration fixes it; `None`: administrators
    /// decide in the app.
    pub registration: Option<bool>,
    pub max_playlist_items: i64,
    pub body_limit_bytes: usize,
    pub import_max_bytes: u64,
    pub request_timeout: Duration,
    pub json_logs: bool,
    /// Worker threads of the server's runtime; `None`: one per core.
    pub workers: Option<usize>,
    pub spotify: Option<SpotifySettings>,
    pub secret_key: SecretKey,
    /// Where audio objects are kept (the secret prints as `<redacted>`).
    pub storage: medley_audio::StorageConfig,
    /// Who uploads audio, how much, and how long signed stream URLs live.
    pub library: medley_app::library::AudioSettings,
    /// Transcoding (ffmpeg, its cache) and the stream caches.
    pub streams: crate::stream_config::StreamSettings,
    /// Several nodes: NATS, leases (the URL's credentials print as `<redacted>`).
    pub cluster: crate::cluster_config::Cluster,
    /// Connection limits, trusted proxies, sign-in bounds.
    pub edge: crate::edge_config::EdgeSettings,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &medley_store::sql::redact(&self.database_url),
            )
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("registration", &self.registration)
            .field("max_playlist_items", &self.max_playlist_items)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("import_max_bytes", &self.import_max_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("json_logs", &self.json_logs)
            .field("workers", &self.workers)
            .field("spotify", &self.spotify)
            .field("secret_key", &self.secret_key)
            .field("storage", &self.storage)
            .field("library", &self.library)
            .field("streams", &self.streams)
            .field("cluster", &self.cluster)
            .field("edge", &self.edge)
            .finish()
    }
}

impl Config {
    /// Resolves the layers. `serve` may be absent for commands that do not serve.
    pub fn resolve(storage: &StorageArgs, serve: Option<&ServeArgs>) -> anyhow::Result<Config> {
        let file = match &storage.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let none = ServeArgs::default();
        let serve = serve.unwrap_or(&none);
        let data_dir = storage
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("medley-data"));
        let database_url = storage
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("medley.db").display()));
        let registration = match serve.registration.clone().or(file.registration).as_deref() {
            None => None,
            Some("open") => Some(true),
            Some("closed") => Some(false),
            Some(other) => bail!("registration must be `open` or `closed`, not `{other}`"),
        };
        let log_format = serve
            .log_format
            .clone()
            .or(file.log_format)
            .unwrap_or_else(|| "text".into());
        let json_logs = match log_format.as_str() {
            "text" => false,
            "json" => true,
            other => bail!("log format must be `text` or `json`, not `{other}`"),
        };
        let workers = serve.workers.or(file.workers);
        if workers == Some(0) {
            bail!("workers must be at least 1 (or unset: one per core)");
        }
        let max_playlist_items = serve
            .max_playlist_items
            .or(file.max_playlist_items)
            .unwrap_or(10_000);
        if !(1..=1_000_000).contains(&max_playlist_items) {
            bail!("max playlist items must be between 1 and 1000000");
        }
        let body_limit_bytes = serve
            .body_limit_bytes
            .or(file.body_limit_bytes)
            .unwrap_or(1024 * 1024);
        if body_limit_bytes < 1024 {
            bail!("the body limit must be at least 1024 bytes");
        }
        let timeout = serve
            .request_timeout_secs
            .or(file.request_timeout_secs)
            .unwrap_or(30);
        if timeout == 0 {
            bail!("the request timeout must be at least 1 second");
        }
        let spotify = match storage.spotify_client_id.clone().or(file.spotify_client_id) {
            Some(client_id) if !client_id.trim().is_empty() => Some(SpotifySettings {
                client_id,
                client_secret: std::env::var("MEDLEY_SPOTIFY_CLIENT_SECRET")
                    .ok()
                    .or(file.spotify_client_secret)
                    .filter(|s| !s.is_empty()),
                api_url: storage
                    .spotify_api_url
                    .clone()
                    .or(file.spotify_api_url)
                    .unwrap_or_else(|| "https://api.spotify.com/v1".into()),
                accounts_url: storage
                    .spotify_accounts_url
                    .clone()
                    .or(file.spotify_accounts_url)
                    .unwrap_or_else(|| "https://accounts.spotify.com".into()),
                daily_budget: storage.spotify_daily_budget.or(file.spotify_daily_budget),
                poll_secs: storage
                    .spotify_poll_secs
                    .or(file.spotify_poll_secs)
                    .unwrap_or(300)
                    .max(10),
                plays_poll_secs: storage
                    .spotify_plays_poll_secs
                    .or(file.spotify_plays_poll_secs)
                    .unwrap_or(1_800)
                    .max(10),
            }),
            _ => None,
        };
        let secret_key = match std::env::var("MEDLEY_SECRET_KEY") {
            Ok(key) if !key.is_empty() => SecretKey::Inline(key),
            _ => SecretKey::File(
                storage
                    .secret_key_file
                    .clone()
                    .or(file.secret_key_file)
                    .unwrap_or_else(|| data_dir.join("secret.key")),
            ),
        };
        let storage_file = crate::audio_config::StorageFile {
            url: file.storage_url,
            endpoint: file.storage_endpoint,
            region: file.storage_region,
            access_key_id: file.storage_access_key_id,
            secret_access_key: file.storage_secret_access_key,
        };
        let audio_storage =
            crate::audio_config::storage(&storage.storage, storage_file, &data_dir)?;
        let library_file = crate::audio_config::LibraryFile {
            uploaders: file.uploaders,
            upload_max_bytes: file.upload_max_bytes,
            stream_url_ttl_secs: file.stream_url_ttl_secs,
            stream_offload: file.stream_offload,
            library_folders: file.library_folders,
        };
        let mut library = crate::audio_config::library(&serve.library, library_file)?;
        library.cover_cache_dir = data_dir.join("cache").join("covers");
        let streams_file = crate::stream_config::StreamFlags {
            ffmpeg: file.ffmpeg,
            transcode_cache_bytes: file.transcode_cache_bytes,
            transcode_jobs: file.transcode_jobs,
            hot_cache_bytes: file.hot_cache_bytes,
        };
        let streams = crate::stream_config::resolve(&serve.streams, streams_file, &data_dir)?;
        let cluster = crate::cluster_config::cluster(
            &serve.cluster,
            crate::cluster_config::ClusterFile {
                nats_url: file.nats_url,
                nats_subject_prefix: file.nats_subject_prefix,
                lease_secs: file.lease_secs,
            },
        )?;
        let edge_file = crate::edge_config::EdgeFlags {
            header_timeout_secs: file.header_timeout_secs,
            body_timeout_secs: file.body_timeout_secs,
            max_connections: file.max_connections,
            trusted_proxies: file.trusted_proxies,
            login_hash_slots: file.login_hash_slots,
            login_account_burst: file.login_account_burst,
            login_account_every_secs: file.login_account_every_secs,
            login_client_burst: file.login_client_burst,
            login_client_every_secs: file.login_client_every_secs,
        };
        let edge = crate::edge_config::resolve(&serve.edge, edge_file)?;
        Ok(Config {
            cluster,
            storage: audio_storage,
            library,
            streams,
            edge,
            spotify,
            secret_key,
            data_dir,
            database_url,
            bind: serve
                .bind
                .clone()
                .or(file.bind)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            public_url: serve.public_url.clone().or(file.public_url),
            registration,
            max_playlist_items,
            body_limit_bytes,
            import_max_bytes: serve
                .import_max_bytes
                .or(file.import_max_bytes)
                .unwrap_or(4 * 1024 * 1024 * 1024),
            request_timeout: Duration::from_secs(timeout),
            json_logs,
            workers,
        })
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing the config file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_put_sqlite_in_the_data_dir() {
        let c = Config::resolve(&StorageArgs::default(), None).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("medley-data"));
        assert_eq!(c.database_url, "sqlite://medley-data/medley.db");
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.registration, None, "administrators decide");
    }

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("medley.toml");
        std::fs::write(
            &path,
            "bind = \"0.0.0.0:9000\"\ndata_dir = \"/srv/medley\"\nregistration = \"closed\"\n",
        )
        .unwrap();
        let storage = StorageArgs {
            config: Some(path),
            ..Default::default()
        };
        let c = Config::resolve(&storage, None).unwrap();
        assert_eq!(
            (c.bind.as_str(), c.registration),
            ("0.0.0.0:9000", Some(false))
        );
        assert_eq!(c.database_url, "sqlite:///srv/medley/medley.db");
        assert_eq!(c.workers, None, "one per core");
        let serve = ServeArgs {
            bind: Some("127.0.0.1:1".into()),
            workers: Some(1),
            ..Default::default()
        };
        let c = Config::resolve(&storage, Some(&serve)).unwrap();
        assert_eq!((c.bind.as_str(), c.workers), ("127.0.0.1:1", Some(1)));
    }

    #[test]
    fn bad_values_are_refused_with_the_setting_named() {
        let serve = ServeArgs {
            registration: Some("maybe".into()),
            ..Default::default()
        };
        let e = Config::resolve(&StorageArgs::default(), Some(&serve)).unwrap_err();
        assert!(e.to_string().contains("registration"));
        let serve = ServeArgs {
            workers: Some(0),
            ..Default::default()
        };
        let e = Config::resolve(&StorageArgs::default(), Some(&serve)).unwrap_err();
        assert!(e.to_string().contains("workers must be at least 1"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "bnd = 1").unwrap();
        let e = Config::resolve(
            &StorageArgs {
                config: Some(path),
                ..Default::default()
            },
            None,
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("unknown field"));
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let storage = StorageArgs {
            database_url: Some("postgres://u:hunter2@db/medley".into()),
            ..Default::default()
        };
        let c = Config::resolve(&storage, None).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
