//! Authenticated calls to the Web API for one connection: the gate before every request, the
//! budget, token renewal on 401, `Retry-After` on 429, retries with jitter for reads only.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use medley_domain::causes::Causes;
use rand::Rng;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::Keeper;
use crate::error::{Result, SpotifyError};
use crate::limits::{Admission, Gate, Meter};
use crate::objects::ErrorBody;

/// Times one request may be turned away by the rate limit (and waited for) before the work
/// stops and is rescheduled.
const RATE_LIMIT_ROUNDS: u32 = 4;

/// How requests are sent.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Longest a single request may take.
    pub timeout: Duration,
    /// Attempts for a read (GET) that failed with a 5xx, a timeout or a short page.
    pub read_attempts: u32,
    /// First backoff between read attempts; doubled each time, with full jitter.
    pub backoff: Duration,
    /// A rate-limit wait up to this long is waited out in place; a longer one ends the work
    /// with [`SpotifyError::RateLimited`] so the caller can reschedule it.
    pub max_wait: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            timeout: Duration::from_secs(15),
            read_attempts: 4,
            backoff: Duration::from_millis(200),
            max_wait: Duration::from_secs(30),
        }
    }
}

/// The HTTP side shared by all connections of an app.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    policy: Policy,
    clock: fn() -> i64,
}

impl Api {
    pub fn new(api_url: &str, policy: Policy, clock: fn() -> i64) -> Result<Api> {
        let http = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| SpotifyError::Transport(e.to_string()))?;
        Ok(Api {
            http,
            base: api_url.trim_end_matches('/').to_owned(),
            policy,
            clock,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }
}

/// One connection's access for one piece of work (a sync, a poll).
pub struct Session {
    pub(crate) api: Api,
    keeper: Arc<Keeper>,
    gate: Arc<Gate>,
    meter: Arc<Meter>,
    /// Requests this session may still send, if budgeted.
    allowance: Option<AtomicU64>,
}

/// A request to send: what to count it as, and whether it may be repeated.
pub(crate) struct Call<'a> {
    pub method: Method,
    /// The route template it is counted under, e.g. `GET /playlists/{id}/items`.
    pub route: &'static str,
    /// Path below the API base, or an absolute URL (Spotify's `next` links).
    pub url: &'a str,
    pub body: Option<&'a Value>,
}

impl Session {
    pub fn new(
        api: Api,
        keeper: Arc<Keeper>,
        gate: Arc<Gate>,
        meter: Arc<Meter>,
        allowance: Option<u64>,
    ) -> Session {
        Session {
            api,
            keeper,
            gate,
            meter,
            allowance: allowance.map(AtomicU64::new),
        }
    }

    pub fn meter(&self) -> &Meter {
        &self.meter
    }

    fn now(&self) -> i64 {
        (self.api.clock)()
    }

    /// A GET, retried with backoff on transient failures; `check` may refuse a response (e.g.
    /// a short page) as transient.
    pub(crate) async fn read<T: DeserializeOwned>(
        &self,
        route: &'static str,
        url: &str,
        check: impl Fn(&T) -> Result<()>,
    ) -> Result<T> {
        let mut attempt = 0;
        loop {
            let call = Call {
                method: Method::GET,
                route,
                url,
                body: None,
            };
            let outcome = match self.send(&call).await {
                Ok(v) => serde_json::from_value::<T>(v)
                    .map_err(|e| SpotifyError::Protocol(format!("{route}: {e}")))
                    .and_then(|t| check(&t).map(|()| t)),
                Err(e) => Err(e),
            };
            match outcome {
                Err(e) if e.is_transient() && attempt + 1 < self.api.policy.read_attempts => {
                    attempt += 1;
                    let cap = self.api.policy.backoff.as_millis() as u64 * (1 << attempt.min(6));
                    let pause = rand::thread_rng().gen_range(0..=cap);
                    tracing::debug!(route, attempt, error = %Causes(&e), "retrying a Spotify read");
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                other => return other,
            }
        }
    }

    /// A write, sent once. A write that failed in flight may or may not have happened; the
    /// caller finds out by reading the state again, never by sending it blind a second time.
    /// (429 and 401 are answered before anything is done, so those are sent again.)
    pub(crate) async fn write(
        &self,
        method: Method,
        route: &'static str,
        url: &str,
        body: &Value,
    ) -> Result<Value> {
        self.send(&Call {
            method,
            route,
            url,
            body: Some(body),
        })
        .await
    }

    async fn send(&self, call: &Call<'_>) -> Result<Value> {
        let mut refused: Option<String> = None;
        let mut limited = 0;
        loop {
            match self.gate.admit(self.now()) {
                Admission::Go => {}
                Admission::Quota(until_ms) => return Err(SpotifyError::QuotaExceeded { until_ms }),
                Admission::Wait(wait) if wait <= self.api.policy.max_wait => {
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Admission::Wait(retry_after) => {
                    return Err(SpotifyError::RateLimited { retry_after })
                }
            }
            self.spend()?;
            let token = self
                .keeper
                .access_token(refused.as_deref(), &self.meter)
                .await?;
            let url = if call.url.starts_with("http") {
                call.url.to_owned()
            } else {
                format!("{}{}", self.api.base, call.url)
            };
            let mut request = self
                .api
                .http
                .request(call.method.clone(), &url)
                .bearer_auth(&token);
            if let Some(body) = call.body {
                request = request.json(body);
            }
            self.meter.count(call.route);
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) => return Err(SpotifyError::Transport(describe(e))),
            };
            let status = response.status();
            let retry_after = retry_after(&response);
            let bytes = match response.bytes().await {
                Ok(b) => b,
                Err(e) => return Err(SpotifyError::Transport(describe(e))),
            };
            if status.is_success() {
                if bytes.is_empty() {
                    return Ok(Value::Null);
                }
                return serde_json::from_slice(&bytes)
                    .map_err(|e| SpotifyError::Protocol(format!("{}: {e}", call.route)));
            }
            let error = serde_json::from_slice::<ErrorBody>(&bytes)
                .ok()
                .and_then(|b| b.error)
                .unwrap_or_default();
            let message = if error.message.is_empty() {
                status.to_string()
            } else {
                error.message.clone()
            };
            match status {
                StatusCode::TOO_MANY_REQUESTS => {
                    let wait = retry_after.unwrap_or(Duration::from_secs(1));
                    if error.reason.as_deref() == Some("QUOTA_EXCEEDED") {
                        let until_ms = self.now() + wait.as_millis() as i64;
                        self.gate.quota_exceeded(until_ms);
                        return Err(SpotifyError::QuotaExceeded { until_ms });
                    }
                    self.gate.rate_limited(self.now(), wait);
                    limited += 1;
                    if limited >= RATE_LIMIT_ROUNDS {
                        return Err(SpotifyError::RateLimited { retry_after: wait });
                    }
                }
                StatusCode::UNAUTHORIZED if refused.is_none() => refused = Some(token),
                StatusCode::UNAUTHORIZED => return Err(SpotifyError::Unauthorized(message)),
                StatusCode::FORBIDDEN => return Err(SpotifyError::Forbidden(message)),
                StatusCode::NOT_FOUND => return Err(SpotifyError::NotFound(message)),
                s if s.is_server_error() => {
                    return Err(SpotifyError::Server { status: s.as_u16() })
                }
                _ => return Err(SpotifyError::BadRequest(message)),
            }
        }
    }

    fn spend(&self) -> Result<()> {
        let Some(left) = &self.allowance else {
            return Ok(());
        };
        left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .map(|_| ())
            .map_err(|_| SpotifyError::BudgetSpent)
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let text = response.headers().get("retry-after")?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else {
        // Without the URL: it may carry ids the logs need not hold.
        e.without_url().to_string()
    }
}
