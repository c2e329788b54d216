//! What a user does with Spotify through a front end: linking accounts (and unlinking them),
//! seeing what they cost, and signing in with Spotify. The OAuth steps themselves are
//! [`Spotify`]'s; these add the server's storage and rules.

use std::time::Duration;

use medley_domain::user::User;
use medley_store::PendingSignIn;

use super::sign_in::{Returned, SignInRules, SignInStart, SignedIn};
use super::{AppView, ConnectionView};
use crate::accounts::{issue_token, registration_open};
use crate::error::{AppError, AppResult};
use crate::App;

/// Starts linking a Spotify account to `user`: the URL to send the browser to.
pub async fn begin(app: &App, user: &User) -> AppResult<String> {
    app.spotify()?
        .begin(app.store.as_ref(), &user.id, None)
        .await
}

/// The sign-in with Spotify `state` belongs to, if it is one (the callback is shared with
/// linking), spent.
pub async fn take_sign_in(app: &App, state: &str) -> AppResult<Option<PendingSignIn>> {
    app.spotify()?.take_sign_in(app.store.as_ref(), state).await
}

/// Spends a linking `state` the user declined, so it cannot be used later.
pub async fn abandon(app: &App, state: &str) -> AppResult<()> {
    app.spotify()?.abandon(app.store.as_ref(), state).await
}

/// Finishes linking when the browser comes back with `code`: the new connection as its owner
/// sees it, and the owner (none if the account went meanwhile).
pub async fn complete(
    app: &App,
    state: &str,
    code: &str,
) -> AppResult<(ConnectionView, Option<User>)> {
    let spotify = app.spotify()?;
    let store = app.store.as_ref();
    let connection = spotify.complete(store, state, code).await?;
    let (views, _) = spotify.views(store, &connection.user_id).await?;
    let view = views
        .into_iter()
        .find(|v| v.connection.id == connection.id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a new connection vanished")))?;
    let owner = store.user(&connection.user_id).await?;
    Ok((view, owner))
}

/// `user`'s linked accounts with their state and what they cost, and the app's totals.
pub async fn list(app: &App, user: &User) -> AppResult<(Vec<ConnectionView>, AppView)> {
    app.spotify()?.views(app.store.as_ref(), &user.id).await
}

/// Unlinks one of `user`'s accounts: its tokens are deleted.
pub async fn unlink(app: &App, user: &User, id: &str) -> AppResult<()> {
    if !app.store.delete_connection(&user.id, id).await? {
        return Err(AppError::not_found("connection"));
    }
    tracing::info!(user = %user.id, connection = %id, "Spotify account disconnected");
    Ok(())
}

/// Starts a sign-in with Spotify: the authorize URL, and the secret its browser must bring
/// back.
pub async fn begin_sign_in(app: &App) -> AppResult<SignInStart> {
    app.spotify()?.begin_sign_in(app.store.as_ref()).await
}

/// A sign-in with Spotify finished: who, and the session it opened.
pub struct SpotifySignIn {
    pub signed: SignedIn,
    /// The bearer token of the new session.
    pub token: String,
    pub ttl: Duration,
}

/// Finishes a sign-in taken with [`take_sign_in`]: finds or makes the Medley account (a new
/// one only while registration is open, or the server has none), and opens a session of the
/// configured length (`label` names where: `web` for a browser's).
pub async fn complete_sign_in(
    app: &App,
    pending: &PendingSignIn,
    returned: Returned<'_>,
    label: Option<String>,
) -> AppResult<SpotifySignIn> {
    let spotify = app.spotify()?;
    let rules = SignInRules {
        may_register: registration_open(app).await?,
    };
    let store = app.store.as_ref();
    let signed = spotify
        .complete_sign_in(store, &app.bus, pending, returned, &rules)
        .await?;
    let ttl = app.config.session_ttl;
    let token = issue_token(store, &signed.user.id, "session", label, Some(ttl)).await?;
    Ok(SpotifySignIn { signed, token, ttl })
}
