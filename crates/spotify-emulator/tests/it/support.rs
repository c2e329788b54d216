//! Shared helpers: start an emulator, get tokens, call the Web API.

use std::future::Future;
use std::time::{Duration, Instant};

use medley_spotify_emulator::{spawn, Config, Control, Running};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const APP: &str = "medley-test-app";

pub const SCOPES: &[&str] = &[
    "playlist-read-private",
    "playlist-read-collaborative",
    "playlist-modify-private",
    "playlist-modify-public",
    "user-library-read",
    "user-library-modify",
    "user-read-recently-played",
    "user-read-private",
];

pub struct Env {
    pub emu: Running,
    pub control: Control,
    pub http: reqwest::Client,
}

pub async fn start() -> Env {
    start_with(Config::default()).await
}

pub async fn start_with(config: Config) -> Env {
    let emu = spawn(config).await.expect("emulator starts");
    let control = emu.control();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Env { emu, control, http }
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: HeaderMap,
}

impl Env {
    /// Creates `user` and returns a token of [`APP`] with every scope Medley uses.
    pub async fn user_with_token(&self, user: &str) -> String {
        self.control.user(user).await.unwrap();
        self.token(user).await
    }

    pub async fn token(&self, user: &str) -> String {
        self.control
            .mint_token(user, APP, SCOPES)
            .await
            .unwrap()
            .access_token
    }

    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.emu.api_url())
        };
        let mut req = self.http.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, token: &str, path: &str) -> Answer {
        self.call(token, Method::GET, path, None).await
    }

    /// A user's playlist filled with `n` generated tracks; answers (playlist id, track uris).
    pub async fn playlist_with(&self, owner: &str, n: usize, seed: u64) -> (String, Vec<String>) {
        let created = self.control.generate(n, seed).await.unwrap();
        let p = self.control.playlist(owner, "test").await.unwrap();
        for chunk in created.uris.chunks(100) {
            self.control.add_items(&p.id, chunk).await.unwrap();
        }
        (p.id, created.uris)
    }
}

/// Waits for `check` to hold, polling until `deadline` passes.
pub async fn wait_for<F, Fut>(deadline: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let end = Instant::now() + deadline;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub fn uris_of(page: &Value) -> Vec<Option<String>> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"]["uri"].as_str().map(str::to_string))
        .collect()
}
