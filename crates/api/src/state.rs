//! What every handler can reach: the application layer, the HTTP settings, rendering.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use medley_app::cache::TrackJson;
use medley_app::logins::LoginSettings;
use medley_app::{App, AppConfig};
use medley_domain::TrackId;
use medley_events::Bus;
use medley_imports::ZipLimits;
use medley_search::SearchIndex;
use medley_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::cache::Pages;
use crate::error::ApiResult;
use crate::objects::Render;

/// Settings of the HTTP API (and, through [`ApiConfig::app`], of the use cases behind it).
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Base URL clients reach this server at, without a trailing slash (for `href`, `next`).
    pub public_url: String,
    /// Whether anyone may register through `POST /v1/users`, when the server's configuration
    /// fixes it; `None`: administrators decide in the app. The first user always may.
    pub registration: Option<bool>,
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
    /// How sign-ins are bounded (hashing slots) and throttled (per account, per client).
    pub logins: LoginSettings,
    /// Proxies whose `X-Forwarded-For` names the client (addresses or networks); from anyone
    /// else the header is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Connections: how long a client may take to send a request's headers (also how long an
    /// idle kept-alive connection stays open), how long it may pause while sending a body, and
    /// how many connections are served at once.
    pub connections: ConnectionLimits,
}

/// Limits on the connections themselves, so idle and slow clients cannot hold the server.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Time to send a request's headers, counted from the connection's start or from the end
    /// of the previous response: it also closes idle kept-alive connections.
    pub header_timeout: Duration,
    /// Longest pause while a request's body is being sent.
    pub body_timeout: Duration,
    /// Connections served at once; beyond it a new connection is answered 503 and closed.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(30),
            max_connections: 10_000,
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        let app = AppConfig::default();
        ApiConfig {
            public_url: "http://127.0.0.1:8080".into(),
            registration: app.registration,
            max_playlist_items: app.max_playlist_items,
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            session_ttl: app.session_ttl,
            spool_dir: app.spool_dir,
            import_max_bytes: app.import_max_bytes,
            zip_limits: app.zip_limits,
            logins: app.logins,
            trusted_proxies: Vec::new(),
            connections: ConnectionLimits::default(),
        }
    }
}

impl ApiConfig {
    /// The settings of the use cases.
    pub fn app(&self) -> AppConfig {
        AppConfig {
            registration: self.registration,
            max_playlist_items: self.max_playlist_items,
            session_ttl: self.session_ttl,
            spool_dir: self.spool_dir.clone(),
            import_max_bytes: self.import_max_bytes,
            zip_limits: self.zip_limits,
            logins: self.logins.clone(),
            ..AppConfig::default()
        }
    }
}

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The use cases, and what they reach (storage, bus, search, caches).
    pub app: Arc<App>,
    pub config: Arc<ApiConfig>,
    pub render: Render,
    pub metrics: Option<PrometheusHandle>,
    /// Rendered pages of playlist items.
    pub pages: Arc<Pages>,
}

impl AppState {
    /// Whether cookies carry `Secure`: when the server is reached over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.config.public_url.starts_with("https://")
    }

    pub fn new(
        store: Arc<dyn Store>,
        bus: Bus,
        search: Arc<SearchIndex>,
        config: ApiConfig,
    ) -> AppState {
        AppState::over(App::new(store, bus, search, config.app()), config)
    }

    /// The HTTP API over an application already built (with Spotify, say).
    pub fn over(app: App, config: ApiConfig) -> AppState {
        let render = Render {
            base: Arc::from(config.public_url.trim_end_matches('/')),
        };
        AppState {
            app: Arc::new(app),
            config: Arc::new(config),
            render,
            metrics: None,
            pages: Arc::default(),
        }
    }

    /// Track objects for `ids` in Spotify's shape, in order, `None` where a track is unknown.
    pub async fn track_objects(&self, ids: &[TrackId]) -> ApiResult<Vec<Option<TrackJson>>> {
        let render = |t: &medley_domain::catalog::Track| {
            serde_json::value::to_raw_value(&self.render.track(t))
        };
        Ok(medley_app::catalog::track_objects(&self.app, ids, render).await?)
    }
}
