//! The accounts service: `GET /authorize` (approved at once by the signed-in browser user)
//! and `POST /api/token`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::json;

use super::gate::with_fault;
use super::{AppState, Kill};
use crate::world::auth::AuthorizeOutcome;

pub async fn authorize(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = state.now();
    match state.lock().authorize(now, &params) {
        AuthorizeOutcome::Redirect(location) => {
            (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
        }
        AuthorizeOutcome::Page(message) => (
            StatusCode::BAD_REQUEST,
            Html(format!(
                "<!doctype html><title>Error</title><h1>{message}</h1>"
            )),
        )
            .into_response(),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

pub async fn token(State(state): State<AppState>, req: Request) -> Response {
    let kill = req.extensions().get::<Kill>().cloned();
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let now = state.now();
    let fault = state.lock().faults.draw(parts.uri.path());
    let hold = state.fault_hold;
    with_fault(fault, kill, hold, async move {
        exchange(&state, now, &parts.headers, &body)
    })
    .await
}

fn exchange(state: &AppState, now: i64, headers: &HeaderMap, body: &Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let basic = basic_credentials(headers);
    let app = basic
        .as_ref()
        .map(|(id, _)| id.clone())
        .or_else(|| form.get("client_id").cloned());
    let mut world = state.lock();
    let result = world.token(now, &form, basic);
    let user = result.as_ref().ok().map(|(_, user)| user.clone());
    world
        .requests
        .record(now, app.as_deref(), user.as_deref(), "POST /api/token");
    match result {
        Ok((grant, _)) => Json(grant).into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            Json(json!({ "error": e.error, "error_description": e.description })),
        )
            .into_response(),
    }
}
