//! What talking to Spotify can end in. Each variant tells the caller what to do next: wait,
//! pause the app, ask the user to connect again, or give up on this read for now.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpotifyError {
    /// The app hit the rolling 30-second rate limit; nothing may be sent before `retry_after`.
    #[error("Spotify rate limit: retry after {} s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// The app's daily quota is spent; its work pauses until `until_ms` (Unix ms).
    #[error("Spotify daily quota exceeded until {until_ms}")]
    QuotaExceeded { until_ms: i64 },
    /// Medley's own daily request budget for this connection is spent.
    #[error("the daily request budget for this connection is spent")]
    BudgetSpent,
    /// The refresh token expired or was revoked: the user must connect again.
    #[error("Spotify refused the refresh token ({0}); connect the account again")]
    InvalidGrant(String),
    /// The access token was refused even after a refresh.
    #[error("Spotify refused the access token: {0}")]
    Unauthorized(String),
    /// Spotify answered 403 (e.g. items of a playlist the user neither owns nor collaborates
    /// on, or a playlist at its 10,000-item cap).
    #[error("Spotify refused: {0}")]
    Forbidden(String),
    #[error("not found on Spotify: {0}")]
    NotFound(String),
    #[error("Spotify rejected the request: {0}")]
    BadRequest(String),
    /// 5xx after the retries allowed for the request.
    #[error("Spotify failed with status {status}")]
    Server { status: u16 },
    /// Timeouts, refused or dropped connections.
    #[error("could not reach Spotify: {0}")]
    Transport(String),
    /// A read that did not return everything it promised (short pages, changing totals): never
    /// to be taken as the collection's contents.
    #[error("incomplete read: {0}")]
    Incomplete(String),
    /// A response Medley cannot understand.
    #[error("unexpected response from Spotify: {0}")]
    Protocol(String),
    /// Spotify renewed the tokens but the caller could not keep them ([`TokenSink`]): the
    /// request is not sent with tokens a restart would lose.
    ///
    /// [`TokenSink`]: crate::TokenSink
    #[error("could not store the renewed tokens")]
    TokensNotKept(#[source] SinkError),
}

/// Why a [`TokenSink`](crate::TokenSink) could not keep tokens: the caller's own error, kept
/// whole (its message and causes), and cheap to clone as a [`SpotifyError`] is. Two are equal
/// only if they are the same failure.
#[derive(Clone, Debug)]
pub struct SinkError(Arc<dyn Error + Send + Sync + 'static>);

impl SinkError {
    pub fn new(e: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> SinkError {
        SinkError(Arc::from(e.into()))
    }
}

impl fmt::Display for SinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Error for SinkError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for SinkError {
    fn eq(&self, other: &SinkError) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SinkError {}

impl SpotifyError {
    /// Whether the same request may succeed if sent again soon.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SpotifyError::Server { .. } | SpotifyError::Transport(_) | SpotifyError::Incomplete(_)
        )
    }
}

pub type Result<T, E = SpotifyError> = std::result::Result<T, E>;
