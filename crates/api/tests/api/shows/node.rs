//! A Medley server that can be stopped and started again on the same database, for the
//! restart test (the shared harness's server lives as long as its database).

use std::sync::Arc;
use std::time::Duration;

use medley_api::{ApiConfig, AppState};
use medley_app::shows::live::{LiveConfig, Shows};
use medley_events::Bus;
use medley_search::SearchIndex;
use medley_store::testing::TestDb;
use medley_store::Store;
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct Node {
    pub base: String,
    http: reqwest::Client,
    stop: oneshot::Sender<()>,
    served: JoinHandle<std::io::Result<()>>,
}

impl Node {
    pub async fn start(db: &TestDb, config: LiveConfig) -> Node {
        let store: Arc<dyn Store> = Arc::new(db.connect().await.expect("database"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let search = Arc::new(SearchIndex::in_memory().unwrap());
        let api = ApiConfig {
            public_url: base.clone(),
            ..ApiConfig::default()
        };
        let mut state = AppState::new(store, Bus::new(), search, api);
        Arc::make_mut(&mut state.app).shows = Arc::new(Shows::new(config));
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(medley_api::serve(listener, state, async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Node {
            base,
            http,
            stop,
            served,
        }
    }

    /// Stops the server as a restart does, and waits until it has.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.served.await.unwrap().unwrap();
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// A show of `token`'s user titled `title`, started; returns its id.
    pub async fn live_show(&self, token: &str, title: &str) -> String {
        let created = self
            .post("/v1/shows", Some(token), json!({ "title": title }))
            .await;
        let show = created["id"].as_str().unwrap().to_owned();
        self.post(&format!("/v1/shows/{show}/start"), Some(token), json!({}))
            .await;
        show
    }

    /// Registers and signs in; returns (user id, token).
    pub async fn user(&self, name: &str) -> (String, String) {
        let body = json!({"username": name, "password": format!("{name}-password")});
        self.post("/v1/users", None, body.clone()).await;
        let session = self.post("/v1/sessions", None, body).await;
        (
            session["user"]["id"].as_str().unwrap().to_owned(),
            session["access_token"].as_str().unwrap().to_owned(),
        )
    }
}
