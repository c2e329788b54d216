//! What every handler can reach: storage, the event bus, the search index, settings.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use medley_events::Bus;
use medley_imports::ZipLimits;
use medley_search::SearchIndex;
use medley_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::cache::Caches;
use crate::objects::Render;

/// Settings of the HTTP API.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Base URL clients reach this server at, without a trailing slash (for `href`, `next`).
    pub public_url: String,
    /// Whether anyone may register through `POST /v1/users` (the first user always may).
    pub registration_open: bool,
    /// Most items a playlist may hold.
    pub max_playlist_items: i64,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Longest a request may take before it is answered with 503.
    pub request_timeout: Duration,
    /// How long a session token from `POST /v1/sessions` lives.
    pub session_ttl: Duration,
    /// Where uploaded exports are kept while they are imported.
    pub spool_dir: PathBuf,
    /// Largest export upload accepted, in bytes.
    pub import_max_bytes: u64,
    /// What a zip archive must respect before anything in it is read.
    pub zip_limits: ZipLimits,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            public_url: "http://127.0.0.1:8080".into(),
            registration_open: true,
            max_playlist_items: medley_domain::playlist::DEFAULT_MAX_ITEMS,
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            spool_dir: std::env::temp_dir().join("medley-uploads"),
            import_max_bytes: 4 * 1024 * 1024 * 1024,
            zip_limits: ZipLimits::default(),
        }
    }
}

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub bus: Bus,
    pub search: Arc<SearchIndex>,
    pub config: Arc<ApiConfig>,
    pub render: Render,
    pub metrics: Option<PrometheusHandle>,
    pub caches: Arc<Caches>,
    /// Wakes the queue worker when work is queued (it also looks on its own every second).
    pub wake_worker: Arc<tokio::sync::Notify>,
    /// This process's name when it leases queued work.
    pub node_id: String,
    /// Imports running at once on this node (each uses a core to parse).
    pub import_slots: Arc<tokio::sync::Semaphore>,
    /// Users' listening histories kept in memory for statistics.
    pub histories: Arc<crate::service::stats::Histories>,
    /// Spotify, when an app is configured (`MEDLEY_SPOTIFY_CLIENT_ID`).
    pub spotify: Option<Arc<crate::service::spotify::Spotify>>,
}

impl AppState {
    /// Spotify, or the answer to give when no app is configured.
    pub fn spotify(&self) -> crate::error::ApiResult<&Arc<crate::service::spotify::Spotify>> {
        self.spotify.as_ref().ok_or_else(|| {
            crate::error::ApiError::Unavailable(
                "Spotify is not configured on this server: its operator must set \
                 MEDLEY_SPOTIFY_CLIENT_ID (see the README)"
                    .into(),
            )
        })
    }

    pub fn new(
        store: Arc<dyn Store>,
        bus: Bus,
        search: Arc<SearchIndex>,
        config: ApiConfig,
    ) -> AppState {
        let render = Render {
            base: config.public_url.trim_end_matches('/').to_owned(),
        };
        AppState {
            store,
            bus,
            search,
            config: Arc::new(config),
            render,
            metrics: None,
            caches: Arc::default(),
            wake_worker: Arc::default(),
            node_id: medley_domain::new_id(),
            import_slots: Arc::new(tokio::sync::Semaphore::new(1)),
            histories: Arc::default(),
            spotify: None,
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
