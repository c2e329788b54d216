//! A real Medley server on a loopback port with its own fresh database, and a small client.

use std::sync::Arc;
use std::time::Duration;

use medley_api::{ApiConfig, AppState};
use medley_app::sealing::Sealer;
use medley_app::spotify::{Spotify, SpotifyConfig};
use medley_events::Bus;
use medley_search::SearchIndex;
use medley_store::testing::TestDb;
use medley_store::{Backend, Store};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// Medley's Spotify side for an emulator: the public app `medley-test`, quick timeouts.
pub fn spotify_for(
    api_url: &str,
    accounts_url: &str,
    base: &str,
    daily_budget: Option<u64>,
) -> Arc<Spotify> {
    let policy = medley_spotify::Policy {
        timeout: Duration::from_secs(2),
        read_attempts: 4,
        backoff: Duration::from_millis(10),
        max_wait: Duration::from_secs(2),
    };
    spotify_with(
        api_url,
        accounts_url,
        base,
        "medley-test",
        daily_budget,
        policy,
    )
}

/// Medley's Spotify side for an emulator, as the public app `client_id`.
pub fn spotify_with(
    api_url: &str,
    accounts_url: &str,
    base: &str,
    client_id: &str,
    daily_budget: Option<u64>,
    policy: medley_spotify::Policy,
) -> Arc<Spotify> {
    let config = SpotifyConfig {
        app: medley_spotify::App {
            client_id: client_id.into(),
            client_secret: None,
            api_url: api_url.into(),
            accounts_url: accounts_url.into(),
        },
        redirect_uri: format!("{base}/v1/connections/spotify/callback"),
        daily_budget,
        policy,
        // Tests run watches themselves.
        poll_interval: Duration::from_secs(3_600),
        plays_interval: Duration::from_secs(3_600),
    };
    // One key for every test server, as nodes sharing a database share their key.
    let sealer = Sealer::new(&[7; 32]);
    Arc::new(Spotify::new(config, Arc::new(sealer)).expect("Spotify side"))
}

pub struct TestApp {
    pub base: String,
    pub bus: Bus,
    pub store: Arc<dyn Store>,
    pub http: reqwest::Client,
    /// The server's own state, for tests that drive its workers directly.
    pub state: AppState,
    _db: TestDb,
    /// The server's own upload folder (a server cleans its folder at start: tests must not
    /// share one).
    _spool: Option<tempfile::TempDir>,
    _stop: oneshot::Sender<()>,
}

/// A response: status and parsed JSON body (`Null` when empty or not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl TestApp {
    /// A server on SQLite with default settings.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(TestDb::sqlite(), ApiConfig::default()).await
    }

    /// A server on the given backend; `None` for PostgreSQL when `MEDLEY_TEST_DATABASE_URL`
    /// is not set.
    pub async fn spawn_on(backend: Backend) -> Option<TestApp> {
        match backend {
            Backend::Sqlite => Some(TestApp::spawn().await),
            Backend::Postgres => TestApp::spawn_postgres().await,
        }
    }

    /// A server on PostgreSQL, if `MEDLEY_TEST_DATABASE_URL` is set.
    pub async fn spawn_postgres() -> Option<TestApp> {
        Some(TestApp::spawn_with(TestDb::postgres().await?, ApiConfig::default()).await)
    }

    pub async fn spawn_with(db: TestDb, config: ApiConfig) -> TestApp {
        TestApp::spawn_full(db, config, |_, _| {}).await
    }

    /// A server on SQLite whose Spotify side talks to the emulator `emu` as the public (PKCE)
    /// app `medley-test`, with an optional daily budget.
    pub async fn spawn_with_spotify(
        emu: &medley_spotify_emulator::Running,
        daily_budget: Option<u64>,
    ) -> TestApp {
        let (api_url, accounts_url) = (emu.api_url(), emu.accounts_url());
        TestApp::spawn_full(
            TestDb::sqlite(),
            ApiConfig::default(),
            move |state, base| {
                Arc::make_mut(&mut state.app).spotify =
                    Some(spotify_for(&api_url, &accounts_url, base, daily_budget));
            },
        )
        .await
    }

    /// A server with `setup` applied to its state (which learns the server's base URL) first.
    pub async fn spawn_full(
        db: TestDb,
        config: ApiConfig,
        setup: impl FnOnce(&mut AppState, &str),
    ) -> TestApp {
        let store: Arc<dyn Store> = Arc::new(db.connect().await.expect("test database"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let bus = Bus::new();
        let search = Arc::new(SearchIndex::in_memory().unwrap());
        let spool = (config.spool_dir == ApiConfig::default().spool_dir)
            .then(|| tempfile::tempdir().expect("an upload folder"));
        let spool_dir = match &spool {
            Some(dir) => dir.path().to_owned(),
            None => config.spool_dir.clone(),
        };
        let state = AppState::new(
            store.clone(),
            bus.clone(),
            search,
            ApiConfig {
                public_url: base.clone(),
                spool_dir,
                ..config
            },
        );
        let mut state = state;
        setup(&mut state, &base);
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = state.clone();
        tokio::spawn(medley_api::serve(listener, state, async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        TestApp {
            base,
            bus,
            store,
            http,
            state: handle,
            _db: db,
            _spool: spool,
            _stop: stop,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        self.call(Method::DELETE, path, token, body).await
    }

    /// Registers a user and logs in; returns (user id, token).
    pub async fn user(&self, name: &str) -> (String, String) {
        let password = format!("{name}-password");
        let r = self
            .post(
                "/v1/users",
                None,
                json!({"username": name, "password": password}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = self
            .post(
                "/v1/sessions",
                None,
                json!({"username": name, "password": password}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        (
            r.body["user"]["id"].as_str().unwrap().to_owned(),
            r.body["access_token"].as_str().unwrap().to_owned(),
        )
    }

    /// Signs `who` (password `<who>-password`, as [`TestApp::user`] makes it) in as a browser
    /// does: the session cookie (`name=value`) and its CSRF token.
    pub async fn browser_session(&self, who: &str) -> (String, String) {
        let res = self
            .http
            .post(format!("{}/v1/web/session", self.base))
            .json(&json!({"username": who, "password": format!("{who}-password")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let cookie = res.headers()[reqwest::header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let body: serde_json::Value = res.json().await.unwrap();
        (cookie, body["csrf_token"].as_str().unwrap().to_owned())
    }

    /// The text of this node's `/metrics`.
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Adds `n` tracks through the API as `admin_token`; returns their URIs.
    pub async fn tracks(&self, admin_token: &str, n: usize) -> Vec<String> {
        let tracks: Vec<Value> = (0..n)
            .map(|i| json!({"name": format!("Track {i}"), "artists": ["Test Band"], "album": "Test Album", "duration_ms": 180_000 + i}))
            .collect();
        let r = self
            .post(
                "/v1/library/tracks",
                Some(admin_token),
                Value::Array(tracks),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["uri"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Creates a playlist; returns its id.
    pub async fn playlist(&self, token: &str, body: Value) -> String {
        let r = self.post("/v1/me/playlists", Some(token), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// Adds tracks to the catalog (`POST /v1/library/tracks` with a list of tracks); returns
    /// their URIs, in order.
    pub async fn add_tracks(&self, token: &str, tracks: Value) -> Vec<String> {
        let r = self.post("/v1/library/tracks", Some(token), tracks).await;
        assert!(r.status.is_success(), "{}", r.body);
        r.body["tracks"]
            .as_array()
            .unwrap_or_else(|| panic!("added tracks: {}", r.body))
            .iter()
            .map(|t| t["uri"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Adds items (their URIs) at the end of a playlist.
    pub async fn add_items(&self, token: &str, playlist: &str, uris: impl serde::Serialize) {
        let body = serde_json::json!({ "uris": uris });
        let r = self
            .post(
                &format!("/v1/playlists/{playlist}/items"),
                Some(token),
                body,
            )
            .await;
        assert!(r.status.is_success(), "{}", r.body);
    }

    /// The URIs of a playlist's items, all pages.
    pub async fn item_uris(&self, token: &str, playlist: &str) -> Vec<String> {
        let mut uris = Vec::new();
        let mut next = Some(format!(
            "{}/v1/playlists/{playlist}/items?limit=100",
            self.base
        ));
        while let Some(url) = next {
            let r = self.get(&url, Some(token)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            uris.extend(
                r.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["item"]["uri"].as_str().unwrap().to_owned()),
            );
            next = r.body["next"].as_str().map(str::to_owned);
        }
        uris
    }
}

/// Asserts a problem+json error with the status and a detail containing `needle`.
pub fn assert_problem(r: &Reply, status: StatusCode, needle: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let detail = r.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(needle),
        "detail {detail:?} should mention {needle:?}"
    );
    assert_eq!(
        r.body["error"]["status"],
        status.as_u16(),
        "Spotify-style error object"
    );
}

impl TestApp {
    /// Waits until a playlist holds exactly `expected` (in order), re-checking whenever the bus
    /// reports a change, up to a deadline.
    pub async fn wait_for_items(&self, token: &str, playlist: &str, expected: &[String]) {
        let mut events = self.bus.subscribe();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.item_uris(token, playlist).await;
            if now == expected {
                return;
            }
            if tokio::time::timeout_at(deadline, events.next())
                .await
                .is_err()
            {
                panic!("playlist {playlist} holds {now:?}, expected {expected:?}");
            }
        }
    }

    /// Asks for a sync-job run and waits (on the bus, with a deadline) until it is recorded;
    /// returns the run.
    pub async fn run_sync_job(&self, token: &str, job: &str) -> Value {
        let mut events = self.bus.subscribe();
        let r = self
            .post(&format!("/v1/sync-jobs/{job}/run"), Some(token), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let medley_events::Event::SyncRunFinished { job_id, .. } =
                    &*events.next().await.unwrap()
                {
                    if job_id == job {
                        return;
                    }
                }
            }
        })
        .await
        .expect("the run finished in time");
        self.get(&format!("/v1/sync-jobs/{job}/runs"), Some(token))
            .await
            .body["items"][0]
            .clone()
    }

    /// Uploads an export as the body of `POST /v1/me/imports`.
    pub async fn upload(&self, token: &str, name: &str, bytes: Vec<u8>) -> Reply {
        let r = self
            .http
            .post(format!("{}/v1/me/imports?name={name}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .expect("request");
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// Waits (on the server's events, with a deadline) until the import has ended; returns it.
    pub async fn finished_import(&self, token: &str, id: &str) -> Value {
        let mut events = self.bus.subscribe();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let r = self.get(&format!("/v1/me/imports/{id}"), Some(token)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            if r.body["status"] != "running" {
                return r.body;
            }
            if tokio::time::timeout_at(deadline, events.next())
                .await
                .is_err()
            {
                panic!("import {id} still running: {}", r.body);
            }
        }
    }

    /// Uploads and waits for the import to end.
    pub async fn import(&self, token: &str, name: &str, bytes: Vec<u8>) -> Value {
        let r = self.upload(token, name, bytes).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        let id = r.body["id"].as_str().expect("an import id").to_owned();
        self.finished_import(token, &id).await
    }
}

/// Runs an `async fn(Backend)` scenario as one test per backend: `name::sqlite` and
/// `name::postgres` (the latter reports a skip when no PostgreSQL URL is set).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(medley_store::Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                if std::env::var(medley_store::testing::POSTGRES_ENV).is_err() {
                    eprintln!("skipped: {} is not set", medley_store::testing::POSTGRES_ENV);
                    return;
                }
                super::$name(medley_store::Backend::Postgres).await;
            }
        }
    )*};
}
