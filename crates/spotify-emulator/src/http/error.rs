//! Spotify's error shape, `{"error":{"status","message"}}` (plus `reason` for the quota),
//! used by the Web API and the control API alike.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::world::limits::Refusal;
use crate::world::WorldError;

#[derive(Debug, Clone)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
    pub reason: Option<&'static str>,
    pub retry_after: Option<u64>,
}

pub type WebResult<T> = Result<T, WebError>;

impl WebError {
    pub fn new(status: u16, message: impl Into<String>) -> WebError {
        WebError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message: message.into(),
            reason: None,
            retry_after: None,
        }
    }

    pub fn bad(message: impl Into<String>) -> WebError {
        WebError::new(400, message)
    }
}

impl From<WorldError> for WebError {
    fn from(e: WorldError) -> Self {
        match e {
            WorldError::BadRequest(m) => WebError::new(400, m),
            WorldError::Forbidden(m) => WebError::new(403, m),
            WorldError::NotFound(m) => WebError::new(404, m),
        }
    }
}

impl From<Refusal> for WebError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::RateLimited { retry_after_secs } => WebError {
                retry_after: Some(retry_after_secs),
                ..WebError::new(429, "API rate limit exceeded")
            },
            Refusal::QuotaExceeded { retry_after_secs } => WebError {
                reason: Some("QUOTA_EXCEEDED"),
                retry_after: Some(retry_after_secs),
                ..WebError::new(429, "Too many requests")
            },
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut error = json!({ "status": self.status.as_u16(), "message": self.message });
        if let Some(reason) = self.reason {
            error["reason"] = json!(reason);
        }
        let mut response = (self.status, axum::Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
