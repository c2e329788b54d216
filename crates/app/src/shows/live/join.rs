//! Joining a live show: the `hello` token's user, then the show's actor (one node) or this
//! node's relay of it (several nodes), which write the connection's first frames to its
//! outlet and answer with its number.

use std::sync::Arc;

use medley_domain::causes::Causes;
use medley_domain::user::User;
use medley_domain::ShowId;
use medley_live::{Close, Resume};
use medley_store::StoredShow;
use tokio::sync::oneshot;

use super::actor::Command;
use super::connection::{Connected, Via};
use super::links::Links;
use super::outlet::Outlet;
use super::relay::RelayCommand;
use super::ClusterLink;
use crate::accounts::hash_token;
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::App;

/// The user a `hello` token belongs to, if it is valid now (the same tokens as the REST API,
/// through the same cache).
pub async fn authenticate(app: &App, token: &str) -> AppResult<Option<User>> {
    let token_hash = hash_token(token);
    if let Some(user) = app.caches.token(&token_hash) {
        return Ok(Some(user));
    }
    let seen = app.caches.token_generation();
    let user = app.store.user_for_token(&token_hash, now_ms()).await?;
    if let Some(user) = &user {
        app.caches.remember_token(seen, token_hash, user.clone());
    }
    Ok(user)
}

/// Joins (or resumes) `user` in show `id` on `outlet`, to which the first frames (`welcome`,
/// or `resumed` and the missed events) and then the show's go; `base` is the server's public
/// URL, which the stream URLs in the user's frames start with. Refused with the close code to
/// send:
/// 4004 for a show that is unknown, invisible to the user or not started, 4010 once it
/// ended, 4012 for a banned user.
pub async fn connect(
    app: &App,
    id: &ShowId,
    user: &User,
    base: &str,
    resume: Option<Resume>,
    outlet: Arc<Outlet>,
) -> Result<Connected, Close> {
    let show = match crate::shows::visible(app, id, user).await {
        Ok(show) => show,
        Err(AppError::NotFound(_)) => return Err(Close::NotFound),
        Err(e) => {
            tracing::error!(error = %Causes(&e), show = %id, "loading a show for a connection failed");
            return Err(Close::Restarting);
        }
    };
    match show.state.as_str() {
        "live" => {}
        "ended" => return Err(Close::ShowEnded),
        _ => return Err(Close::NotFound),
    }
    if let Some(link) = &app.shows.cluster {
        return connect_through_relay(app, link, &show, user, base, resume, outlet).await;
    }
    let handle = match app.shows.handle(&app.store, &show).await {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %Causes(&e), show = %id, "starting a show's actor failed");
            return Err(Close::Restarting);
        }
    };
    let (reply, answer) = oneshot::channel();
    let command = Command::Connect {
        // The protocol crate names users by their text.
        user: user.id.to_string(),
        resume,
        outlet,
        links: Links::new(app.audio.clone(), base, &user.id),
        reply,
    };
    // An actor that stops without answering is ending its show, or stopping for a restart.
    let stopped = || {
        if app.shows.stop.is_cancelled() {
            Close::Restarting
        } else {
            Close::ShowEnded
        }
    };
    if handle.commands.send(command).await.is_err() {
        return Err(stopped());
    }
    match answer.await {
        Ok(Ok(conn)) => Ok(Connected::new(conn, Via::Actor(handle))),
        Ok(Err(close)) => Err(close),
        Err(_) => Err(stopped()),
    }
}

/// Several nodes: joins through this node's relay of the show, after taking the show over
/// if nobody runs it. Refused with 1012 when no owner answers in time (it may have just
/// died: the client comes back, and a node takes the show over once its lease ran out).
async fn connect_through_relay(
    app: &App,
    link: &Arc<ClusterLink>,
    show: &StoredShow,
    user: &User,
    base: &str,
    resume: Option<Resume>,
    outlet: Arc<Outlet>,
) -> Result<Connected, Close> {
    if let Err(e) = app.shows.owned(&app.store, show).await {
        tracing::error!(error = %Causes(&e), show = %show.id, "taking a live show over failed");
        return Err(Close::Restarting);
    }
    // A relay may go as this arrives (it had nobody for a while): then a new one is started.
    for _ in 0..2 {
        let relay = match app.shows.relay(link, &show.id).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %Causes(&e), show = %show.id, "starting a live show's relay failed");
                return Err(Close::Restarting);
            }
        };
        let (reply, answer) = oneshot::channel();
        let join = RelayCommand::Join {
            user: user.id.to_string(),
            resume: resume.clone(),
            outlet: outlet.clone(),
            links: Links::new(app.audio.clone(), base, &user.id),
            reply,
        };
        if relay.commands.send(join).await.is_err() {
            continue;
        }
        return match answer.await {
            Ok(Ok(conn)) => {
                let via = Via::Relay {
                    relay,
                    link: link.clone(),
                    inbox: link.inbox(&show.id).into(),
                };
                Ok(Connected::new(conn, via))
            }
            Ok(Err(close)) => Err(close),
            Err(_) => Err(Close::Restarting),
        };
    }
    Err(Close::Restarting)
}
