//! Why an op was refused: LIVE.md's error code and a message the user can act on.

use serde::{Deserialize, Serialize};

/// LIVE.md's error codes, as sent in `reply.error.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame or its `d` is malformed or out of range: fix it before sending again.
    BadRequest,
    /// The sender is not (or no longer) in the show.
    Unauthorized,
    /// The sender's role does not allow the op.
    Forbidden,
    /// The user, comment or hand named does not exist.
    NotFound,
    /// Too soon: slow mode or a rate limit.
    RateLimited,
    /// The show is not in a state where the op makes sense (already so, or ended).
    Conflict,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Conflict => "conflict",
        }
    }
}

/// A refused op. The show is unchanged; the connection stays open. Serialises as
/// `reply.error`: `{"code", "message"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl Refusal {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Refusal {
        Refusal::new(ErrorCode::BadRequest, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Refusal {
        Refusal::new(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Refusal {
        Refusal::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Refusal {
        Refusal::new(ErrorCode::NotFound, message)
    }

    pub fn rate_limited(message: impl Into<String>) -> Refusal {
        Refusal::new(ErrorCode::RateLimited, message)
    }

    pub fn conflict(message: impl Into<String>) -> Refusal {
        Refusal::new(ErrorCode::Conflict, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_written_as_reply_error() {
        let r = Refusal::forbidden("only moderators may mute");
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"code": "forbidden", "message": "only moderators may mute"})
        );
        assert_eq!(r.to_string(), "forbidden: only moderators may mute");
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::RateLimited,
            ErrorCode::Conflict,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }
}
