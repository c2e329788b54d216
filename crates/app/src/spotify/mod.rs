//! Spotify connections: linking an account through the authorization code flow with PKCE,
//! sessions for background work (tokens renewed and stored sealed, the app's pauses honoured
//! and persisted, a fair share of the daily budget), and what each connection costs.

use std::sync::Arc;

use async_trait::async_trait;
use medley_domain::causes::Causes;
use medley_domain::UserId;
use medley_spotify::{
    allowance, Api, App as SpotifyApp, Gate, GateState, Keeper, Meter, OAuth, Policy, Session,
    SinkError, SpotifyError, TokenSink, Tokens,
};
use medley_store::{Connection, ConnectionStatus, NewConnection, Store, Usage};

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::sealing::Sealer;

pub mod collections;
pub mod links;
pub mod plays;
pub mod reconnect;
pub mod sign_in;
pub mod watch;

/// How long an authorization waits for the browser to come back.
const AUTHORIZATION_TTL_MS: i64 = 10 * 60_000;
/// The window usage is reported and budgeted over.
pub const DAY_MS: i64 = 24 * 3_600_000;

/// How Medley talks to Spotify.
#[derive(Clone, Debug)]
pub struct SpotifyConfig {
    pub app: SpotifyApp,
    /// Where Spotify sends the browser back: `<public URL>/v1/connections/spotify/callback`.
    pub redirect_uri: String,
    /// Requests per rolling 24 hours for the whole app, shared fairly by its connections.
    pub daily_budget: Option<u64>,
    pub policy: Policy,
    /// How often each connection's collections in use are checked for changes.
    pub poll_interval: std::time::Duration,
    /// How often each connection's recently played is polled (sooner after a full page).
    pub plays_interval: std::time::Duration,
}

/// The Spotify side of one Medley node.
pub struct Spotify {
    pub config: SpotifyConfig,
    oauth: OAuth,
    api: Api,
    /// The app's pauses, shared by every session on this node, loaded once from storage.
    gate: Arc<Gate>,
    gate_loaded: tokio::sync::OnceCell<()>,
    sealer: Arc<Sealer>,
    /// With several nodes: where the app's new pauses are announced to the others.
    others: std::sync::OnceLock<medley_events::Bus>,
}

medley_domain::text_enum! {
    /// What a connection can do now, as its owner is told.
    pub enum ConnectionState {
        /// Medley uses it.
        Active = "active",
        /// Spotify or the daily budget holds it back: until `paused_until_ms`, or until the
        /// budget frees up.
        Paused = "paused",
        /// Its owner must link the account again.
        Reconnect = "reconnect",
    }
}

/// A connection as its owner sees it.
#[derive(Clone, Debug)]
pub struct ConnectionView {
    pub connection: Connection,
    pub state: ConnectionState,
    pub paused_until_ms: Option<i64>,
    pub reason: Option<String>,
    pub requests_24h: i64,
}

/// The app's side: what all its connections used, and its pauses.
#[derive(Clone, Debug)]
pub struct AppView {
    pub client_id: String,
    pub requests_24h: i64,
    pub daily_budget: Option<u64>,
    pub paused_until_ms: Option<i64>,
}

/// What Spotify says after an authorization: the tokens, whose they are, and what asking
/// cost.
struct Identified {
    tokens: Tokens,
    me: medley_spotify::objects::User,
    meter: Arc<Meter>,
}

/// Why no session can be opened for `connection` until its owner links it again, if so.
pub fn must_reconnect(connection: &Connection) -> Option<String> {
    (connection.status == ConnectionStatus::Reconnect)
        .then(|| "the Spotify account must be connected again: POST /v1/connections/spotify".into())
}

/// The `state` is stored as tokens are: only its hash.
fn state_hash(state: &str) -> String {
    crate::accounts::hash_token(state)
}

fn upstream(e: SpotifyError) -> AppError {
    match e {
        SpotifyError::InvalidGrant(m) | SpotifyError::BadRequest(m) => AppError::Invalid(format!(
            "Spotify did not accept the authorization ({m}); start again"
        )),
        SpotifyError::Unauthorized(m) => AppError::Unavailable(format!(
            "Spotify refused Medley's app credentials ({m}): check MEDLEY_SPOTIFY_CLIENT_ID and \
             MEDLEY_SPOTIFY_CLIENT_SECRET"
        )),
        other => AppError::upstream("Spotify", other),
    }
}

impl Spotify {
    pub fn new(config: SpotifyConfig, sealer: Arc<Sealer>) -> AppResult<Spotify> {
        let oauth = OAuth::new(&config.app)
            .map_err(|e| AppError::internal(e, "setting up Spotify's OAuth client"))?;
        let api = Api::new(&config.app.api_url, config.policy.clone(), now_ms)
            .map_err(|e| AppError::internal(e, "setting up the Spotify client"))?;
        Ok(Spotify {
            config,
            oauth,
            api,
            gate: Arc::default(),
            gate_loaded: tokio::sync::OnceCell::new(),
            sealer,
            others: std::sync::OnceLock::new(),
        })
    }

    /// From now on, tells the other nodes on `bus` when Spotify pauses the app.
    pub fn announce_pauses_to(&self, bus: medley_events::Bus) {
        let _ = self.others.set(bus);
    }

    /// Another node learned that Spotify paused the app: this node waits too.
    pub fn merge_remote_pauses(&self, client_id: &str, rate_until_ms: i64, quota_until_ms: i64) {
        if client_id == self.client_id() {
            self.gate.merge(GateState {
                rate_until_ms,
                quota_until_ms,
            });
        }
    }

    fn client_id(&self) -> &str {
        &self.config.app.client_id
    }

    async fn gate(&self, store: &dyn Store) -> AppResult<Arc<Gate>> {
        self.gate_loaded
            .get_or_try_init(|| async {
                let (rate, quota) = store.app_pauses(self.client_id()).await?;
                self.gate.merge(GateState {
                    rate_until_ms: rate,
                    quota_until_ms: quota,
                });
                Ok::<(), AppError>(())
            })
            .await?;
        Ok(self.gate.clone())
    }

    /// Starts linking an account for `user_id`: the URL to send the browser to. The browser
    /// comes back to `redirect_uri` (the server's callback unless the CLI catches it itself).
    pub async fn begin(
        &self,
        store: &dyn Store,
        user_id: &UserId,
        redirect_uri: Option<&str>,
    ) -> AppResult<String> {
        let redirect_uri = redirect_uri.unwrap_or(&self.config.redirect_uri);
        let auth = self.oauth.authorize(redirect_uri).map_err(upstream)?;
        let hash = state_hash(&auth.state);
        let verifier = self.sealer.seal(auth.verifier.as_bytes(), &hash);
        store
            .put_authorization(
                &hash,
                user_id,
                &verifier,
                redirect_uri,
                now_ms() + AUTHORIZATION_TTL_MS,
            )
            .await?;
        Ok(auth.url)
    }

    /// Forgets an authorization the user declined.
    pub async fn abandon(&self, store: &dyn Store, state: &str) -> AppResult<()> {
        store
            .take_authorization(&state_hash(state), now_ms())
            .await?;
        Ok(())
    }

    /// Finishes linking when the browser comes back with `code` and `state`.
    pub async fn complete(
        &self,
        store: &dyn Store,
        state: &str,
        code: &str,
    ) -> AppResult<Connection> {
        let hash = state_hash(state);
        let pending = store
            .take_authorization(&hash, now_ms())
            .await?
            .ok_or_else(|| {
                AppError::Invalid(
                    "this authorization is unknown, already used or expired (they last 10 \
                     minutes): start again with POST /v1/connections/spotify (or POST \
                     /v1/sessions/spotify to sign in)"
                        .into(),
                )
            })?;
        let verifier = self.open_verifier(&pending.sealed_verifier, &hash)?;
        let identified = self
            .identify(store, code, &verifier, &pending.redirect_uri)
            .await?;
        self.store_connection(store, &pending.user_id, &identified)
            .await
    }

    /// The PKCE verifier of an authorization, stored sealed under its state's hash.
    fn open_verifier(&self, sealed: &str, hash: &str) -> AppResult<String> {
        let verifier = self
            .sealer
            .open(sealed, hash)
            .map_err(|e| AppError::internal(e, "opening a stored PKCE verifier"))?;
        String::from_utf8(verifier)
            .map_err(|e| AppError::internal(e, "reading a stored PKCE verifier"))
    }

    /// Exchanges an authorization code for tokens and asks Spotify whose they are.
    async fn identify(
        &self,
        store: &dyn Store,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> AppResult<Identified> {
        let meter = Arc::new(Meter::default());
        let tokens = self
            .oauth
            .exchange(code, verifier, redirect_uri, now_ms(), &meter)
            .await;
        let tokens = match tokens {
            Ok(t) => t,
            Err(e) => {
                self.record(store, "", &meter).await?;
                return Err(upstream(e));
            }
        };
        // Who is this? The tokens are not stored until Spotify says.
        let session = Session::new(
            self.api.clone(),
            Arc::new(Keeper::new(
                self.oauth.clone(),
                tokens.clone(),
                Arc::new(NoSink),
                now_ms,
            )),
            self.gate(store).await?,
            meter.clone(),
            None,
        );
        match session.me().await {
            Ok(me) => Ok(Identified { tokens, me, meter }),
            Err(e) => {
                self.record(store, "", &meter).await?;
                Err(upstream(e))
            }
        }
    }

    /// Stores the connection of `user_id` to the Spotify account identified (its tokens
    /// sealed), counts what linking cost, and resumes the sync jobs that waited for it.
    async fn store_connection(
        &self,
        store: &dyn Store,
        user_id: &UserId,
        identified: &Identified,
    ) -> AppResult<Connection> {
        let Identified { tokens, me, meter } = identified;
        let sealed = self.seal_tokens(tokens, user_id);
        let connection = store
            .upsert_connection(NewConnection {
                id: &medley_domain::new_id(),
                user_id,
                client_id: self.client_id(),
                spotify_user_id: &me.id,
                display_name: me.display_name.as_deref(),
                scopes: &tokens.scopes,
                sealed_tokens: &sealed,
                now_ms: now_ms(),
            })
            .await?;
        self.record(store, &connection.id, meter).await?;
        tracing::info!(user = %user_id, connection = %connection.id, "Spotify account connected");
        // The account is linked whatever happens to the jobs; they can be resumed by hand.
        if let Err(e) = reconnect::resume_after_reconnect(store, user_id).await {
            tracing::warn!(user = %user_id, error = %Causes(&e), "could not resume the sync jobs paused for this account");
        }
        Ok(connection)
    }

    fn seal_tokens(&self, tokens: &Tokens, user_id: &UserId) -> String {
        let json = serde_json::to_vec(tokens).expect("tokens serialise");
        self.sealer.seal(&json, user_id)
    }

    /// A session to work with `connection`'s account. Refused when the account must be
    /// connected again, the app is paused, or the connection's share of the budget is spent.
    pub async fn session(
        &self,
        store: &Arc<dyn Store>,
        connection: &Connection,
    ) -> AppResult<Session> {
        if let Some(why) = must_reconnect(connection) {
            return Err(AppError::Conflict(why));
        }
        let opened = self
            .sealer
            .open(&connection.sealed_tokens, &connection.user_id)
            .map_err(|e| AppError::internal(e, "opening a connection's stored tokens"))?;
        let tokens: Tokens = serde_json::from_slice(&opened)
            .map_err(|e| AppError::internal(e, "reading a connection's stored tokens"))?;
        let sink = Arc::new(StoreSink {
            store: store.clone(),
            sealer: self.sealer.clone(),
            connection_id: connection.id.clone(),
            user_id: connection.user_id.clone(),
        });
        let allowance = match self.config.daily_budget {
            None => None,
            Some(budget) => {
                let usage = store.usage(self.client_id(), now_ms() - DAY_MS).await?;
                let peers = store.app_connections(self.client_id()).await?;
                Some(Spotify::share(budget, &peers, &usage, &connection.id))
            }
        };
        Ok(Session::new(
            self.api.clone(),
            Arc::new(Keeper::new(self.oauth.clone(), tokens, sink, now_ms)),
            self.gate(store.as_ref()).await?,
            Arc::new(Meter::default()),
            allowance,
        ))
    }

    /// A connection's share of the daily budget, given the app's connections and usage.
    fn share(budget: u64, peers: &[Connection], usage: &Usage, connection_id: &str) -> u64 {
        let used = |id: &str| usage.by_connection.get(id).copied().unwrap_or(0).max(0) as u64;
        let others: Vec<u64> = peers
            .iter()
            .filter(|c| c.id != connection_id && c.status == ConnectionStatus::Active)
            .map(|c| used(&c.id))
            .collect();
        // Requests on behalf of no connection (linking accounts) come off the top.
        let off_top = used("");
        allowance(budget.saturating_sub(off_top), used(connection_id), &others)
    }

    /// After work with a session: counts its requests, keeps the app's pauses across restarts,
    /// and asks the user to connect again when Spotify refused the refresh token.
    pub async fn settle<T>(
        &self,
        store: &dyn Store,
        connection: &Connection,
        session: &Session,
        outcome: &Result<T, SpotifyError>,
    ) -> AppResult<()> {
        self.record(store, &connection.id, session.meter()).await?;
        let gate = self.gate.state();
        let (rate, quota) = store.app_pauses(self.client_id()).await?;
        if (rate, quota) != (gate.rate_until_ms, gate.quota_until_ms) {
            store
                .set_app_pauses(
                    self.client_id(),
                    gate.rate_until_ms,
                    gate.quota_until_ms,
                    now_ms(),
                )
                .await?;
            if let Some(bus) = self.others.get() {
                bus.publish_to_others(medley_events::Event::SpotifyPaused {
                    client_id: self.client_id().to_owned(),
                    rate_until_ms: gate.rate_until_ms,
                    quota_until_ms: gate.quota_until_ms,
                });
            }
        }
        if let Err(SpotifyError::InvalidGrant(reason)) = outcome {
            tracing::warn!(connection = %connection.id, "Spotify refused the refresh token; the user must connect again");
            store
                .set_connection_status(
                    &connection.id,
                    ConnectionStatus::Reconnect,
                    Some(reason),
                    now_ms(),
                )
                .await?;
            reconnect::pause_for_reconnect(store, &connection.user_id).await?;
        }
        Ok(())
    }

    async fn record(&self, store: &dyn Store, connection_id: &str, meter: &Meter) -> AppResult<()> {
        store
            .record_usage(
                self.client_id(),
                connection_id,
                now_ms(),
                meter.total() as i64,
            )
            .await?;
        Ok(())
    }

    /// The user's connections with their state and what they cost, and the app's totals.
    pub async fn views(
        &self,
        store: &dyn Store,
        user_id: &UserId,
    ) -> AppResult<(Vec<ConnectionView>, AppView)> {
        let now = now_ms();
        let usage = store.usage(self.client_id(), now - DAY_MS).await?;
        let (rate, quota) = store.app_pauses(self.client_id()).await?;
        let peers = match self.config.daily_budget {
            Some(_) => store.app_connections(self.client_id()).await?,
            None => Vec::new(),
        };
        let paused_until = [rate, quota].into_iter().filter(|t| *t > now).max();
        let mut views = Vec::new();
        for c in store.connections(user_id).await? {
            let requests_24h = usage.by_connection.get(&c.id).copied().unwrap_or(0);
            let (state, until, reason) = if c.status == ConnectionStatus::Reconnect {
                (ConnectionState::Reconnect, None, c.status_reason.clone())
            } else if quota > now {
                (
                    ConnectionState::Paused,
                    Some(quota),
                    Some("Spotify's daily quota for this app is spent".into()),
                )
            } else if rate > now {
                (
                    ConnectionState::Paused,
                    Some(rate),
                    Some("Spotify's rate limit: waiting as it asked".into()),
                )
            } else if let Some(budget) = self.config.daily_budget {
                if Spotify::share(budget, &peers, &usage, &c.id) == 0 {
                    (ConnectionState::Paused, None, Some("this connection's share of the daily request budget is spent; it frees up as the last 24 hours roll on".into()))
                } else {
                    (ConnectionState::Active, None, None)
                }
            } else {
                (ConnectionState::Active, None, None)
            };
            views.push(ConnectionView {
                connection: c,
                state,
                paused_until_ms: until,
                reason,
                requests_24h,
            });
        }
        Ok((
            views,
            AppView {
                client_id: self.client_id().to_owned(),
                requests_24h: usage.total,
                daily_budget: self.config.daily_budget,
                paused_until_ms: paused_until,
            },
        ))
    }
}

/// Stores renewed tokens, sealed, before they are used.
struct StoreSink {
    store: Arc<dyn Store>,
    sealer: Arc<Sealer>,
    connection_id: String,
    user_id: UserId,
}

#[async_trait]
impl TokenSink for StoreSink {
    async fn store(&self, tokens: &Tokens) -> Result<(), SinkError> {
        let json = serde_json::to_vec(tokens).map_err(SinkError::new)?;
        let sealed = self.sealer.seal(&json, &self.user_id);
        self.store
            .set_connection_tokens(&self.connection_id, &sealed, now_ms())
            .await
            .map_err(SinkError::new)
    }
}

/// For the one request made before a connection exists (`GET /me` right after linking).
struct NoSink;

#[async_trait]
impl TokenSink for NoSink {
    async fn store(&self, _: &Tokens) -> Result<(), SinkError> {
        Ok(())
    }
}
