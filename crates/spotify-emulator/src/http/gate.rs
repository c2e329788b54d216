//! What runs before every Web API handler: bearer-token check, request counting, rate limit
//! and quota, and the fault (if any) chosen for the request.

use std::future::Future;
use std::time::Duration;

use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::WebError;
use super::{AppState, Kill};
use crate::world::faults::Fault;

/// Set on requests that get the `short_page` fault: paged handlers return fewer items.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShortPage(pub bool);

/// Set on requests that get the `stale_snapshot` fault.
#[derive(Debug, Clone, Copy, Default)]
pub struct StaleSnapshot(pub bool);

pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

pub async fn gate(
    State(state): State<AppState>,
    matched: MatchedPath,
    mut req: Request,
    next: Next,
) -> Response {
    let now = state.now();
    let endpoint = format!("{} {}", req.method(), matched.as_str());
    let token = bearer(req.headers());
    let path = match req.extensions().get::<OriginalUri>() {
        Some(original) => original.path().to_string(),
        None => req.uri().path().to_string(),
    };
    let (caller, fault) = {
        let mut world = state.lock();
        let caller = world.check_access(now, token.as_deref());
        let (app, user) = match &caller {
            Ok(c) => (Some(c.client_id.as_str()), Some(c.user.as_str())),
            Err(_) => (None, None),
        };
        world.requests.record(now, app, user, &endpoint);
        let caller = match caller {
            Ok(c) => c,
            Err(message) => return WebError::new(401, message).into_response(),
        };
        if let Err(refusal) = world.admit(now, &caller.client_id) {
            return WebError::from(refusal).into_response();
        }
        if let Err(e) = world.check_user_allowed(&caller) {
            return WebError::from(e).into_response();
        }
        (caller, world.faults.draw(&path))
    };
    let kill = req.extensions().get::<Kill>().cloned();
    req.extensions_mut().insert(caller);
    req.extensions_mut()
        .insert(ShortPage(fault == Some(Fault::ShortPage)));
    req.extensions_mut()
        .insert(StaleSnapshot(fault == Some(Fault::StaleSnapshot)));
    with_fault(fault, kill, state.fault_hold, next.run(req)).await
}

/// Runs `handler` under `fault`: a server error replaces it; a timeout holds its response;
/// a drop lets it take effect and closes the connection without answering.
pub async fn with_fault(
    fault: Option<Fault>,
    kill: Option<Kill>,
    hold: Duration,
    handler: impl Future<Output = Response>,
) -> Response {
    match fault {
        Some(Fault::ServerError(status)) => {
            let message = match status {
                502 => "Bad gateway.",
                503 => "Service unavailable",
                _ => "Server error.",
            };
            WebError::new(status, message).into_response()
        }
        Some(Fault::Timeout) => {
            let response = handler.await;
            tokio::time::sleep(hold).await;
            response
        }
        Some(Fault::Drop) => {
            let _ = handler.await;
            match kill {
                Some(kill) => {
                    kill.0.notify_one();
                    std::future::pending().await
                }
                None => WebError::new(500, "Server error.").into_response(),
            }
        }
        Some(Fault::ShortPage) | Some(Fault::StaleSnapshot) | None => handler.await,
    }
}
