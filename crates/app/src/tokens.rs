//! API tokens a user manages: named, long-lived bearer tokens for scripts and apps. The secret
//! is shown once, when the token is made (only its SHA-256 is stored); each token is listed by
//! id with its name, when it was made and when it was last used; revoking one ends it at once
//! on this node (the token cache is emptied) and within the cache's lifetime elsewhere.

use medley_domain::causes::Causes;
use medley_domain::user::User;
use medley_domain::UserId;
use medley_store::{ApiToken, NewToken};

use crate::accounts::{hash_token, new_token};
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::App;

/// The kind stored for tokens made here and by `medley user token`.
pub const API_KIND: &str = "api";
/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Most API tokens one user may hold.
pub const MAX_TOKENS: usize = 100;

/// A token just made, with its secret (never shown again).
pub struct Created {
    pub token: ApiToken,
    pub secret: String,
}

/// The user's API tokens, oldest first.
pub async fn list(app: &App, user_id: &UserId) -> AppResult<Vec<ApiToken>> {
    Ok(app.store.tokens_of(user_id, API_KIND).await?)
}

/// Makes a named API token that does not expire.
pub async fn create(app: &App, user_id: &UserId, name: &str) -> AppResult<Created> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Invalid(
            "give the token a name, such as the script or app that will use it".into(),
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::Invalid(format!(
            "a token name is at most {MAX_NAME_CHARS} characters, without control characters"
        )));
    }
    if app.store.tokens_of(user_id, API_KIND).await?.len() >= MAX_TOKENS {
        return Err(AppError::Conflict(format!(
            "you have {MAX_TOKENS} API tokens, the most one account may hold: revoke one first"
        )));
    }
    let secret = new_token();
    let now = now_ms();
    let id = app
        .store
        .insert_token(NewToken {
            token_hash: hash_token(&secret),
            user_id: user_id.to_owned(),
            kind: API_KIND.into(),
            label: Some(name.to_owned()),
            now_ms: now,
            expires_at_ms: None,
        })
        .await?;
    Ok(Created {
        token: ApiToken {
            id,
            label: Some(name.to_owned()),
            created_at_ms: now,
            last_used_at_ms: None,
            expires_at_ms: None,
        },
        secret,
    })
}

/// Revokes one of the user's API tokens; another user's token is "not found".
pub async fn revoke(app: &App, user_id: &UserId, id: &str) -> AppResult<()> {
    if !app.store.revoke_token_by_id(user_id, API_KIND, id).await? {
        return Err(AppError::NotFound(format!(
            "you have no API token with the id `{id}`"
        )));
    }
    app.caches.forget_tokens();
    Ok(())
}

/// Notes that a token authenticated a request (called when the token cache missed, so at
/// most once per cache lifetime per node; the store writes at most once a minute).
pub async fn note_use(app: &App, token_hash: &str) {
    if let Err(e) = app.store.touch_token(token_hash, now_ms()).await {
        tracing::warn!(error = %Causes(&e), "recording a token's last use");
    }
}

/// The user a bearer token (by its hash) signs in, if it is valid: from the token cache, else
/// read (and its use noted, and the answer kept while no revocation intervened).
pub async fn authenticate(app: &App, token_hash: &str) -> AppResult<Option<User>> {
    if let Some(user) = app.caches.token(token_hash) {
        return Ok(Some(user));
    }
    let seen = app.caches.token_generation();
    let Some(user) = lookup(app, token_hash).await? else {
        return Ok(None);
    };
    note_use(app, token_hash).await;
    app.caches
        .remember_token(seen, token_hash.to_owned(), user.clone());
    Ok(Some(user))
}

/// The user a token (by its hash) signs in as stored now, if it is valid; no cache, its use
/// not noted (a scrobbler's token check).
pub async fn lookup(app: &App, token_hash: &str) -> AppResult<Option<User>> {
    Ok(app.store.user_for_token(token_hash, now_ms()).await?)
}
