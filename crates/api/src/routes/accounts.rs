//! Registration, sessions, the current user and profiles (following is in `following`).

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use axum::routing::{get, post, put};
use axum::Router;
use medley_domain::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::cookie;
use crate::error::ApiResult;
use crate::extract::{Auth, ClientAddr, Json, Path};
use crate::objects::{PrivateUser, PublicUser};
use crate::state::AppState;
use medley_app::{account_deletion, accounts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/users", post(register))
        .route("/v1/users/{id}", get(profile))
        .route("/v1/sessions", post(login).delete(logout))
        .route("/v1/sessions/current", axum::routing::delete(logout))
        .route("/v1/me", get(me).delete(delete_me))
        .route("/v1/me/password", put(change_password))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Session {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub user: PrivateUser,
}

pub(crate) fn private(
    state: &AppState,
    user: &medley_domain::user::User,
    followers: i64,
    has_password: bool,
) -> PrivateUser {
    PrivateUser {
        public: state.render.user(user, followers),
        account_id: user.id.to_string(),
        product: "medley",
        is_admin: user.is_admin,
        has_password,
    }
}

/// Register an account. The first account becomes the administrator.
#[utoipa::path(post, path = "/v1/users", tag = "accounts", request_body = Credentials,
    responses((status = 201, body = PrivateUser), (status = 400), (status = 403, description = "registration is closed"), (status = 409, description = "username taken")))]
pub async fn register(
    State(state): State<AppState>,
    Json(body): Json<Credentials>,
) -> ApiResult<(StatusCode, axum::Json<PrivateUser>)> {
    let user = accounts::register(&state.app, &body.username, &body.password).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(private(&state, &user, 0, true)),
    ))
}

/// Log in: exchange a username and password for a bearer token.
#[utoipa::path(post, path = "/v1/sessions", tag = "accounts", request_body = Credentials,
    responses((status = 201, body = Session), (status = 401, description = "wrong username or password"),
        (status = 429, description = "too many failed sign-ins for the account or from the address: see `Retry-After`"),
        (status = 503, description = "too many passwords being checked at once: see `Retry-After`")))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(body): Json<Credentials>,
) -> ApiResult<(StatusCode, axum::Json<Session>)> {
    let session =
        accounts::open_session(&state.app, &body.username, &body.password, client, None).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Session {
            access_token: session.token,
            token_type: "Bearer",
            expires_in: session.ttl.as_secs(),
            user: private(&state, &session.user, session.followers, true),
        }),
    ))
}

/// Log out: revoke the token this request carries.
#[utoipa::path(delete, path = "/v1/sessions", tag = "accounts", responses((status = 204), (status = 401)), security(("bearer" = [])))]
pub async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    accounts::log_out(&state.app, &auth.user.id, &auth.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The current user's profile (Spotify's `GET /me`).
#[utoipa::path(get, path = "/v1/me", tag = "accounts", responses((status = 200, body = PrivateUser), (status = 401)), security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<PrivateUser>> {
    let (followers, has_password) = accounts::own_profile(&state.app, &auth.user).await?;
    Ok(axum::Json(private(
        &state,
        &auth.user,
        followers,
        has_password,
    )))
}

/// How the user confirms deleting their account: exactly one of the two.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountDeletion {
    /// The current password (accounts that have one: `has_password` in `GET /v1/me`).
    pub password: Option<String>,
    /// The account's username, typed out (accounts without a password, which sign in with
    /// Spotify).
    pub username: Option<String>,
}

/// Delete the current user's account and everything of it (docs/API.md lists what goes).
/// Confirmed with the current password, or, for an account that has none, the username.
#[utoipa::path(delete, path = "/v1/me", tag = "accounts", request_body = AccountDeletion,
    responses((status = 204, description = "deleted; a browser session's cookie is cleared"),
        (status = 400, description = "no confirmation, or the wrong kind for this account"),
        (status = 401),
        (status = 403, description = "wrong password, or not this account's username"),
        (status = 409, description = "the last administrator who can sign in"),
        (status = 429, description = "too many failed sign-ins: see `Retry-After`"),
        (status = 503, description = "too many passwords being checked at once: see `Retry-After`")),
    security(("bearer" = [])))]
pub async fn delete_me(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    auth: Auth,
    Json(body): Json<AccountDeletion>,
) -> ApiResult<impl IntoResponse> {
    account_deletion::delete_own(
        &state.app,
        &auth.user,
        account_deletion::Confirmation {
            password: body.password,
            username: body.username,
        },
        client,
    )
    .await?;
    // The browser's session went with the account: its cookie goes too.
    let clear =
        cookie::session_in(&headers).map(|_| (SET_COOKIE, cookie::clear(state.secure_cookies())));
    Ok((StatusCode::NO_CONTENT, AppendHeaders(clear)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change the password. Every other session of the user ends.
#[utoipa::path(put, path = "/v1/me/password", tag = "accounts", request_body = PasswordChange,
    responses((status = 204), (status = 400), (status = 401),
        (status = 403, description = "`current_password` is wrong"), (status = 429), (status = 503)),
    security(("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    auth: Auth,
    Json(body): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    accounts::change_password(
        &state.app,
        &auth.user,
        &body.current_password,
        &body.new_password,
        &auth.token_hash,
        client,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's public profile, with their follower count.
#[utoipa::path(get, path = "/v1/users/{id}", params(("id" = String, Path)), tag = "accounts", responses((status = 200, body = PublicUser), (status = 404)))]
pub async fn profile(
    State(state): State<AppState>,
    Path(id): Path<UserId>,
) -> ApiResult<axum::Json<PublicUser>> {
    let (user, followers) = accounts::profile(&state.app, &id).await?;
    Ok(axum::Json(state.render.user(&user, followers)))
}
