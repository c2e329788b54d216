//! The application layer's one error type. Each variant says what it means to a caller (the
//! HTTP edge maps it to a status in one place; the CLI prints it; the worker decides from it
//! whether to retry), and unexpected failures keep their chain of causes.

use std::error::Error;

use medley_domain::edit::EditError;
use medley_store::StoreError;

/// A cause kept as it is, with its own chain of causes.
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input breaks a rule; the message says which and how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// Who the caller is could not be established (wrong password, unknown token).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The object does not exist, or the caller may not see it (the two look the same).
    #[error("{0}")]
    NotFound(String),
    /// The request contradicts the object's state (a name taken, a cycle, a mirror).
    #[error("{0}")]
    Conflict(String),
    /// What the caller read has changed since: reading again and retrying may succeed.
    #[error("{0}")]
    Stale(String),
    /// The input is larger than this server accepts.
    #[error("{0}")]
    TooLarge(String),
    /// The input is of a kind this server does not read.
    #[error("{0}")]
    UnsupportedFormat(String),
    /// The input is of the right kind but its content cannot be used.
    #[error("{0}")]
    Unprocessable(String),
    /// This server cannot do this at all (an optional tool, such as ffmpeg, is not installed).
    #[error("{0}")]
    NotImplemented(String),
    /// A service Medley depends on (Spotify) or a part of Medley is not available now.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A service Medley depends on failed: `service` names it (`Spotify`, `watching folders`),
    /// `source` is its failure, kept with its own causes (a caller may look into it). A caller
    /// is told "service unavailable: {service}: {source}", then `then` (what becomes of the
    /// work, when there is something to say); see [`AppError::detail`].
    #[error("service unavailable: {service}{then}")]
    Upstream {
        service: String,
        #[source]
        source: BoxError,
        then: &'static str,
    },
    /// The caller has tried too often (failed sign-ins): it may try again after `retry_after`.
    #[error("{message}")]
    Throttled {
        message: String,
        retry_after: std::time::Duration,
    },
    /// This node is at its bound for this kind of work (password hashing): try again after
    /// `retry_after`.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after: std::time::Duration,
    },
    /// Anything unexpected: a bug or a failure of the machine; logged, never shown in full.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn not_found(what: &str) -> AppError {
        AppError::NotFound(format!("{what} does not exist or is not visible to you"))
    }

    /// An unexpected failure, with what Medley was doing when it happened.
    pub fn internal(e: impl Into<anyhow::Error>, doing: &'static str) -> AppError {
        AppError::Internal(e.into().context(doing))
    }

    /// `service` failed with `e`: unavailable, the cause kept.
    pub fn upstream(service: impl Into<String>, e: impl Into<BoxError>) -> AppError {
        AppError::Upstream {
            service: service.into(),
            source: e.into(),
            then: "",
        }
    }

    /// What a caller is told, without the `service unavailable` a status says already: the
    /// message, and for [`AppError::Upstream`] the service's failure too (its first cause; the
    /// rest of the chain is for logs, see [`medley_domain::causes::Causes`]).
    pub fn detail(&self) -> String {
        match self {
            AppError::Upstream {
                service,
                source,
                then,
            } => format!("{service}: {source}{then}"),
            AppError::Unavailable(m) => m.clone(),
            other => other.to_string(),
        }
    }
}

/// A failure of the audio storage: misconfigured storage is unavailable, anything else
/// unexpected.
pub(crate) fn storage_error(e: medley_audio::StorageError) -> AppError {
    match e {
        medley_audio::StorageError::Config(m) => AppError::Unavailable(m),
        e => AppError::internal(e, "using the audio storage"),
    }
}

/// Refuses anyone but an administrator (`Forbidden`, `refusal` as the message: what only an
/// administrator may do).
pub fn admin_only(user: &medley_domain::user::User, refusal: &str) -> AppResult<()> {
    if user.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(refusal.to_owned()))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::not_found("the object"),
            StoreError::Conflict(msg) => AppError::Conflict(msg),
            e @ StoreError::StaleSnapshot { .. } => AppError::Stale(e.to_string()),
            StoreError::Edit(e) => e.into(),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<EditError> for AppError {
    fn from(e: EditError) -> AppError {
        match e {
            EditError::Full { .. } => AppError::Forbidden(e.to_string()),
            EditError::Mismatch { .. } => AppError::Stale(e.to_string()),
            _ => AppError::Invalid(e.to_string()),
        }
    }
}

/// Validation errors of the domain are the caller's to fix.
macro_rules! invalid_from {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for AppError {
            fn from(e: $t) -> AppError {
                AppError::Invalid(e.to_string())
            }
        }
    )*};
}

invalid_from!(
    medley_domain::paging::PageError,
    medley_domain::playlist::DetailsError,
    medley_domain::user::CredentialError,
    medley_domain::uri::UriError,
);

#[cfg(test)]
mod tests {
    use super::*;
    use medley_domain::causes::Causes;

    #[test]
    fn a_stale_snapshot_is_retryable_not_a_conflict() {
        let e: AppError = StoreError::StaleSnapshot {
            given: "a".into(),
            current: "b".into(),
        }
        .into();
        assert!(matches!(e, AppError::Stale(_)), "{e:?}");
    }

    #[test]
    fn an_upstream_failure_keeps_its_cause_and_says_it_once() {
        let cause = std::io::Error::other("connection reset");
        let e = AppError::upstream("Spotify", cause);
        assert_eq!(e.to_string(), "service unavailable: Spotify");
        assert_eq!(e.detail(), "Spotify: connection reset");
        assert_eq!(
            Causes(&e).to_string(),
            "service unavailable: Spotify: connection reset"
        );
        let io = e
            .source()
            .and_then(|c| c.downcast_ref::<std::io::Error>())
            .expect("the cause, as it was");
        assert_eq!(io.kind(), std::io::ErrorKind::Other);

        let internal = AppError::internal(std::io::Error::other("disk full"), "writing");
        assert_eq!(Causes(&internal).to_string(), "writing: disk full");
    }

    #[test]
    fn internal_errors_keep_their_causes() {
        let e = AppError::internal(std::io::Error::other("disk full"), "writing the upload");
        let AppError::Internal(inner) = e else {
            panic!("not internal")
        };
        assert_eq!(format!("{inner:#}"), "writing the upload: disk full");
    }
}
