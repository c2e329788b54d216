//! Sign in with Spotify: `POST /v1/sessions/spotify` answers the URL to send the browser to
//! and sets a short-lived cookie binding the sign-in to that browser; Spotify sends the
//! browser back to `GET /v1/connections/spotify/callback` (the one redirect URI registered
//! with Spotify, shared with linking), which hands a sign-in's `state` to [`finish`].

use axum::extract::State;
use axum::http::header::{self, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Serialize;
use utoipa::ToSchema;

use super::accounts::{private, Session};
use crate::cookie;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use medley_app::accounts;
use medley_app::spotify::links;
use medley_app::spotify::sign_in::Returned;
use medley_store::PendingSignIn;

/// The cookie holding the sign-in's browser secret, sent only to the callback.
pub const SIGN_IN_COOKIE: &str = "medley_spotify_sign_in";
const CALLBACK_PATH: &str = "/v1/connections/spotify/callback";

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/sessions/spotify", post(begin))
}

/// Where to send the browser to sign in with Spotify.
#[derive(Serialize, ToSchema)]
pub struct SignInObject {
    pub authorize_url: String,
}

/// A session from signing in with Spotify.
#[derive(Serialize, ToSchema)]
pub struct SpotifySession {
    #[serde(flatten)]
    pub session: Session,
    /// Whether the Medley account was made by this sign-in.
    pub created: bool,
}

/// The sign-in cookie: HttpOnly, sent only to the callback, and `SameSite=Lax`, since the
/// browser reaches the callback by a redirect from Spotify's site.
fn sign_in_cookie(value: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SIGN_IN_COOKIE}={value}; Path={CALLBACK_PATH}; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    )
}

/// The sign-in secret of the request's cookie, if any.
fn browser_secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SIGN_IN_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// Starts signing in with Spotify: open `authorize_url` in the same browser (it carries the
/// sign-in cookie this answer sets). Spotify sends it back to
/// `GET /v1/connections/spotify/callback`, which signs it in.
#[utoipa::path(post, path = "/v1/sessions/spotify", tag = "accounts",
    responses((status = 200, body = SignInObject,
        description = "`Set-Cookie: medley_spotify_sign_in=…; Path=/v1/connections/spotify/callback; HttpOnly; SameSite=Lax; Max-Age=600`"),
        (status = 503, description = "Spotify is not configured on this server")))]
pub async fn begin(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let start = links::begin_sign_in(&state.app).await?;
    let set = sign_in_cookie(&start.browser_secret, 600, state.secure_cookies());
    Ok((
        AppendHeaders([(SET_COOKIE, set)]),
        axum::Json(SignInObject {
            authorize_url: start.authorize_url,
        }),
    ))
}

/// The callback's answer for a sign-in: the session as JSON (`SpotifySession`), or, for a
/// browser (`Accept: text/html`), the web app's session cookie and a redirect to the app.
pub async fn finish(
    state: &AppState,
    pending: PendingSignIn,
    auth_state: &str,
    code: Option<String>,
    error: Option<String>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    state.app.spotify()?;
    if let Some(error) = error {
        return Err(ApiError::BadRequest(format!(
            "Spotify did not grant access ({error}); nobody was signed in"
        )));
    }
    let Some(code) = code.filter(|c| !c.is_empty()) else {
        return Err(ApiError::BadRequest(
            "the `code` parameter is missing".into(),
        ));
    };
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let secret = browser_secret(headers);
    let returned = Returned {
        state: auth_state,
        code: &code,
        browser_secret: secret.as_deref(),
    };
    let label = wants_html.then(|| "web".to_owned());
    let opened = links::complete_sign_in(&state.app, &pending, returned, label).await?;
    let (token, ttl) = (opened.token, opened.ttl);
    let done = sign_in_cookie("", 0, state.secure_cookies());
    let user = &opened.signed.user;
    if wants_html {
        let session = cookie::set(&token, ttl.as_secs(), state.secure_cookies());
        return Ok((
            StatusCode::SEE_OTHER,
            AppendHeaders([
                (SET_COOKIE, session),
                (SET_COOKIE, done),
                (header::LOCATION, "/".to_owned()),
            ]),
        )
            .into_response());
    }
    let (followers, has_password) = accounts::own_profile(&state.app, user).await?;
    Ok((
        StatusCode::CREATED,
        AppendHeaders([(SET_COOKIE, done)]),
        axum::Json(SpotifySession {
            session: Session {
                access_token: token,
                token_type: "Bearer",
                expires_in: ttl.as_secs(),
                user: private(state, user, followers, has_password),
            },
            created: opened.signed.created,
        }),
    )
        .into_response())
}
