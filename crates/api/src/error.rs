//! The one error type at the HTTP edge. Every failure a handler can meet becomes an
//! [`ApiError`], rendered as RFC 9457 `application/problem+json` with a status and a sentence
//! the user can act on. Unexpected failures are logged once here and answered with an opaque 500.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use medley_app::AppError;
use medley_domain::edit::EditError;
use medley_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 416: a byte range past the end (the caller adds `Content-Range: bytes */SIZE`).
    #[error("{0}")]
    RangeNotSatisfiable(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 501: this server lacks what the request needs (ffmpeg for a transcode).
    #[error("{0}")]
    NotImplemented(String),
    /// 429 with `Retry-After`.
    #[error("{0}")]
    TooManyRequests(String, std::time::Duration),
    /// 503 with `Retry-After`: this node is at a bound; another try shortly may succeed.
    #[error("{0}")]
    Busy(String, std::time::Duration),
    /// 408: the client stopped sending its request.
    #[error("{0}")]
    RequestTimeout(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A problem document (RFC 9457), the body of every error answer. `error` repeats the message
/// in Spotify's error shape (`{"error":{"status","message"}}`) so that Spotify client libraries
/// show it too.
#[derive(Serialize, ToSchema)]
pub struct Problem<'a> {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    kind: &'a str,
    /// The status's reason phrase.
    title: &'a str,
    status: u16,
    /// What went wrong, in a sentence a user can act on.
    detail: &'a str,
    error: SpotifyError<'a>,
}

/// The problem in Spotify's error shape.
#[derive(Serialize, ToSchema)]
pub struct SpotifyError<'a> {
    status: u16,
    message: &'a str,
}

impl ApiError {
    pub fn not_found(what: &str) -> ApiError {
        ApiError::NotFound(format!("{what} does not exist or is not visible to you"))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::Unavailable(_) | ApiError::Busy(..) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            ApiError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                "an unexpected error occurred; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = problem(status, &detail);
        if let ApiError::TooManyRequests(_, wait) | ApiError::Busy(_, wait) = &self {
            // Whole seconds, rounded up, at least 1 (RFC 9110 `delay-seconds`).
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs.max(1)));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The problem document for `status` with `detail`, as `application/problem+json`.
pub fn problem(status: StatusCode, detail: &str) -> Response {
    let body = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        error: SpotifyError {
            status: status.as_u16(),
            message: detail,
        },
    };
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// The one mapping from what went wrong in the use cases to an HTTP status.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::Invalid(m) => ApiError::BadRequest(m),
            AppError::Unauthorized(m) => ApiError::Unauthorized(m),
            AppError::Forbidden(m) => ApiError::Forbidden(m),
            AppError::NotFound(m) => ApiError::NotFound(m),
            AppError::Conflict(m) | AppError::Stale(m) => ApiError::Conflict(m),
            AppError::TooLarge(m) => ApiError::PayloadTooLarge(m),
            AppError::UnsupportedFormat(m) => ApiError::UnsupportedMediaType(m),
            AppError::Unprocessable(m) => ApiError::Unprocessable(m),
            AppError::Unavailable(m) => ApiError::Unavailable(m),
            e @ AppError::Upstream { .. } => ApiError::Unavailable(e.detail()),
            AppError::NotImplemented(m) => ApiError::NotImplemented(m),
            AppError::Throttled {
                message,
                retry_after,
            } => ApiError::TooManyRequests(message, retry_after),
            AppError::Busy {
                message,
                retry_after,
            } => ApiError::Busy(message, retry_after),
            AppError::Internal(e) => ApiError::Internal(e),
        }
    }
}

/// Storage and domain errors met in a handler mean what they mean to the use cases.
macro_rules! through_app {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> ApiError {
                AppError::from(e).into()
            }
        }
    )*};
}

through_app!(
    StoreError,
    EditError,
    medley_domain::paging::PageError,
    medley_domain::playlist::DetailsError,
    medley_domain::user::CredentialError,
    medley_domain::uri::UriError,
);

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        match r {
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge(
                    "the request body is larger than this server accepts".into(),
                )
            }
            JsonRejection::JsonSyntaxError(e) => {
                ApiError::BadRequest(format!("the body is not valid JSON: {}", source_text(&e)))
            }
            JsonRejection::JsonDataError(e) => ApiError::BadRequest(format!(
                "the JSON body does not have the expected shape: {}",
                source_text(&e)
            )),
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl ApiError {
    /// A query string that does not fit the endpoint's parameters, naming the parameter when
    /// the problem is in one: "invalid query parameter `bucket`: must be day, week, month or
    /// year, not `fortnight`".
    pub fn query(e: serde_path_to_error::Error<serde_urlencoded::de::Error>) -> ApiError {
        let name = e.path().to_string();
        ApiError::BadRequest(match name.as_str() {
            // The whole query: a missing parameter, or no parameter in particular.
            "." | "?" => format!("invalid query parameters: {}", e.inner()),
            _ => format!("invalid query parameter `{name}`: {}", e.inner()),
        })
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::BadRequest(r.body_text())
    }
}

/// The innermost cause of a rejection, which names the field and the problem.
fn source_text(e: &dyn std::error::Error) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

pub type ApiResult<T> = Result<T, ApiError>;
