//! How a player signs in to `/rest`.
//!
//! - **API keys** (OpenSubsonic's `apiKeyAuthentication`): created, listed and revoked by their
//!   user; the key is shown once and only its SHA-256 is stored.
//! - **A Subsonic password**, only for users who set one: Subsonic's token authentication
//!   (`t` = md5(password + `s`)) and `p=` need the password itself, so it is stored sealed
//!   with the server's key (`crate::sealing`), bound to its user, and it must differ from the
//!   login password, of which Medley keeps only an argon2id hash.

use md5::{Digest, Md5};
use medley_domain::user::{validate_password, User};
use medley_domain::{new_id, UserId};
use medley_store::SubsonicKey;

use crate::accounts::{hash_token, new_token, verify_password};
use crate::clock::now_ms;
use crate::error::{admin_only, AppError, AppResult};
use crate::App;

/// Prefix of every API key, so that a key found in a config file says what it is.
const KEY_PREFIX: &str = "medley_sk_";
/// Most keys one user may hold.
const MAX_KEYS: usize = 50;

/// The credentials a request carries (Subsonic's `u`, `p`, `t`, `s` and `apiKey`).
#[derive(Clone, Default)]
pub struct Credentials {
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    pub salt: Option<String>,
    pub api_key: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Why signing in failed, each with the code the Subsonic specification gives it.
#[derive(Debug, thiserror::Error)]
pub enum AuthFailure {
    /// 10: a parameter authentication needs is missing.
    #[error("{0}")]
    Missing(String),
    /// 40: wrong username or password (or token).
    #[error("wrong username or password")]
    WrongCredentials,
    /// 41: token authentication is not available for this user.
    #[error(
        "token authentication needs a Subsonic password, and this user has not set one: set \
         one with PUT /v1/me/subsonic/password, or use an API key (POST \
         /v1/me/subsonic/api-keys) with the `apiKey` parameter"
    )]
    TokenUnavailable,
    /// 43: several ways of signing in at once.
    #[error("{0}")]
    Conflicting(String),
    /// 44: the API key is not (or no longer) valid.
    #[error("invalid API key: it was revoked or never existed; create one with POST /v1/me/subsonic/api-keys")]
    InvalidKey,
    /// Anything else (the database is down).
    #[error(transparent)]
    App(#[from] AppError),
}

/// The user a request's credentials sign in.
pub async fn authenticate(app: &App, c: &Credentials) -> Result<User, AuthFailure> {
    let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    if present(&c.api_key) {
        if present(&c.username) {
            return Err(AuthFailure::Conflicting(
                "an API key signs in by itself: send `apiKey` without `u`".into(),
            ));
        }
        if present(&c.password) || present(&c.token) || present(&c.salt) {
            return Err(AuthFailure::Conflicting(
                "send either `apiKey` or a password (`p`, or `t` and `s`), not both".into(),
            ));
        }
        let key = c.api_key.as_deref().unwrap_or_default();
        return app
            .store
            .user_for_subsonic_key(&hash_token(key), now_ms())
            .await
            .map_err(AppError::from)?
            .ok_or(AuthFailure::InvalidKey);
    }
    let Some(username) = c.username.as_deref().filter(|u| !u.is_empty()) else {
        return Err(AuthFailure::Missing(
            "required parameter `apiKey` (or `u` with `t` and `s`, or `u` with `p`) is missing"
                .into(),
        ));
    };
    let token = present(&c.token) || present(&c.salt);
    if token && present(&c.password) {
        return Err(AuthFailure::Conflicting(
            "send either `p` or `t` and `s`, not both".into(),
        ));
    }
    if token && !(present(&c.token) && present(&c.salt)) {
        return Err(AuthFailure::Missing(
            "token authentication needs both `t` and `s`".into(),
        ));
    }
    if !token && !present(&c.password) {
        return Err(AuthFailure::Missing(
            "required parameter `p` (or `t` and `s`) is missing".into(),
        ));
    }
    let found = app
        .store
        .user_by_username(username)
        .await
        .map_err(AppError::from)?;
    let Some((user, _)) = found else {
        return Err(AuthFailure::WrongCredentials);
    };
    let Some(password) = subsonic_password(app, &user.id).await? else {
        return Err(if token {
            AuthFailure::TokenUnavailable
        } else {
            AuthFailure::WrongCredentials
        });
    };
    let good = if token {
        let expected = md5_hex(&format!(
            "{password}{}",
            c.salt.as_deref().unwrap_or_default()
        ));
        equal(
            &expected,
            &c.token.as_deref().unwrap_or_default().to_ascii_lowercase(),
        )
    } else {
        let sent = c.password.as_deref().unwrap_or_default();
        match sent.strip_prefix("enc:") {
            Some(hex) => decode_hex(hex).is_some_and(|p| equal(&password, &p)),
            None => equal(&password, sent),
        }
    };
    if good {
        Ok(user)
    } else {
        Err(AuthFailure::WrongCredentials)
    }
}

/// The user's Subsonic password, opened; `None` when they set none.
async fn subsonic_password(app: &App, user_id: &UserId) -> AppResult<Option<String>> {
    let Some(sealed) = app.store.subsonic_password(user_id).await? else {
        return Ok(None);
    };
    let bytes = app
        .sealer
        .open(&sealed, &subsonic_owner(user_id))
        .map_err(|e| {
            AppError::internal(
                e,
                "opening a Subsonic password (was the server's secret key changed?)",
            )
        })?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| AppError::internal(e, "reading a Subsonic password"))
}

/// What a Subsonic password is sealed for: its user, under a label of its own.
fn subsonic_owner(user_id: &UserId) -> String {
    format!("subsonic-password:{user_id}")
}

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_hex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// Compares without stopping at the first difference.
fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A new API key: the key itself (shown once) and how it is listed.
pub async fn create_key(app: &App, user: &User, name: &str) -> AppResult<(String, SubsonicKey)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Invalid(
            "an API key's `name` (say, the player it is for) must have 1 to 100 characters".into(),
        ));
    }
    if app.store.subsonic_keys(&user.id).await?.len() >= MAX_KEYS {
        return Err(AppError::Conflict(format!(
            "you already have {MAX_KEYS} API keys: revoke one you no longer use first"
        )));
    }
    let secret = format!("{KEY_PREFIX}{}", new_token());
    let key = SubsonicKey {
        id: new_id(),
        user_id: user.id.clone(),
        name: name.to_owned(),
        created_at_ms: now_ms(),
        last_used_at_ms: None,
    };
    app.store
        .insert_subsonic_key(&key, &hash_token(&secret))
        .await?;
    Ok((secret, key))
}

pub async fn list_keys(app: &App, user: &User) -> AppResult<Vec<SubsonicKey>> {
    Ok(app.store.subsonic_keys(&user.id).await?)
}

/// Revokes one of the user's keys (another user's key is "not found").
pub async fn revoke_key(app: &App, user: &User, id: &str) -> AppResult<()> {
    if app.store.delete_subsonic_key(&user.id, id).await? {
        Ok(())
    } else {
        Err(AppError::not_found(&format!("API key `{id}`")))
    }
}

/// Revokes the user's key named `name` (the command line's way); its id.
pub async fn revoke_key_named(app: &App, user: &User, name: &str) -> AppResult<String> {
    let keys = app.store.subsonic_keys(&user.id).await?;
    let matching: Vec<&SubsonicKey> = keys.iter().filter(|k| k.name == name).collect();
    match matching.as_slice() {
        [key] => {
            revoke_key(app, user, &key.id).await?;
            Ok(key.id.clone())
        }
        [] => Err(AppError::not_found(&format!("an API key named `{name}`"))),
        _ => Err(AppError::Conflict(format!(
            "{} API keys are named `{name}`: revoke them by id through the API",
            matching.len()
        ))),
    }
}

/// Sets the user's Subsonic password (sealed), which must not be their login password.
pub async fn set_password(app: &App, user: &User, password: &str) -> AppResult<()> {
    validate_password(password)?;
    if let Some((_, login_hash)) = app.store.user_by_username(&user.username).await? {
        if verify_password(&login_hash, password).await {
            return Err(AppError::Invalid(
                "choose a Subsonic password different from your login password: players keep \
                 it where it can be read, so it must not open your account"
                    .into(),
            ));
        }
    }
    let sealed = app
        .sealer
        .seal(password.as_bytes(), &subsonic_owner(&user.id));
    app.store
        .set_subsonic_password(&user.id, Some(&sealed), now_ms())
        .await?;
    Ok(())
}

/// Removes the user's Subsonic password: only API keys sign in from then on.
pub async fn clear_password(app: &App, user: &User) -> AppResult<()> {
    app.store
        .set_subsonic_password(&user.id, None, now_ms())
        .await?;
    Ok(())
}

/// Whether the user has set a Subsonic password.
pub async fn has_password(app: &App, user: &User) -> AppResult<bool> {
    Ok(app.store.subsonic_password(&user.id).await?.is_some())
}

/// The user named `username`, as `caller` may read them: themselves, or anyone for an
/// administrator.
pub async fn user_details(app: &App, caller: &User, username: &str) -> AppResult<User> {
    if username == caller.username {
        return Ok(caller.clone());
    }
    admin_only(
        caller,
        "only administrators may read another user's details",
    )?;
    app.store
        .user_by_username(username)
        .await?
        .map(|(u, _)| u)
        .ok_or_else(|| AppError::NotFound(format!("there is no user `{username}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_tokens_match_the_specification_example() {
        // The Subsonic documentation's example: password "sesame", salt "c19b2d".
        assert_eq!(md5_hex("sesamec19b2d"), "26719a1196d2a940705a59634eb18eab");
    }

    #[test]
    fn hex_passwords_decode() {
        assert_eq!(decode_hex("736573616d65").as_deref(), Some("sesame"));
        assert_eq!(decode_hex("7"), None);
        assert_eq!(decode_hex("zz"), None);
    }

    #[test]
    fn comparison_is_exact() {
        assert!(equal("abc", "abc"));
        assert!(!equal("abc", "abd"));
        assert!(!equal("abc", "abcd"));
    }
}
