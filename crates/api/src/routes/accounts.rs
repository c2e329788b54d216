//! Registration, sessions, the current user and profiles (following is in `following`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, ClientAddr, Json, Path};
use crate::objects::{PrivateUser, PublicUser};
use crate::state::AppState;
use medley_app::accounts;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/users", post(register))
        .route("/v1/users/{id}", get(profile))
        .route("/v1/sessions", post(login).delete(logout))
        .route("/v1/sessions/current", axum::routing::delete(logout))
        .route("/v1/me", get(me))
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
) -> PrivateUser {
    PrivateUser {
        public: state.render.user(user, followers),
        account_id: user.id.clone(),
        product: "medley",
        is_admin: user.is_admin,
    }
}

/// Register an account. The first account becomes the administrator.
#[utoipa::path(post, path = "/v1/users", tag = "accounts", request_body = Credentials,
    responses((status = 201, body = PrivateUser), (status = 400), (status = 403, description = "registration is closed"), (status = 409, description = "username taken")))]
pub async fn register(
    State(state): State<AppState>,
    Json(body): Json<Credentials>,
) -> ApiResult<(StatusCode, axum::Json<PrivateUser>)> {
    if !state.config.registration_open && state.app.store.user_count().await? > 0 {
        return Err(ApiError::Forbidden(
            "registration is closed on this server: ask an administrator to run `medley user add`"
                .into(),
        ));
    }
    let user = accounts::create_user_in(
        state.app.store.as_ref(),
        &state.app.bus,
        &body.username,
        &body.password,
        Some(&state.app.logins.hashing),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(private(&state, &user, 0))))
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
    let user = accounts::sign_in(
        &state.app.logins,
        state.app.store.as_ref(),
        &body.username,
        &body.password,
        client,
    )
    .await?;
    let ttl = state.config.session_ttl;
    let token = accounts::issue_token(
        state.app.store.as_ref(),
        &user.id,
        "session",
        None,
        Some(ttl),
    )
    .await?;
    let followers = state.app.store.follower_count(&user.id).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Session {
            access_token: token,
            token_type: "Bearer",
            expires_in: ttl.as_secs(),
            user: private(&state, &user, followers),
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
    let followers = state.app.store.follower_count(&auth.user.id).await?;
    Ok(axum::Json(private(&state, &auth.user, followers)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change the password. Every other session of the user ends.
#[utoipa::path(put, path = "/v1/me/password", tag = "accounts", request_body = PasswordChange,
    responses((status = 204), (status = 400), (status = 401), (status = 429), (status = 503)), security(("bearer" = [])))]
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
#[utoipa::path(get, path = "/v1/users/{id}", tag = "accounts", responses((status = 200, body = PublicUser), (status = 404)))]
pub async fn profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<PublicUser>> {
    let user = state
        .app
        .store
        .user(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("user `{id}`")))?;
    let followers = state.app.store.follower_count(&id).await?;
    Ok(axum::Json(state.render.user(&user, followers)))
}
