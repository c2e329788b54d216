//! A ListenBrainz-compatible submission API, so that existing scrobblers can feed Medley:
//! `POST /1/submit-listens` and `GET /1/validate-token`, authorised with
//! `Authorization: Token <Medley API token>`. Answers and errors use ListenBrainz's shapes
//! (`{"status":"ok"}`, `{"code":400,"error":"…"}`).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use medley_history::{read_file, ReadOptions, RowOutcome};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::state::AppState;
use medley_app::accounts::hash_token;
use medley_app::now_ms;
use medley_app::plays::record_scrobbles;

/// Most listens one `import` submission may carry (ListenBrainz's limit).
pub const MAX_LISTENS_PER_REQUEST: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/1/submit-listens", post(submit))
        .route("/1/validate-token", get(validate))
}

/// An error in ListenBrainz's shape.
struct LbError(StatusCode, String);

impl IntoResponse for LbError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.0.as_u16(), "error": self.1});
        (self.0, axum::Json(body)).into_response()
    }
}

impl From<medley_app::AppError> for LbError {
    fn from(e: medley_app::AppError) -> LbError {
        ApiError::from(e).into()
    }
}

impl From<ApiError> for LbError {
    fn from(e: ApiError) -> LbError {
        let status = e.status();
        let message = match e {
            ApiError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                "an unexpected error occurred; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        LbError(status, message)
    }
}

fn token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer")
        })
        .map(|(_, t)| t.trim().to_owned());
    header.or_else(|| query.map(str::to_owned))
}

async fn user_for(
    state: &AppState,
    token: &str,
) -> Result<Option<medley_domain::user::User>, LbError> {
    Ok(medley_app::tokens::lookup(&state.app, &hash_token(token))
        .await
        .map_err(ApiError::from)?)
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn validate(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<TokenQuery>,
) -> Result<axum::Json<Value>, LbError> {
    let Some(token) = token(&headers, q.token.as_deref()) else {
        return Err(LbError(
            StatusCode::BAD_REQUEST,
            "You need to provide an Authorization token.".into(),
        ));
    };
    Ok(axum::Json(match user_for(&state, &token).await? {
        Some(user) => json!({"code": 200, "message": "Token valid.", "valid": true,
                             "user_name": user.username}),
        None => json!({"code": 200, "message": "Token invalid.", "valid": false}),
    }))
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::Json<Value>, LbError> {
    let unauthorized = |m: &str| LbError(StatusCode::UNAUTHORIZED, m.to_owned());
    let token = token(&headers, None)
        .ok_or_else(|| unauthorized("You need to provide an Authorization header."))?;
    let user = user_for(&state, &token)
        .await?
        .ok_or_else(|| unauthorized("Invalid authorization token."))?;
    let bad = |m: String| LbError(StatusCode::BAD_REQUEST, m);
    let doc: Value = serde_json::from_slice(&body)
        .map_err(|e| bad(format!("Cannot parse JSON document: {e}")))?;
    let listen_type = doc.get("listen_type").and_then(Value::as_str).unwrap_or("");
    let payload = doc
        .get("payload")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("JSON document must contain a `payload` array of listens.".into()))?;
    match listen_type {
        "playing_now" => {
            // Playing now is a notice, not a listen: nothing is stored.
            if payload.len() != 1 {
                return Err(bad(
                    "JSON document must contain exactly one listen for listen_type playing_now."
                        .into(),
                ));
            }
            return Ok(axum::Json(json!({"status": "ok"})));
        }
        "single" if payload.len() != 1 => {
            return Err(bad(
                "JSON document must contain exactly one listen for listen_type single.".into(),
            ))
        }
        "import" if payload.is_empty() || payload.len() > MAX_LISTENS_PER_REQUEST => {
            return Err(bad(format!(
                "JSON document must contain 1 to {MAX_LISTENS_PER_REQUEST} listens for \
                 listen_type import."
            )))
        }
        "single" | "import" => {}
        other => {
            return Err(bad(format!(
                "listen_type must be `single`, `import` or `playing_now`, not `{other}`."
            )))
        }
    }
    // The listens go through the same reader as ListenBrainz export files: one per line.
    let mut lines = Vec::with_capacity(body.len());
    for listen in payload {
        if !listen.is_object() {
            return Err(bad("Every listen must be a JSON object.".into()));
        }
        serde_json::to_writer(&mut lines, listen).expect("a JSON value serialises");
        lines.push(b'\n');
    }
    let mut plays = Vec::with_capacity(payload.len());
    let mut problem = None;
    let report = read_file(
        lines.as_slice(),
        &ReadOptions::new(now_ms()),
        |row| match row {
            RowOutcome::Parsed { play, .. } => plays.push(play),
            RowOutcome::Skipped { position, reason } => {
                problem.get_or_insert(format!(
                    "listen {} cannot be counted: {}",
                    position.index + 1,
                    reason.as_str()
                ));
            }
            RowOutcome::Rejected { position, error } => {
                problem.get_or_insert(format!("listen {}: {error}", position.index + 1));
            }
        },
    );
    match report {
        Ok(r) if r.format != medley_history::Format::ListenBrainz => {
            return Err(bad(
                "Listens need `listened_at` and `track_metadata`.".into()
            ))
        }
        Err(e) => return Err(bad(format!("Invalid listens: {e}"))),
        Ok(_) => {}
    }
    if let Some(problem) = problem {
        return Err(bad(problem));
    }
    record_scrobbles(&state.app, &user.id, plays).await?;
    Ok(axum::Json(json!({"status": "ok"})))
}
