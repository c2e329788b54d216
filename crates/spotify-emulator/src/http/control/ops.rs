//! Control: the virtual clock, faults and request counts.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;

use crate::clock::iso_millis;
use crate::control::types::*;
use crate::http::error::{WebError, WebResult};
use crate::http::AppState;

fn clock_state(s: &AppState) -> ClockState {
    let now_ms = s.now();
    ClockState {
        now_ms,
        offset_ms: s.clock.offset_ms(),
        now: iso_millis(now_ms),
    }
}

pub async fn clock(State(s): State<AppState>) -> Json<ClockState> {
    Json(clock_state(&s))
}

pub async fn advance(State(s): State<AppState>, Json(b): Json<Advance>) -> Json<ClockState> {
    s.clock.advance_ms(b.advance_secs.saturating_mul(1_000));
    Json(clock_state(&s))
}

pub async fn faults(State(s): State<AppState>) -> Json<FaultState> {
    let (random, scripted) = s.lock().faults.settings();
    Json(FaultState { random, scripted })
}

pub async fn set_faults(
    State(s): State<AppState>,
    Json(b): Json<FaultSettings>,
) -> WebResult<StatusCode> {
    if !(0.0..=1.0).contains(&b.probability) {
        return Err(WebError::bad("probability must be between 0 and 1"));
    }
    s.lock().faults.set_random(Some(b));
    Ok(StatusCode::NO_CONTENT)
}

pub async fn clear_faults(State(s): State<AppState>) -> StatusCode {
    s.lock().faults.clear();
    StatusCode::NO_CONTENT
}

pub async fn next_fault(State(s): State<AppState>, Json(b): Json<ScriptedFault>) -> StatusCode {
    s.lock().faults.push_scripted(b);
    StatusCode::NO_CONTENT
}

pub async fn requests(
    State(s): State<AppState>,
    Query(filter): Query<CountFilter>,
) -> Json<Counts> {
    Json(s.lock().requests.counts(&filter))
}

pub async fn reset_requests(State(s): State<AppState>) -> StatusCode {
    s.lock().requests.reset();
    StatusCode::NO_CONTENT
}
