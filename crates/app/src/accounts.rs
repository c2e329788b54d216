//! Accounts: registration, passwords (argon2id), bearer tokens (random, stored as SHA-256).

use std::time::Duration;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use medley_domain::causes::Causes;
use medley_domain::user::{validate_password, validate_username, User};
use medley_domain::UserId;
use medley_events::{Bus, Event};
use medley_store::{NewToken, NewUser, Store};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use tokio::sync::OwnedSemaphorePermit;

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::logins::{client_key, Logins};
use crate::App;

/// Runs `work` (a hash) on a blocking thread, holding `slot` (see [`crate::logins::Hashing`])
/// until it is done, even if the caller stops waiting.
async fn hashing<T: Send + 'static>(
    slot: Option<OwnedSemaphorePermit>,
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(move || {
        let result = work();
        drop(slot);
        result
    })
    .await
    .map_err(|e| AppError::internal(e, "waiting for the password hashing task"))
}

/// Hashes a password with argon2id (on a blocking thread: it is deliberately slow).
pub async fn hash_password(password: &str) -> AppResult<String> {
    hash_password_in(password, None).await
}

/// [`hash_password`] within a hashing slot.
pub async fn hash_password_in(
    password: &str,
    slot: Option<OwnedSemaphorePermit>,
) -> AppResult<String> {
    let password = password.to_owned();
    hashing(slot, move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::Error::new(e).context("hashing a password"))
    })
    .await?
    .map_err(AppError::Internal)
}

/// Checks a password against a stored hash, in constant time for the comparison.
pub async fn verify_password(hash: &str, password: &str) -> bool {
    verify_password_in(hash, password, None).await
}

async fn verify_password_in(
    hash: &str,
    password: &str,
    slot: Option<OwnedSemaphorePermit>,
) -> bool {
    let (hash, password) = (hash.to_owned(), password.to_owned());
    hashing(slot, move || {
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

/// The password hash of an account made by signing in with Spotify: no password matches it
/// (it is not a hash), until an administrator gives the account one (`medley user passwd`).
pub const NO_PASSWORD: &str = "!spotify";

/// Whether a stored password hash is a password's (false for accounts that sign in with
/// Spotify only).
pub fn has_password(hash: &str) -> bool {
    hash != NO_PASSWORD
}

/// Whether the user has a password to sign in with.
pub async fn user_has_password(store: &dyn Store, user: &User) -> AppResult<bool> {
    Ok(store
        .user_by_username(&user.username)
        .await?
        .is_some_and(|(found, hash)| found.id == user.id && has_password(&hash)))
}

/// A new bearer token: 32 random bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The form in which tokens are stored and looked up.
pub fn hash_token(token: &str) -> String {
    // One formatting pass (the digest writes itself as hex), not a string a byte: every
    // request signed with a token hashes it.
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// Creates a user after checking the name and password. The first user becomes admin.
pub async fn create_user(
    store: &dyn Store,
    bus: &Bus,
    username: &str,
    password: &str,
) -> AppResult<User> {
    create_user_in(store, bus, username, password, None).await
}

/// [`create_user`], hashing within the slots of `hashing` when given (the server's requests).
pub async fn create_user_in(
    store: &dyn Store,
    bus: &Bus,
    username: &str,
    password: &str,
    hashing: Option<&crate::logins::Hashing>,
) -> AppResult<User> {
    validate_username(username)?;
    validate_password(password)?;
    if store.user_by_username(username).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "the username `{username}` is taken"
        )));
    }
    let slot = match hashing {
        Some(h) => Some(h.slot().await?),
        None => None,
    };
    let password_hash = hash_password_in(password, slot).await?;
    let user = store
        .create_user(NewUser {
            id: UserId::new(),
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
    user_id: &UserId,
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
/// The server's sign-ins go through [`crate::logins::sign_in`], which throttles and bounds them.
pub async fn authenticate(store: &dyn Store, username: &str, password: &str) -> AppResult<User> {
    authenticate_check(store, username, password, None).await
}

/// [`authenticate`] with the hash run while holding `slot`.
pub async fn authenticate_in(
    store: &dyn Store,
    username: &str,
    password: &str,
    slot: OwnedSemaphorePermit,
) -> AppResult<User> {
    authenticate_check(store, username, password, Some(slot)).await
}

async fn authenticate_check(
    store: &dyn Store,
    username: &str,
    password: &str,
    slot: Option<OwnedSemaphorePermit>,
) -> AppResult<User> {
    let wrong = || AppError::Unauthorized("wrong username or password".into());
    match store.user_by_username(username).await? {
        Some((user, hash)) => {
            if !verify_password_in(&hash, password, slot).await {
                return Err(wrong());
            }
            if store.disabled_at(&user.id).await?.is_some() {
                return Err(AppError::Forbidden(
                    "this account is disabled: ask an administrator of this server".into(),
                ));
            }
            Ok(user)
        }
        None => {
            // Spend the same time as a real check, so response times do not reveal usernames.
            let _ = hash_password_in(password, slot).await;
            Err(wrong())
        }
    }
}

/// Checks a username and password for a sign-in from `client` (when known): throttled per
/// account and per client, hashed within the node's slots.
pub async fn sign_in(
    logins: &Logins,
    store: &dyn Store,
    username: &str,
    password: &str,
    client: Option<IpAddr>,
) -> AppResult<User> {
    let account = format!("user:{username}");
    let client = client.map(client_key);
    let throttled = |retry_after: Duration| AppError::Throttled {
        message: format!(
            "too many failed sign-ins for this account or from this address: try again in {} s",
            retry_after.as_secs_f64().ceil()
        ),
        retry_after,
    };
    let now = now_ms();
    logins.accounts.take(&account, now).map_err(throttled)?;
    if let Some(c) = &client {
        if let Err(wait) = logins.clients.take(c, now) {
            logins.accounts.refund(&account, now);
            return Err(throttled(wait));
        }
    }
    // Not a failed sign-in: the attempt is given back to both buckets.
    let refund = || {
        let now = now_ms();
        logins.accounts.refund(&account, now);
        if let Some(c) = &client {
            logins.clients.refund(c, now);
        }
    };
    let slot = match logins.hashing.slot().await {
        Ok(slot) => slot,
        Err(busy) => {
            refund();
            return Err(busy);
        }
    };
    match authenticate_in(store, username, password, slot).await {
        Ok(user) => {
            refund();
            logins.accounts.forgive(&account);
            Ok(user)
        }
        Err(e @ AppError::Unauthorized(_)) => Err(e),
        Err(other) => {
            refund();
            Err(other)
        }
    }
}

/// Whether `POST /v1/users` would make an account now: registration is open, or the server
/// has no user yet (its first becomes the administrator).
pub async fn registration_open(app: &App) -> AppResult<bool> {
    Ok(crate::settings::registration(app).await?.open || app.store.user_count().await? == 0)
}

/// Registers an account through the server (its hashing slots), when registration is open or
/// the server has no user yet.
pub async fn register(app: &App, username: &str, password: &str) -> AppResult<User> {
    if !registration_open(app).await? {
        return Err(AppError::Forbidden(
            "registration is closed on this server: ask an administrator to run `medley user add`"
                .into(),
        ));
    }
    create_user_in(
        app.store.as_ref(),
        &app.bus,
        username,
        password,
        Some(&app.logins.hashing),
    )
    .await
}

/// A session a sign-in opened.
pub struct Session {
    pub user: User,
    /// The bearer token (only its hash is stored).
    pub token: String,
    /// How long the token lives.
    pub ttl: Duration,
    /// The user's follower count, which a client shows at once.
    pub followers: i64,
}

/// Signs in with a username and password from `client` (throttled, see [`sign_in`]) and opens a
/// session of the configured length; `label` names where (`web` for a browser's).
pub async fn open_session(
    app: &App,
    username: &str,
    password: &str,
    client: Option<IpAddr>,
    label: Option<String>,
) -> AppResult<Session> {
    let store = app.store.as_ref();
    let user = sign_in(&app.logins, store, username, password, client).await?;
    let ttl = app.config.session_ttl;
    let token = issue_token(store, &user.id, "session", label, Some(ttl)).await?;
    let followers = store.follower_count(&user.id).await?;
    Ok(Session {
        user,
        token,
        ttl,
        followers,
    })
}

/// What the signed-in user sees of their own account beyond it: their follower count, and
/// whether they have a password to sign in with.
pub async fn own_profile(app: &App, user: &User) -> AppResult<(i64, bool)> {
    let followers = app.store.follower_count(&user.id).await?;
    let has_password = user_has_password(app.store.as_ref(), user).await?;
    Ok((followers, has_password))
}

/// A user's public profile: the user and their follower count.
pub async fn profile(app: &App, id: &UserId) -> AppResult<(User, i64)> {
    let user = app
        .store
        .user(id)
        .await?
        .ok_or_else(|| AppError::not_found(&format!("user `{id}`")))?;
    let followers = app.store.follower_count(id).await?;
    Ok((user, followers))
}

/// Sets a new password and revokes every other token of the user (sessions elsewhere end).
pub async fn set_password(
    store: &dyn Store,
    user_id: &UserId,
    password: &str,
    keep_token: Option<&str>,
) -> AppResult<()> {
    validate_password(password)?;
    let hash = hash_password(password).await?;
    store.set_password_hash(user_id, &hash).await?;
    store.revoke_user_tokens(user_id, keep_token).await?;
    Ok(())
}

/// Changes `user`'s password after checking the current one (a sign-in, throttled like any
/// other): every other session of the user ends at once on this node, and on the others
/// through the bus and the store's revocation counter (see [`watch_sessions`]). A wrong
/// current password is `Forbidden`, not `Unauthorized`: the request itself is signed in, and
/// a client that signs out on a 401 (the web app) must not for a typo.
pub async fn change_password(
    app: &App,
    user: &User,
    current: &str,
    new: &str,
    keep_token: &str,
    client: Option<IpAddr>,
) -> AppResult<()> {
    validate_password(new)?;
    sign_in(
        &app.logins,
        app.store.as_ref(),
        &user.username,
        current,
        client,
    )
    .await
    .map_err(|e| match e {
        AppError::Unauthorized(_) => {
            AppError::Forbidden("`current_password` is wrong: the password was not changed".into())
        }
        other => other,
    })?;
    let slot = app.logins.hashing.slot().await?;
    let hash = hash_password_in(new, Some(slot)).await?;
    app.store.set_password_hash(&user.id, &hash).await?;
    end_sessions(app, &user.id, Some(keep_token)).await
}

/// Revokes `user_id`'s tokens but `keep`, and makes every node forget them at once.
pub async fn end_sessions(app: &App, user_id: &UserId, keep: Option<&str>) -> AppResult<()> {
    app.store.revoke_user_tokens(user_id, keep).await?;
    app.caches.forget_tokens();
    app.bus.publish(Event::SessionsEnded {
        user_id: user_id.to_owned(),
    });
    Ok(())
}

/// Revokes one token (a logout).
pub async fn log_out(app: &App, user_id: &UserId, token_hash: &str) -> AppResult<()> {
    app.store.revoke_token(token_hash).await?;
    app.caches.forget_tokens();
    app.bus.publish(Event::SessionsEnded {
        user_id: user_id.to_owned(),
    });
    Ok(())
}

/// How often a node checks the store's revocation counter.
pub const REVOCATION_CHECK: Duration = Duration::from_secs(1);

/// Until `stop` fires: drops this node's cached tokens when another node says sessions ended
/// (the bus) or when the store's revocation counter moved (a revocation by another process
/// that shares the database, such as `medley user passwd`), checked every
/// [`REVOCATION_CHECK`].
pub async fn watch_sessions(app: App, stop: tokio_util::sync::CancellationToken) {
    let mut events = app.bus.subscribe();
    let mut seen = app.store.auth_epoch().await.ok();
    let mut tick = tokio::time::interval(REVOCATION_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            event = events.next() => match event.as_deref() {
                Some(Event::SessionsEnded { .. }) => app.caches.forget_tokens(),
                Some(_) => {}
                None => return,
            },
            _ = tick.tick() => match app.store.auth_epoch().await {
                Ok(epoch) if Some(epoch) != seen => {
                    if seen.is_some() {
                        app.caches.forget_tokens();
                    }
                    seen = Some(epoch);
                }
                Ok(_) => {}
                Err(e) => {
                    // Not knowing is not knowing it did not move.
                    app.caches.forget_tokens();
                    tracing::warn!(error = %Causes(&e), "checking for revoked tokens");
                }
            },
        }
    }
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
        // Stored hashes are lowercase hex of SHA-256, as every deployment's tokens were hashed.
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
