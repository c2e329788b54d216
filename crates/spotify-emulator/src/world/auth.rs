//! The accounts service: apps, consent, authorization codes (with PKCE), access tokens and
//! rotating refresh tokens.

use std::collections::HashMap;

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::limits::Usage;
use super::{World, WorldError, WorldResult};
use crate::ids::random_string;

pub const ACCESS_TOKEN_SECS: i64 = 3_600;
pub const CODE_TTL_MS: i64 = 10 * 60 * 1_000;
/// Refresh tokens die six months after the user's consent.
pub const REFRESH_TTL_MS: i64 = 183 * 24 * 3_600 * 1_000;

pub const KNOWN_SCOPES: &[&str] = &[
    "ugc-image-upload",
    "user-read-playback-state",
    "user-modify-playback-state",
    "user-read-currently-playing",
    "app-remote-control",
    "streaming",
    "playlist-read-private",
    "playlist-read-collaborative",
    "playlist-modify-private",
    "playlist-modify-public",
    "user-follow-modify",
    "user-follow-read",
    "user-read-playback-position",
    "user-top-read",
    "user-read-recently-played",
    "user-library-modify",
    "user-library-read",
    "user-read-email",
    "user-read-private",
    "user-personalized",
    "user-soa-link",
    "user-soa-unlink",
    "soa-manage-entitlements",
    "soa-manage-partner",
    "soa-create-partner",
];

#[derive(Debug, Clone, Serialize)]
pub struct App {
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Allowed redirect URIs; empty accepts any secure one.
    pub redirect_uris: Vec<String>,
    pub rate_limit_per_30s: u32,
    pub daily_quota: Option<u32>,
    /// Registered automatically by `/authorize` (a public PKCE app).
    pub auto_registered: bool,
    /// Development mode: when not empty, only these users (at most five) may call the Web API.
    pub allowed_users: Vec<String>,
    #[serde(skip)]
    pub usage: Usage,
}

/// A change to an app's registration; `None` keeps the current value.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AppSettings {
    pub client_secret: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub rate_limit_per_30s: Option<u32>,
    /// `Some(None)` (JSON `null`) removes the quota.
    #[serde(default, with = "double_option")]
    pub daily_quota: Option<Option<u32>>,
    /// Development-mode allowlist (at most five users); an empty list lifts it.
    pub allowed_users: Option<Vec<String>>,
}

/// Users a development-mode app may serve.
pub const DEV_MODE_USERS: usize = 5;

mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<Option<u32>>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
        Option::<u32>::deserialize(d).map(Some)
    }
}

#[derive(Debug, Clone)]
pub struct Code {
    client_id: String,
    user: String,
    redirect_uri: String,
    scopes: Vec<String>,
    challenge: Option<String>,
    expires_at: i64,
    consent_at: i64,
}

#[derive(Debug, Clone)]
struct Access {
    caller: Caller,
    expires_at: i64,
}

#[derive(Debug, Clone)]
struct Refresh {
    client_id: String,
    user: String,
    scopes: Vec<String>,
    consent_at: i64,
    revoked: bool,
}

#[derive(Debug, Default)]
pub struct Tokens {
    codes: HashMap<String, Code>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
}

/// Who a valid access token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: String,
    pub client_id: String,
    pub scopes: Vec<String>,
}

impl Caller {
    pub fn has_any(&self, scopes: &[&str]) -> bool {
        scopes.iter().any(|s| self.scopes.iter().any(|g| g == s))
    }
}

/// The token endpoint's success body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenGrant {
    pub access_token: String,
    pub token_type: String,
    pub scope: String,
    pub expires_in: i64,
    pub refresh_token: String,
}

/// The token endpoint's error: status, OAuth `error` and `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

fn token_error(status: u16, error: &'static str, description: &str) -> TokenError {
    TokenError {
        status,
        error,
        description: description.to_string(),
    }
}

/// How `/authorize` ends: a redirect to the client, or an error page shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    Redirect(String),
    Page(String),
}

pub type Params = HashMap<String, String>;

impl World {
    pub fn configure_app(&mut self, client_id: &str, settings: AppSettings) -> WorldResult<&App> {
        if settings
            .allowed_users
            .as_ref()
            .is_some_and(|u| u.len() > DEV_MODE_USERS)
        {
            return Err(WorldError::bad(format!(
                "a development-mode app has at most {DEV_MODE_USERS} users"
            )));
        }
        let defaults = self.defaults;
        let app = self
            .apps
            .entry(client_id.to_string())
            .or_insert_with(|| App {
                client_id: client_id.to_string(),
                client_secret: None,
                redirect_uris: Vec::new(),
                rate_limit_per_30s: defaults.rate_limit_per_30s,
                daily_quota: defaults.daily_quota,
                auto_registered: false,
                allowed_users: Vec::new(),
                usage: Usage::default(),
            });
        app.auto_registered = false;
        if let Some(secret) = settings.client_secret {
            app.client_secret = Some(secret).filter(|s| !s.is_empty());
        }
        if let Some(uris) = settings.redirect_uris {
            app.redirect_uris = uris;
        }
        if let Some(limit) = settings.rate_limit_per_30s {
            app.rate_limit_per_30s = limit;
        }
        if let Some(quota) = settings.daily_quota {
            app.daily_quota = quota;
        }
        if let Some(users) = settings.allowed_users {
            app.allowed_users = users;
        }
        Ok(app)
    }

    /// Development mode: an app with an allowlist serves only the users on it.
    pub fn check_user_allowed(&self, caller: &Caller) -> WorldResult<()> {
        match self.apps.get(&caller.client_id) {
            Some(app) if !app.allowed_users.is_empty() && !app.allowed_users.contains(&caller.user) => {
                Err(WorldError::forbidden(
                    "Check settings on developer.spotify.com/dashboard, the user may not be registered.",
                ))
            }
            _ => Ok(()),
        }
    }

    pub fn authorize(&mut self, now: i64, params: &Params) -> AuthorizeOutcome {
        let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let Some(client_id) = get("client_id") else {
            return AuthorizeOutcome::Page("INVALID_CLIENT: Invalid client".into());
        };
        let Some(redirect_uri) = get("redirect_uri") else {
            return AuthorizeOutcome::Page("INVALID_CLIENT: Invalid redirect URI".into());
        };
        if let Err(page) = check_redirect_uri(redirect_uri) {
            return AuthorizeOutcome::Page(page);
        }
        if !self.apps.contains_key(client_id) {
            // Default settings always pass validation.
            let _ = self.configure_app(client_id, AppSettings::default());
            if let Some(app) = self.apps.get_mut(client_id) {
                app.auto_registered = true;
            }
        }
        let app = &self.apps[client_id];
        if !app.redirect_uris.is_empty() && !app.redirect_uris.iter().any(|u| u == redirect_uri) {
            return AuthorizeOutcome::Page("INVALID_CLIENT: Invalid redirect URI".into());
        }
        let state = get("state");
        let fail = |error: &str| {
            AuthorizeOutcome::Redirect(redirect(redirect_uri, &[("error", error)], state))
        };
        if get("response_type") != Some("code") {
            return fail("unsupported_response_type");
        }
        let challenge = get("code_challenge");
        if challenge.is_some() && get("code_challenge_method") != Some("S256") {
            return fail("invalid_request");
        }
        if challenge.is_none() && app.client_secret.is_none() {
            return fail("invalid_request");
        }
        let scopes: Vec<String> = get("scope")
            .unwrap_or("")
            .split([' ', '+', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if scopes.iter().any(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
            return fail("invalid_scope");
        }
        let Some(user) = self.browser_user.clone() else {
            return AuthorizeOutcome::Page("No user is signed in to the emulated browser".into());
        };
        if self.browser_denies {
            return fail("access_denied");
        }
        let code = format!("AQ{}", random_string(&mut self.rng, 120));
        self.auth.codes.insert(
            code.clone(),
            Code {
                client_id: client_id.to_string(),
                user,
                redirect_uri: redirect_uri.to_string(),
                scopes,
                challenge: challenge.map(str::to_string),
                expires_at: now + CODE_TTL_MS,
                consent_at: now,
            },
        );
        AuthorizeOutcome::Redirect(redirect(redirect_uri, &[("code", &code)], state))
    }

    /// `POST /api/token`: the form, and the client credentials of an HTTP Basic header.
    /// Answers the grant and the user it was for.
    pub fn token(
        &mut self,
        now: i64,
        form: &Params,
        basic: Option<(String, String)>,
    ) -> Result<(TokenGrant, String), TokenError> {
        let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let (client_id, with_secret) = self.authenticate_client(form, basic)?;
        match get("grant_type") {
            Some("authorization_code") => {
                let code_value = get("code").unwrap_or("");
                let Some(code) = self.auth.codes.remove(code_value) else {
                    return Err(token_error(
                        400,
                        "invalid_grant",
                        "Invalid authorization code",
                    ));
                };
                if code.expires_at <= now {
                    return Err(token_error(
                        400,
                        "invalid_grant",
                        "Authorization code expired",
                    ));
                }
                if code.client_id != client_id {
                    return Err(token_error(
                        400,
                        "invalid_grant",
                        "Invalid authorization code",
                    ));
                }
                if get("redirect_uri") != Some(code.redirect_uri.as_str()) {
                    return Err(token_error(400, "invalid_grant", "Invalid redirect URI"));
                }
                match (&code.challenge, get("code_verifier")) {
                    (Some(challenge), Some(verifier)) if &s256(verifier) != challenge => {
                        return Err(token_error(
                            400,
                            "invalid_grant",
                            "code_verifier was incorrect",
                        ));
                    }
                    (Some(_), None) if !with_secret => {
                        return Err(token_error(
                            400,
                            "invalid_request",
                            "code_verifier required",
                        ));
                    }
                    (None, _) if !with_secret => {
                        return Err(token_error(400, "invalid_client", "Invalid client secret"));
                    }
                    _ => {}
                }
                let grant = self.issue(now, &client_id, &code.user, code.scopes, code.consent_at);
                Ok((grant, code.user))
            }
            Some("refresh_token") => {
                let Some(value) = get("refresh_token") else {
                    return Err(token_error(
                        400,
                        "invalid_request",
                        "refresh_token must be supplied",
                    ));
                };
                let Some(old) = self.auth.refresh.get(value).cloned() else {
                    return Err(token_error(400, "invalid_grant", "Invalid refresh token"));
                };
                if old.client_id != client_id {
                    return Err(token_error(400, "invalid_grant", "Invalid refresh token"));
                }
                if old.revoked || old.consent_at + REFRESH_TTL_MS <= now {
                    return Err(token_error(400, "invalid_grant", "Refresh token revoked"));
                }
                self.auth.refresh.remove(value);
                let grant = self.issue(now, &client_id, &old.user, old.scopes, old.consent_at);
                Ok((grant, old.user))
            }
            Some(_) => Err(token_error(
                400,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            )),
            None => Err(token_error(
                400,
                "unsupported_grant_type",
                "grant_type parameter is missing",
            )),
        }
    }

    fn authenticate_client(
        &self,
        form: &Params,
        basic: Option<(String, String)>,
    ) -> Result<(String, bool), TokenError> {
        let (client_id, secret, status) = match basic {
            Some((id, secret)) => (id, Some(secret), 401),
            None => (
                form.get("client_id").cloned().unwrap_or_default(),
                form.get("client_secret").cloned(),
                400,
            ),
        };
        let Some(app) = self.apps.get(&client_id) else {
            return Err(token_error(status, "invalid_client", "Invalid client"));
        };
        match secret {
            Some(given) if app.client_secret.as_deref() != Some(given.as_str()) => Err(
                token_error(status, "invalid_client", "Invalid client secret"),
            ),
            Some(_) => Ok((client_id, true)),
            None => Ok((client_id, false)),
        }
    }

    fn issue(
        &mut self,
        now: i64,
        client_id: &str,
        user: &str,
        scopes: Vec<String>,
        consent_at: i64,
    ) -> TokenGrant {
        let access_token = format!("BQ{}", random_string(&mut self.rng, 100));
        let refresh_token = format!("AQ{}", random_string(&mut self.rng, 128));
        let scope = scopes.join(" ");
        self.auth.access.insert(
            access_token.clone(),
            Access {
                caller: Caller {
                    user: user.to_string(),
                    client_id: client_id.to_string(),
                    scopes: scopes.clone(),
                },
                expires_at: now + ACCESS_TOKEN_SECS * 1_000,
            },
        );
        self.auth.refresh.insert(
            refresh_token.clone(),
            Refresh {
                client_id: client_id.to_string(),
                user: user.to_string(),
                scopes,
                consent_at,
                revoked: false,
            },
        );
        TokenGrant {
            access_token,
            token_type: "Bearer".into(),
            scope,
            expires_in: ACCESS_TOKEN_SECS,
            refresh_token,
        }
    }

    /// Issues tokens as if `user` had just consented to `client_id` with `scopes`.
    pub fn mint_tokens(
        &mut self,
        now: i64,
        user: &str,
        client_id: &str,
        scopes: Vec<String>,
    ) -> WorldResult<TokenGrant> {
        self.user(user)?;
        if let Some(bad) = scopes.iter().find(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
            return Err(WorldError::bad(format!("unknown scope {bad}")));
        }
        if !self.apps.contains_key(client_id) {
            self.configure_app(client_id, AppSettings::default())?;
        }
        Ok(self.issue(now, client_id, user, scopes, now))
    }

    /// The caller behind a bearer token, or the 401 message Spotify gives.
    pub fn check_access(&self, now: i64, token: Option<&str>) -> Result<Caller, &'static str> {
        let Some(token) = token else {
            return Err("No token provided");
        };
        match self.auth.access.get(token) {
            None => Err("Invalid access token"),
            Some(a) if a.expires_at <= now => Err("The access token expired"),
            Some(a) => Ok(a.caller.clone()),
        }
    }

    /// Revokes the user's grants (to one app, or to all): access tokens stop working and
    /// refresh tokens answer "Refresh token revoked".
    pub fn revoke(&mut self, user: &str, client_id: Option<&str>) -> usize {
        let hit = |u: &str, c: &str| u == user && client_id.is_none_or(|id| id == c);
        let before = self.auth.access.len();
        self.auth
            .access
            .retain(|_, a| !hit(&a.caller.user, &a.caller.client_id));
        self.auth.codes.retain(|_, c| !hit(&c.user, &c.client_id));
        let mut revoked = before - self.auth.access.len();
        for r in self.auth.refresh.values_mut() {
            if hit(&r.user, &r.client_id) && !r.revoked {
                r.revoked = true;
                revoked += 1;
            }
        }
        revoked
    }
}

pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// HTTPS, or plain HTTP to a loopback literal; `localhost` is refused since 2025-11-27.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let parsed =
        url::Url::parse(uri).map_err(|_| "INVALID_CLIENT: Invalid redirect URI".to_string())?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => match parsed.host() {
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            _ => Err("INVALID_CLIENT: Insecure redirect URI".into()),
        },
        _ => Err("INVALID_CLIENT: Invalid redirect URI".into()),
    }
}

fn redirect(uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> String {
    let mut url = url::Url::parse(uri).expect("checked before");
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        if let Some(state) = state {
            q.append_pair("state", state);
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_secure() {
        assert!(check_redirect_uri("https://app.example/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:8080/cb").is_ok());
        assert!(check_redirect_uri("http://[::1]:8080/cb").is_ok());
        assert_eq!(
            check_redirect_uri("http://localhost:8080/cb"),
            Err("INVALID_CLIENT: Insecure redirect URI".into())
        );
        assert!(check_redirect_uri("http://example.com/cb").is_err());
    }

    #[test]
    fn s256_is_base64url_of_sha256() {
        // Computed independently (Python hashlib + urlsafe_b64encode, padding stripped).
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K9uhbUJLKYJeMwIYSVmAe8nE7o"),
            "7rlz88iYDS7P1NdjXzIJZ4qLjQy-7TSRYZ-ZLsq0Z-Y"
        );
    }
}
