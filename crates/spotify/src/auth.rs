//! Connecting an account: the authorization code flow with PKCE (RFC 7636) through the
//! `oauth2` crate, and refreshing access tokens, keeping the rotated refresh token.

use std::sync::Arc;

use async_trait::async_trait;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError,
    Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::error::{Result, SinkError, SpotifyError};
use crate::limits::Meter;

/// What Medley asks the user to grant: read and write their playlists, read Liked Songs and
/// what they played recently.
pub const SCOPES: &[&str] = &[
    "playlist-read-private",
    "playlist-read-collaborative",
    "playlist-modify-private",
    "playlist-modify-public",
    "user-library-read",
    "user-library-modify",
    "user-read-recently-played",
];

/// A Spotify app as registered on Spotify's developer dashboard, and where Spotify lives.
#[derive(Clone, Debug)]
pub struct App {
    pub client_id: String,
    /// Without a secret, Medley uses PKCE alone (a public client).
    pub client_secret: Option<String>,
    /// `https://api.spotify.com/v1` unless pointed at an emulator.
    pub api_url: String,
    /// `https://accounts.spotify.com` unless pointed at an emulator.
    pub accounts_url: String,
}

/// An access token and what renews it.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// When the access token stops working (Unix ms).
    pub expires_at_ms: i64,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// A started authorization: send the user to `url`, keep `state` and `verifier` until the
/// redirect comes back.
#[derive(Clone)]
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub verifier: String,
}

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// The accounts service of one app.
#[derive(Clone)]
pub struct OAuth {
    client: Client,
    http: reqwest::Client,
}

impl OAuth {
    pub fn new(app: &App) -> Result<OAuth> {
        let base = app.accounts_url.trim_end_matches('/');
        let bad = |e: oauth2::url::ParseError| SpotifyError::Protocol(format!("accounts URL: {e}"));
        let mut client = BasicClient::new(ClientId::new(app.client_id.clone()))
            .set_auth_uri(AuthUrl::new(format!("{base}/authorize")).map_err(bad)?)
            .set_token_uri(TokenUrl::new(format!("{base}/api/token")).map_err(bad)?);
        client = match &app.client_secret {
            Some(secret) => client.set_client_secret(ClientSecret::new(secret.clone())),
            // A public client names itself in the form body.
            None => client.set_auth_type(AuthType::RequestBody),
        };
        let http = reqwest::Client::builder()
            // Following redirects from a token endpoint opens the door to SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| SpotifyError::Transport(e.to_string()))?;
        Ok(OAuth { client, http })
    }

    /// The URL to send the user to, with a fresh `state` and PKCE verifier.
    pub fn authorize(&self, redirect_uri: &str) -> Result<Authorization> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| SpotifyError::BadRequest(format!("redirect URI: {e}")))?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(SCOPES.iter().map(|s| Scope::new((*s).to_owned())))
            .set_pkce_challenge(challenge)
            .set_redirect_uri(std::borrow::Cow::Owned(redirect))
            .url();
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
        })
    }

    /// Trades the code from the redirect for tokens.
    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
        now_ms: i64,
        meter: &Meter,
    ) -> Result<Tokens> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| SpotifyError::BadRequest(format!("redirect URI: {e}")))?;
        meter.count("POST /api/token");
        let answer = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .set_redirect_uri(std::borrow::Cow::Owned(redirect))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        tokens(&answer, None, now_ms)
    }

    /// A new access token. Spotify may rotate the refresh token: the one returned must be kept.
    pub async fn refresh(&self, refresh_token: &str, now_ms: i64, meter: &Meter) -> Result<Tokens> {
        meter.count("POST /api/token");
        let answer = self
            .client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        tokens(&answer, Some(refresh_token), now_ms)
    }
}

fn tokens(
    answer: &oauth2::basic::BasicTokenResponse,
    previous_refresh: Option<&str>,
    now_ms: i64,
) -> Result<Tokens> {
    let refresh_token = match (answer.refresh_token(), previous_refresh) {
        (Some(r), _) => r.secret().clone(),
        (None, Some(prev)) => prev.to_owned(),
        (None, None) => {
            return Err(SpotifyError::Protocol(
                "the token answer carries no refresh token".into(),
            ))
        }
    };
    let lifetime = answer
        .expires_in()
        .unwrap_or(std::time::Duration::from_secs(3_600));
    Ok(Tokens {
        access_token: answer.access_token().secret().clone(),
        refresh_token,
        expires_at_ms: now_ms + lifetime.as_millis() as i64,
        scopes: answer
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    })
}

type TokenError = RequestTokenError<
    oauth2::HttpClientError<reqwest::Error>,
    oauth2::StandardErrorResponse<BasicErrorResponseType>,
>;

fn token_error(e: TokenError) -> SpotifyError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let what = r
                .error_description()
                .cloned()
                .unwrap_or_else(|| r.error().to_string());
            match r.error() {
                BasicErrorResponseType::InvalidGrant => SpotifyError::InvalidGrant(what),
                BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::UnauthorizedClient => SpotifyError::Unauthorized(what),
                _ => SpotifyError::BadRequest(what),
            }
        }
        RequestTokenError::Request(e) => SpotifyError::Transport(e.to_string()),
        RequestTokenError::Parse(e, _) => SpotifyError::Protocol(e.to_string()),
        RequestTokenError::Other(e) => SpotifyError::Protocol(e),
    }
}

/// Where renewed tokens are kept (encrypted, by the caller). A failure is the caller's own
/// error, wrapped ([`SinkError::new`]) so its causes reach whoever handles the request.
#[async_trait]
pub trait TokenSink: Send + Sync {
    async fn store(&self, tokens: &Tokens) -> std::result::Result<(), SinkError>;
}

/// Hands out access tokens for one connection, refreshing a minute before expiry or when
/// Spotify refuses one, and storing every renewed pair before using it.
pub struct Keeper {
    oauth: OAuth,
    tokens: tokio::sync::Mutex<Tokens>,
    sink: Arc<dyn TokenSink>,
    clock: fn() -> i64,
}

/// How long before expiry an access token is renewed.
const RENEW_MARGIN_MS: i64 = 60_000;

impl Keeper {
    pub fn new(
        oauth: OAuth,
        tokens: Tokens,
        sink: Arc<dyn TokenSink>,
        clock: fn() -> i64,
    ) -> Keeper {
        Keeper {
            oauth,
            tokens: tokio::sync::Mutex::new(tokens),
            sink,
            clock,
        }
    }

    /// A usable access token. `refused` names the token Spotify just refused, if any: it is
    /// renewed unless another request renewed it meanwhile.
    pub async fn access_token(&self, refused: Option<&str>, meter: &Meter) -> Result<String> {
        let mut held = self.tokens.lock().await;
        let now = (self.clock)();
        let stale = match refused {
            Some(t) => t == held.access_token,
            None => held.expires_at_ms - RENEW_MARGIN_MS <= now,
        };
        if stale {
            let renewed = self.oauth.refresh(&held.refresh_token, now, meter).await?;
            self.sink
                .store(&renewed)
                .await
                .map_err(SpotifyError::TokensNotKept)?;
            *held = renewed;
        }
        Ok(held.access_token.clone())
    }
}
