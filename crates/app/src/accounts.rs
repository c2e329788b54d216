//! Accounts: registration, passwords (argon2id), bearer tokens (random, stored as SHA-256).

use std::time::Duration;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use medley_domain::new_id;
use medley_domain::user::{validate_password, validate_username, User};
use medley_events::{Bus, Event};
use medley_store::{NewToken, NewUser, Store};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};

/// Hashes a password with argon2id (on a blocking thread: it is deliberately slow).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("{e}").context("hashing a password"))
    })
    .await
    .map_err(|e| AppError::internal(e, "waiting for the password hashing task"))?
    .map_err(AppError::Internal)
}

/// Checks a password against a stored hash, in constant time for the comparison.
pub async fn verify_password(hash: &str, password: &str) -> bool {
    let (hash, password) = (hash.to_owned(), password.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A new bearer token: 32 random bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The form in which tokens are stored and looked up.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a user after checking the name and password. The first user becomes admin.
pub async fn create_user(
    store: &dyn Store,
    bus: &Bus,
    username: &str,
    password: &str,
) -> AppResult<User> {
    validate_username(username)?;
    validate_password(password)?;
    if store.user_by_username(username).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "the username `{username}` is taken"
        )));
    }
    let password_hash = hash_password(password).await?;
    let user = store
        .create_user(NewUser {
            id: new_id(),
            username: username.to_owned(),
            password_hash,
            display_name: None,
            now_ms: now_ms(),
        })
        .await?;
    bus.publish(Event::UserCreated {
        user_id: user.id.clone(),
    });
    Ok(user)
}

/// Issues a token for a user; `ttl` of `None` never expires (API tokens for scripts).
pub async fn issue_token(
    store: &dyn Store,
    user_id: &str,
    kind: &str,
    label: Option<String>,
    ttl: Option<Duration>,
) -> AppResult<String> {
    let token = new_token();
    let now = now_ms();
    store
        .insert_token(NewToken {
            token_hash: hash_token(&token),
            user_id: user_id.to_owned(),
            kind: kind.to_owned(),
            label,
            now_ms: now,
            expires_at_ms: ttl.map(|d| now + d.as_millis() as i64),
        })
        .await?;
    Ok(token)
}

/// Checks a username and password; the same answer whether the user or the password is wrong.
pub async fn authenticate(store: &dyn Store, username: &str, password: &str) -> AppResult<User> {
    let wrong = || AppError::Unauthorized("wrong username or password".into());
    match store.user_by_username(username).await? {
        Some((user, hash)) if verify_password(&hash, password).await => {
            if store.disabled_at(&user.id).await?.is_some() {
                return Err(AppError::Forbidden(
                    "this account is disabled: ask an administrator of this server".into(),
                ));
            }
            Ok(user)
        }
        Some(_) => Err(wrong()),
        None => {
            // Spend the same time as a real check, so response times do not reveal usernames.
            let _ = hash_password(password).await;
            Err(wrong())
        }
    }
}

/// Sets a new password and revokes every other token of the user (sessions elsewhere end).
pub async fn set_password(
    store: &dyn Store,
    user_id: &str,
    password: &str,
    keep_token: Option<&str>,
) -> AppResult<()> {
    validate_password(password)?;
    let hash = hash_password(password).await?;
    store.set_password_hash(user_id, &hash).await?;
    store.revoke_user_tokens(user_id, keep_token).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse").await);
        assert!(!verify_password(&hash, "wrong horse").await);
        assert!(!verify_password("not a hash", "x").await);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), a);
    }
}
