//! `GET /tracks/{id}`.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::Value;

use super::input::check_id;
use crate::http::error::{WebError, WebResult};
use crate::http::AppState;
use crate::render::catalog::track_anywhere;
use crate::render::Links;
use crate::world::Caller;

pub async fn get_track(
    State(state): State<AppState>,
    Extension(_caller): Extension<Caller>,
    Path(id): Path<String>,
) -> WebResult<Json<Value>> {
    check_id(&id)?;
    let api = state.api();
    let world = state.lock();
    track_anywhere(Links { api: &api }, &world, &id)
        .map(Json)
        .ok_or_else(|| WebError::new(404, "Resource not found"))
}
