//! How a user lets players in, through Medley's own API: OpenSubsonic API keys
//! (`/v1/me/subsonic/api-keys`: created, shown once, listed, revoked) and the optional
//! Subsonic password for players that only know token authentication
//! (`/v1/me/subsonic/password`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::Router;
use medley_app::subsonic::auth;
use medley_store::SubsonicKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path};
use crate::objects::timestamp;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/me/subsonic/api-keys", get(list_keys).post(create_key))
        .route("/v1/me/subsonic/api-keys/{id}", delete(revoke_key))
        .route(
            "/v1/me/subsonic/password",
            get(password_status)
                .put(set_password)
                .delete(clear_password),
        )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// What the key is for (the player's name), 1 to 100 characters.
    pub name: String,
}

/// An API key as listed: its secret is never shown again.
#[derive(Serialize, ToSchema)]
pub struct KeyObject {
    pub id: String,
    pub name: String,
    pub created_at: String,
    /// When a player last signed in with it (to the minute); null if never.
    pub last_used_at: Option<String>,
}

/// A new key, with its secret: shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedKey {
    pub id: String,
    pub name: String,
    pub created_at: String,
    /// Give it to the player as its API key (`apiKey=`). Medley keeps only its hash.
    pub key: String,
}

#[derive(Serialize, ToSchema)]
pub struct KeyList {
    pub items: Vec<KeyObject>,
}

fn listed(k: SubsonicKey) -> KeyObject {
    KeyObject {
        id: k.id,
        name: k.name,
        created_at: timestamp(k.created_at_ms),
        last_used_at: k.last_used_at_ms.map(timestamp),
    }
}

/// Create an API key for OpenSubsonic players (the `apiKey` parameter of `/rest`). The key is
/// in this answer only.
#[utoipa::path(post, path = "/v1/me/subsonic/api-keys", tag = "subsonic", request_body = NewKey,
    responses((status = 201, body = CreatedKey), (status = 400), (status = 409, description = "Too many keys")),
    security(("bearer" = [])))]
pub async fn create_key(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewKey>,
) -> ApiResult<(StatusCode, axum::Json<CreatedKey>)> {
    let (secret, key) = auth::create_key(&state.app, &auth.user, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedKey {
            id: key.id,
            name: key.name,
            created_at: timestamp(key.created_at_ms),
            key: secret,
        }),
    ))
}

/// The caller's API keys (without their secrets).
#[utoipa::path(get, path = "/v1/me/subsonic/api-keys", tag = "subsonic",
    responses((status = 200, body = KeyList)), security(("bearer" = [])))]
pub async fn list_keys(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<KeyList>> {
    let keys = auth::list_keys(&state.app, &auth.user).await?;
    Ok(axum::Json(KeyList {
        items: keys.into_iter().map(listed).collect(),
    }))
}

/// Revoke an API key: players using it are refused (error 44) from now on.
#[utoipa::path(delete, path = "/v1/me/subsonic/api-keys/{id}", tag = "subsonic",
    responses((status = 204), (status = 404)), security(("bearer" = [])))]
pub async fn revoke_key(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth::revoke_key(&state.app, &auth.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// 8 to 256 characters, different from the login password.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct PasswordStatus {
    /// Whether a Subsonic password is set (players may then sign in with `u` and `t`+`s` or
    /// `p`).
    pub set: bool,
}

/// Whether the caller has a Subsonic password.
#[utoipa::path(get, path = "/v1/me/subsonic/password", tag = "subsonic",
    responses((status = 200, body = PasswordStatus)), security(("bearer" = [])))]
pub async fn password_status(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<PasswordStatus>> {
    Ok(axum::Json(PasswordStatus {
        set: auth::has_password(&state.app, &auth.user).await?,
    }))
}

/// Set a Subsonic password, for players that sign in only with a username and password
/// (Subsonic's token authentication). It is kept sealed, apart from the login password, which
/// it must not equal.
#[utoipa::path(put, path = "/v1/me/subsonic/password", tag = "subsonic", request_body = NewPassword,
    responses((status = 204), (status = 400)), security(("bearer" = [])))]
pub async fn set_password(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewPassword>,
) -> ApiResult<StatusCode> {
    auth::set_password(&state.app, &auth.user, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove the Subsonic password: only API keys sign players in from then on.
#[utoipa::path(delete, path = "/v1/me/subsonic/password", tag = "subsonic",
    responses((status = 204)), security(("bearer" = [])))]
pub async fn clear_password(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    auth::clear_password(&state.app, &auth.user).await?;
    Ok(StatusCode::NO_CONTENT)
}
