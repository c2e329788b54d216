//! Control: apps, minted tokens, revocation.

use axum::extract::{Path, State};
use axum::Json;

use crate::control::types::*;
use crate::http::error::{WebError, WebResult};
use crate::http::AppState;
use crate::world::App;

pub async fn configure(
    State(s): State<AppState>,
    Path(client_id): Path<String>,
    Json(b): Json<AppSettings>,
) -> WebResult<Json<App>> {
    Ok(Json(s.lock().configure_app(&client_id, b)?.clone()))
}

pub async fn get(State(s): State<AppState>, Path(client_id): Path<String>) -> WebResult<Json<App>> {
    s.lock()
        .apps
        .get(&client_id)
        .cloned()
        .map(Json)
        .ok_or_else(|| WebError::new(404, format!("no app {client_id}")))
}

pub async fn mint(
    State(s): State<AppState>,
    Json(b): Json<MintToken>,
) -> WebResult<Json<TokenGrant>> {
    let now = s.now();
    Ok(Json(s.lock().mint_tokens(
        now,
        &b.user_id,
        &b.client_id,
        b.scopes,
    )?))
}

pub async fn revoke(
    State(s): State<AppState>,
    Path(user): Path<String>,
    Json(b): Json<Revoke>,
) -> WebResult<Json<Revoked>> {
    let mut world = s.lock();
    world.user(&user)?;
    Ok(Json(Revoked {
        revoked: world.revoke(&user, b.client_id.as_deref()),
    }))
}
