//! The current user's API tokens: `GET|POST /v1/me/tokens`, `DELETE /v1/me/tokens/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::Router;
use medley_app::tokens;
use medley_store::ApiToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path};
use crate::objects::timestamp;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/me/tokens", get(list).post(create))
        .route("/v1/me/tokens/{id}", delete(revoke))
}

/// An API token as its owner sees it: never its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenObject {
    pub id: String,
    pub name: Option<String>,
    pub created_at: String,
    /// When it last authenticated a request (to within about a minute); null if never.
    pub last_used_at: Option<String>,
    /// Null: it does not expire.
    pub expires_at: Option<String>,
}

impl From<ApiToken> for TokenObject {
    fn from(t: ApiToken) -> TokenObject {
        TokenObject {
            id: t.id.to_string(),
            name: t.label,
            created_at: timestamp(t.created_at_ms),
            last_used_at: t.last_used_at_ms.map(timestamp),
            expires_at: t.expires_at_ms.map(timestamp),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenObject>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// What the token is for (1 to 100 characters), such as the script that uses it.
    pub name: String,
}

/// A token just made: `token` is its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub details: TokenObject,
    /// Send it as `Authorization: Bearer <token>`. It is not stored and cannot be shown again.
    pub token: String,
}

/// Lists the current user's API tokens (oldest first), without their secrets.
#[utoipa::path(get, path = "/v1/me/tokens", tag = "accounts",
    responses((status = 200, body = TokenList), (status = 401)), security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<TokenList>> {
    let items = tokens::list(&state.app, &auth.user.id).await?;
    Ok(axum::Json(TokenList {
        items: items.into_iter().map(TokenObject::from).collect(),
    }))
}

/// Makes a named API token that does not expire. Its secret is in this answer only.
#[utoipa::path(post, path = "/v1/me/tokens", tag = "accounts", request_body = NewTokenBody,
    responses((status = 201, body = CreatedToken), (status = 400), (status = 401),
        (status = 409, description = "the account holds the most tokens it may")),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewTokenBody>,
) -> ApiResult<(StatusCode, axum::Json<CreatedToken>)> {
    let made = tokens::create(&state.app, &auth.user.id, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedToken {
            details: made.token.into(),
            token: made.secret,
        }),
    ))
}

/// Revokes one of the current user's API tokens: requests with it are refused from now on.
#[utoipa::path(delete, path = "/v1/me/tokens/{id}", tag = "accounts",
    responses((status = 204), (status = 401), (status = 404)), security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    tokens::revoke(&state.app, &auth.user.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
