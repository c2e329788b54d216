//! Browser sessions for the web app: sign in to a cookie, read the session back, sign out.
//! The cookie and CSRF rules are in [`crate::cookie`].

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{AppendHeaders, IntoResponse};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use utoipa::ToSchema;

use super::accounts::{private, Credentials};
use crate::cookie;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, ClientAddr, Json};
use crate::objects::PrivateUser;
use crate::state::AppState;
use medley_app::accounts;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/web/session",
            post(sign_in).get(current).delete(sign_out),
        )
        .route("/v1/web/config", get(config))
}

/// What the sign-in and registration pages offer on this server.
#[derive(Serialize, ToSchema)]
pub struct WebConfig {
    /// Whether `POST /v1/users` would create an account now (registration is open, or the
    /// server has no user yet).
    pub registration_open: bool,
    /// Whether Sign in with Spotify is configured (`POST /v1/sessions/spotify`).
    pub spotify_sign_in: bool,
}

/// The ways in this server offers, for the sign-in and registration pages. Needs no session.
#[utoipa::path(get, path = "/v1/web/config", tag = "accounts",
    responses((status = 200, body = WebConfig)))]
pub async fn config(State(state): State<AppState>) -> ApiResult<axum::Json<WebConfig>> {
    let registration_open = accounts::registration_open(&state.app).await?;
    Ok(axum::Json(WebConfig {
        registration_open,
        spotify_sign_in: state.app.spotify().is_ok(),
    }))
}

/// A browser session as the web app sees it: the token itself stays in the HttpOnly cookie.
#[derive(Serialize, ToSchema)]
pub struct WebSession {
    /// Send as `X-CSRF-Token` on every state-changing request made with the cookie.
    pub csrf_token: String,
    pub user: PrivateUser,
}

/// Sign in a browser: sets the HttpOnly session cookie and answers its CSRF token.
#[utoipa::path(post, path = "/v1/web/session", tag = "accounts", request_body = Credentials,
    responses((status = 201, body = WebSession, description = "`Set-Cookie: medley_session=…; HttpOnly; SameSite=Strict`"),
        (status = 401, description = "wrong username or password"),
        (status = 429, description = "too many failed sign-ins: see `Retry-After`"),
        (status = 503, description = "too many passwords being checked at once: see `Retry-After`")))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(body): Json<Credentials>,
) -> ApiResult<impl IntoResponse> {
    let web = Some("web".to_owned());
    let session =
        accounts::open_session(&state.app, &body.username, &body.password, client, web).await?;
    let (token, ttl) = (session.token, session.ttl);
    let session = WebSession {
        csrf_token: cookie::csrf_for(&token),
        user: private(&state, &session.user, session.followers, true),
    };
    let set = cookie::set(&token, ttl.as_secs(), state.secure_cookies());
    Ok((
        StatusCode::CREATED,
        AppendHeaders([(SET_COOKIE, set)]),
        axum::Json(session),
    ))
}

/// The browser's session, from its cookie: who is signed in and the CSRF token (so a reloaded
/// page can go on). 401 without a valid cookie.
#[utoipa::path(get, path = "/v1/web/session", tag = "accounts",
    responses((status = 200, body = WebSession), (status = 401)))]
pub async fn current(State(state): State<AppState>, parts: Parts) -> ApiResult<impl IntoResponse> {
    let Some(token) = cookie::session(&parts) else {
        return Err(ApiError::Unauthorized(
            "this browser is not signed in: POST /v1/web/session signs in".into(),
        ));
    };
    let auth = cookie_auth(&state, parts).await?;
    let (followers, has_password) = accounts::own_profile(&state.app, &auth.user).await?;
    Ok(axum::Json(WebSession {
        csrf_token: cookie::csrf_for(&token),
        user: private(&state, &auth.user, followers, has_password),
    }))
}

async fn cookie_auth(state: &AppState, mut parts: Parts) -> ApiResult<Auth> {
    // Only the cookie counts here: a Bearer token has no browser session to describe.
    parts.headers.remove(axum::http::header::AUTHORIZATION);
    <Auth as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, state).await
}

/// Sign out: revokes the session's token and clears the cookie. Needs the CSRF token.
#[utoipa::path(delete, path = "/v1/web/session", tag = "accounts",
    responses((status = 204), (status = 401), (status = 403, description = "no or wrong `X-CSRF-Token`")))]
pub async fn sign_out(State(state): State<AppState>, parts: Parts) -> ApiResult<impl IntoResponse> {
    let auth = cookie_auth(&state, parts).await?;
    accounts::log_out(&state.app, &auth.user.id, &auth.token_hash).await?;
    let clear = cookie::clear(state.secure_cookies());
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, clear)])))
}
