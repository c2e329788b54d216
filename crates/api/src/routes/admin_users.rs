//! Administration of accounts: `GET /v1/admin/users`, `PATCH|DELETE /v1/admin/users/{id}`, and the
//! server's settings an administrator reads and changes (`GET|PATCH /v1/admin/settings`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use medley_app::{account_deletion, admin, settings};
use medley_domain::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path};
use crate::objects::timestamp;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/users", get(list))
        .route(
            "/v1/admin/users/{id}",
            axum::routing::patch(change).delete(delete_user),
        )
        .route("/v1/admin/settings", get(settings).patch(change_settings))
}

/// An account as an administrator sees it.
#[derive(Serialize, ToSchema)]
pub struct AdminUser {
    pub id: String,
    pub username: String,
    pub display_name: Option<String>,
    pub is_admin: bool,
    /// A disabled account cannot sign in; its sessions and tokens were revoked.
    pub disabled: bool,
    pub disabled_at: Option<String>,
    pub created_at: String,
}

impl From<admin::Account> for AdminUser {
    fn from(a: admin::Account) -> AdminUser {
        AdminUser {
            id: a.user.id.to_string(),
            username: a.user.username,
            display_name: a.user.display_name,
            is_admin: a.user.is_admin,
            disabled: a.disabled_at_ms.is_some(),
            disabled_at: a.disabled_at_ms.map(timestamp),
            created_at: timestamp(a.user.created_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AdminUsers {
    pub items: Vec<AdminUser>,
    pub total: usize,
}

/// Every account, oldest first (administrators only).
#[utoipa::path(get, path = "/v1/admin/users", tag = "accounts",
    responses((status = 200, body = AdminUsers), (status = 401), (status = 403)), security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<AdminUsers>> {
    let items: Vec<AdminUser> = admin::accounts(&state.app, &auth.user)
        .await?
        .into_iter()
        .map(AdminUser::from)
        .collect();
    Ok(axum::Json(AdminUsers {
        total: items.len(),
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    /// Disable (true) or enable (false) the account.
    pub disabled: Option<bool>,
    /// Grant (true) or take back (false) the administrator role.
    pub is_admin: Option<bool>,
}

/// Disables or enables an account, or changes its administrator role (administrators only;
/// not on their own account).
#[utoipa::path(patch, path = "/v1/admin/users/{id}", params(("id" = String, Path)), tag = "accounts", request_body = AccountChange,
    responses((status = 200, body = AdminUser), (status = 400), (status = 403), (status = 404),
        (status = 409, description = "an administrator's own account")),
    security(("bearer" = [])))]
pub async fn change(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<UserId>,
    Json(body): Json<AccountChange>,
) -> ApiResult<axum::Json<AdminUser>> {
    let changed = admin::change(
        &state.app,
        &auth.user,
        &id,
        admin::Change {
            disabled: body.disabled,
            is_admin: body.is_admin,
        },
    )
    .await?;
    Ok(axum::Json(changed.into()))
}

/// Deletes another user's account and everything of it (administrators only; docs/API.md
/// lists what goes). Your own account is deleted with `DELETE /v1/me`.
#[utoipa::path(delete, path = "/v1/admin/users/{id}", params(("id" = String, Path)), tag = "accounts",
    responses((status = 204), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "your own account, or the last administrator who can sign in")),
    security(("bearer" = [])))]
pub async fn delete_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<UserId>,
) -> ApiResult<StatusCode> {
    account_deletion::delete_by_admin(&state.app, &auth.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The server's settings an administrator may want to see.
#[derive(Serialize, ToSchema)]
pub struct ServerSettings {
    /// Whether anyone may register; when closed, administrators add users with
    /// `medley user add`.
    pub registration_open: bool,
    /// Whether the server's configuration fixes `registration_open` (`MEDLEY_REGISTRATION`);
    /// when it does not, administrators change it with `PATCH /v1/admin/settings`.
    pub registration_fixed: bool,
}

impl From<settings::Registration> for ServerSettings {
    fn from(r: settings::Registration) -> ServerSettings {
        ServerSettings {
            registration_open: r.open,
            registration_fixed: r.fixed,
        }
    }
}

/// The server's settings (administrators only).
#[utoipa::path(get, path = "/v1/admin/settings", tag = "accounts",
    responses((status = 200, body = ServerSettings), (status = 401), (status = 403)), security(("bearer" = [])))]
pub async fn settings(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<ServerSettings>> {
    Ok(axum::Json(
        settings::for_admin(&state.app, &auth.user).await?.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    /// Open (true) or close (false) registration to anyone who can reach the server.
    pub registration_open: bool,
}

/// Changes the server's settings (administrators only): opens or closes registration, on
/// every node at once. Refused (409) when the server's configuration fixes it.
#[utoipa::path(patch, path = "/v1/admin/settings", tag = "accounts", request_body = SettingsChange,
    responses((status = 200, body = ServerSettings), (status = 400), (status = 401), (status = 403),
        (status = 409, description = "registration is fixed by the server's configuration")),
    security(("bearer" = [])))]
pub async fn change_settings(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<SettingsChange>,
) -> ApiResult<axum::Json<ServerSettings>> {
    let changed =
        settings::set_registration(&state.app, &auth.user, body.registration_open).await?;
    Ok(axum::Json(changed.into()))
}
