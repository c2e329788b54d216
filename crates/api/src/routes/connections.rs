//! Linked accounts: `POST /v1/connections/spotify` starts linking a Spotify account, Spotify
//! sends the browser back to `GET /v1/connections/spotify/callback`, `GET /v1/connections`
//! shows each link's state and cost, `DELETE /v1/connections/{id}` unlinks and wipes tokens.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Path, Query};
use crate::objects::timestamp;
use crate::state::AppState;
use crate::text_enums::text;
use medley_app::spotify::{links, AppView, ConnectionState, ConnectionView};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/connections", get(list))
        .route("/v1/connections/spotify", post(begin))
        .route("/v1/connections/spotify/callback", get(callback))
        .route("/v1/connections/{id}", delete(remove))
}

/// Where to send the browser to link a Spotify account.
#[derive(Serialize, ToSchema)]
pub struct AuthorizeObject {
    pub authorize_url: String,
}

/// A linked account.
#[derive(Serialize, ToSchema)]
pub struct ConnectionObject {
    pub id: String,
    /// `spotify`.
    pub provider: &'static str,
    pub account: AccountObject,
    pub scopes: Vec<String>,
    /// `active`, `paused` (see `paused_until` and `reason`) or `reconnect` (the user must
    /// link the account again: `POST /v1/connections/spotify`).
    #[schema(schema_with = text::<ConnectionState>)]
    pub state: ConnectionState,
    pub paused_until: Option<String>,
    pub reason: Option<String>,
    /// Requests Medley sent to Spotify for this connection in the last 24 hours.
    pub requests_24h: i64,
    pub connected_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct AccountObject {
    pub id: String,
    pub uri: String,
    pub display_name: Option<String>,
}

/// The Spotify app all connections of this server share.
#[derive(Serialize, ToSchema)]
pub struct SpotifyAppObject {
    pub client_id: String,
    /// Requests of every user of the app in the last 24 hours.
    pub requests_24h: i64,
    pub daily_budget: Option<u64>,
    pub paused_until: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConnectionsObject {
    pub items: Vec<ConnectionObject>,
    pub app: SpotifyAppObject,
}

fn connection_object(v: ConnectionView) -> ConnectionObject {
    let c = v.connection;
    ConnectionObject {
        provider: "spotify",
        account: AccountObject {
            uri: format!("spotify:user:{}", c.spotify_user_id),
            id: c.spotify_user_id,
            display_name: c.display_name,
        },
        scopes: c.scopes,
        state: v.state,
        paused_until: v.paused_until_ms.map(timestamp),
        reason: v.reason,
        requests_24h: v.requests_24h,
        connected_at: timestamp(c.consented_at_ms),
        id: c.id,
    }
}

fn app_object(a: AppView) -> SpotifyAppObject {
    SpotifyAppObject {
        client_id: a.client_id,
        requests_24h: a.requests_24h,
        daily_budget: a.daily_budget,
        paused_until: a.paused_until_ms.map(timestamp),
    }
}

/// Starts linking a Spotify account: open `authorize_url` in a browser; Spotify sends it back
/// to this server's callback.
#[utoipa::path(post, path = "/v1/connections/spotify", tag = "connections",
    responses((status = 200, body = AuthorizeObject), (status = 503)),
    security(("bearer" = [])))]
pub async fn begin(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<AuthorizeObject>> {
    let authorize_url = links::begin(&state.app, &auth.user).await?;
    Ok(Json(AuthorizeObject { authorize_url }))
}

#[derive(Deserialize, IntoParams)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set by Spotify instead of `code` when the user declined.
    pub error: Option<String>,
}

/// Where Spotify sends the browser back, after linking an account or signing in with Spotify.
/// Linking answers an HTML page to browsers and the connection as JSON to everyone else;
/// signing in answers a `SpotifySession` as JSON, or to browsers sets the session cookie and
/// redirects (303) to the web app. An unknown, used or expired `state` is a 400.
#[utoipa::path(get, path = "/v1/connections/spotify/callback", tag = "connections",
    params(CallbackParams),
    responses((status = 200, body = ConnectionObject, description = "an account linked"),
        (status = 201, body = crate::routes::spotify_sign_in::SpotifySession, description = "signed in with Spotify"),
        (status = 303, description = "signed in with Spotify, in a browser: the session cookie set, on to the web app"),
        (status = 400, description = "`state` unknown, used or expired; a sign-in come back to another browser; access not granted"),
        (status = 403, description = "signing in: the account is disabled, or registration is closed for a new one"),
        (status = 409, description = "signing in: several Medley accounts linked this Spotify account")))]
pub async fn callback(
    State(state): State<AppState>,
    Query(p): Query<CallbackParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    state.app.spotify()?;
    let Some(auth_state) = p.state.filter(|s| !s.is_empty()) else {
        return Err(ApiError::BadRequest(
            "the `state` parameter is missing: open the authorize_url from POST /v1/connections/spotify".into(),
        ));
    };
    // A sign-in with Spotify comes back here too (one redirect URI for both).
    if let Some(pending) = links::take_sign_in(&state.app, &auth_state).await? {
        return super::spotify_sign_in::finish(
            &state,
            pending,
            &auth_state,
            p.code,
            p.error,
            &headers,
        )
        .await;
    }
    if let Some(error) = p.error {
        // Spend the authorization so it cannot be used later.
        links::abandon(&state.app, &auth_state).await?;
        return Err(ApiError::BadRequest(format!(
            "Spotify did not grant access ({error}); nothing was linked"
        )));
    }
    let Some(code) = p.code.filter(|c| !c.is_empty()) else {
        return Err(ApiError::BadRequest(
            "the `code` parameter is missing".into(),
        ));
    };
    let (view, owner) = links::complete(&state.app, &auth_state, &code).await?;
    let object = connection_object(view);
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html {
        let who = object
            .account
            .display_name
            .as_deref()
            .unwrap_or(&object.account.id);
        let medley_user = owner.map(|u| u.username).unwrap_or_default();
        let page = format!(
            "<!doctype html><meta charset=utf-8><title>Medley</title>\
             <p>The Spotify account <b>{}</b> is now linked to the Medley user <b>{}</b>. \
             If that is not you, disconnect it in Medley.</p>\
             <p><a href=\"/spotify\">Back to Medley</a></p>",
            html_escape(who),
            html_escape(&medley_user)
        );
        return Ok(Html(page).into_response());
    }
    Ok(Json(object).into_response())
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Your linked accounts: state, what each cost in the last 24 hours, and the app's totals.
#[utoipa::path(get, path = "/v1/connections", tag = "connections",
    responses((status = 200, body = ConnectionsObject), (status = 503)),
    security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<ConnectionsObject>> {
    let (views, app) = links::list(&state.app, &auth.user).await?;
    Ok(Json(ConnectionsObject {
        items: views.into_iter().map(connection_object).collect(),
        app: app_object(app),
    }))
}

/// Unlinks an account: its tokens are deleted.
#[utoipa::path(delete, path = "/v1/connections/{id}", tag = "connections",
    responses((status = 204), (status = 404)),
    security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    links::unlink(&state.app, &auth.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
