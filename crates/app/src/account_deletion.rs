//! Deleting an account: by its user (who confirms with their password, or, for an account
//! that signs in with Spotify and has none, by typing their username), by an administrator,
//! or from the command line.
//!
//! What goes is listed in `medley_store::account_deletion`: it is one transaction, so a
//! failure leaves the account whole. Before it, the user's live shows end through their
//! actors (everyone in them gets `show.ended` and close 4010, as when the creator ends a
//! show); the checks that can refuse the deletion (the last administrator) are made before
//! that, and again inside the transaction. After the commit, this node and, through the bus,
//! every other one drop what they kept in memory of the user (cached tokens, the listening
//! history, the current playback) and of their playlists; the user leaves the shows of other
//! people they were in (their connection closes with 4001); the bytes of audio only they had
//! uploaded, and their unfinished imports' uploads, are deleted; the worker wakes to resync
//! the other users' composites that read one of the deleted playlists (each reports that
//! source unhealthy and keeps what it gave, as for any deleted playlist).

use std::net::IpAddr;

use medley_domain::causes::Causes;
use medley_domain::user::User;
use medley_domain::UserId;
use medley_events::Event;
use medley_store::account_deletion::LAST_ADMIN;
use medley_store::{DeletedAccount, ShowState};

use crate::accounts::{has_password, sign_in};
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::App;

/// How a user confirms deleting their own account: their current password, or, when the
/// account has none (it signs in with Spotify), their username typed out.
#[derive(Clone, Debug, Default)]
pub struct Confirmation {
    pub password: Option<String>,
    pub username: Option<String>,
}

/// Deletes `user`'s own account once they confirmed it. A wrong password counts as a failed
/// sign-in (and is throttled like one); it and a username that is not theirs are `Forbidden`.
pub async fn delete_own(
    app: &App,
    user: &User,
    confirmation: Confirmation,
    client: Option<IpAddr>,
) -> AppResult<()> {
    let (_, hash) = app
        .store
        .user_by_username(&user.username)
        .await?
        .filter(|(found, _)| found.id == user.id)
        .ok_or_else(|| AppError::NotFound("this account no longer exists".into()))?;
    match (
        has_password(&hash),
        confirmation.password,
        confirmation.username,
    ) {
        (true, Some(password), None) => {
            sign_in(
                &app.logins,
                app.store.as_ref(),
                &user.username,
                &password,
                client,
            )
            .await
            .map_err(|e| match e {
                AppError::Unauthorized(_) => {
                    AppError::Forbidden("`password` is wrong: the account was not deleted".into())
                }
                other => other,
            })?;
        }
        (true, _, _) => {
            return Err(AppError::Invalid(
                "confirm with your current password: send {\"password\": \"…\"} (and nothing \
                 else)"
                    .into(),
            ))
        }
        (false, None, Some(typed)) => {
            if typed != user.username {
                return Err(AppError::Forbidden(format!(
                    "`username` must be this account's username, `{}`, typed exactly: the \
                     account was not deleted",
                    user.username
                )));
            }
        }
        (false, _, _) => {
            return Err(AppError::Invalid(format!(
                "this account has no password (it signs in with Spotify): confirm by sending \
                 your username, {{\"username\": \"{}\"}} (and nothing else)",
                user.username
            )))
        }
    }
    delete(app, &user.id).await.map(|_| ())
}

/// Deletes another user's account (administrators only). An administrator deletes their own
/// account as any user does, with `DELETE /v1/me` and their password.
pub async fn delete_by_admin(app: &App, actor: &User, id: &UserId) -> AppResult<()> {
    crate::admin::require_admin(actor)?;
    if *id == actor.id {
        return Err(AppError::Conflict(
            "this is your own account: delete it from your account page (DELETE /v1/me), \
             which asks for your password"
                .into(),
        ));
    }
    delete(app, id).await.map(|_| ())
}

/// Deletes account `user_id` and everything of it; answers who it was. No confirmation is
/// asked here: the callers ask for it (or are the server's operator, on the command line).
pub async fn delete(app: &App, user_id: &UserId) -> AppResult<User> {
    let missing = || AppError::NotFound(format!("there is no user `{user_id}`"));
    // Refuse before ending anything: ending a show cannot be undone.
    let accounts = app.store.users_with_state().await?;
    let (user, disabled_at) = accounts
        .iter()
        .find(|(u, _)| u.id == *user_id)
        .ok_or_else(missing)?;
    let admins_left = accounts
        .iter()
        .filter(|(u, d)| u.is_admin && d.is_none() && u.id != *user_id)
        .count();
    if user.is_admin && disabled_at.is_none() && admins_left == 0 {
        return Err(AppError::Conflict(LAST_ADMIN.into()));
    }
    end_live_shows(app, user).await?;
    let (user, deleted) = app
        .store
        .delete_user(user_id, now_ms())
        .await
        .map_err(|e| match e {
            medley_store::StoreError::NotFound => missing(),
            other => other.into(),
        })?;
    finish(app, &user, deleted).await;
    tracing::info!(user = %user.id, "account deleted");
    Ok(user)
}

/// Ends the user's live shows, as their creator would: listeners get `show.ended` and 4010.
async fn end_live_shows(app: &App, user: &User) -> AppResult<()> {
    let (shows, _) = app
        .store
        .visible_shows(&user.id, Some(ShowState::Live), i64::MAX, 0)
        .await?;
    for show in shows.iter().filter(|s| s.creator_id == user.id) {
        app.shows.end(app, show).await?;
    }
    Ok(())
}

/// What is left to do once the account is gone from the database. Nothing here can fail
/// the deletion: it is committed.
async fn finish(app: &App, user: &User, deleted: DeletedAccount) {
    // A show started between ending the user's shows and the transaction.
    for id in &deleted.live_shows {
        app.shows.end_if_running(id).await;
    }
    app.caches.forget_tokens();
    // Its uploads went with it.
    app.caches.forget_audio();
    for id in &deleted.playlists {
        app.caches.forget_playlist(id);
    }
    forget_in_memory(app, &user.id);
    app.shows.expel(&user.id).await;
    for key in &deleted.unused_objects {
        if let Err(e) = app.audio.storage.delete(key).await {
            tracing::warn!(object = %key, error = %Causes(&e), "could not delete the audio of a deleted account's upload");
        }
    }
    for id in &deleted.unfinished_imports {
        crate::imports::discard_upload(app, id).await;
    }
    app.wake_worker.notify_one();
    app.bus.publish(Event::UserDeleted {
        user_id: user.id.clone(),
        playlists: deleted.playlists,
    });
}

/// Drops what this node keeps in memory of a deleted user (tokens are dropped by the caller,
/// or by the cache event another node sent).
pub(crate) fn forget_in_memory(app: &App, user_id: &UserId) {
    app.histories.forget(user_id);
    app.playbacks.forget(user_id);
}
