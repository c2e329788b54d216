//! What every request passes through before a handler: bounds on what a client may send and
//! how slowly, the request timeout, panics turned into problem bodies, and request logs that
//! never carry a secret.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use crate::error::ApiError;

/// Refuses at once, before any of the body is read, a request whose declared
/// `Content-Length` is above `limit` (the setting `setting`).
pub async fn declared_length(
    limit: u64,
    setting: &'static str,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > limit => ApiError::PayloadTooLarge(format!(
            "the request body declares {length} bytes; this endpoint accepts at most {limit} \
             ({setting}); nothing was stored"
        ))
        .into_response(),
        _ => next.run(request).await,
    }
}

/// Why a body stopped: the client paused longer than the body timeout.
#[derive(Debug, thiserror::Error)]
#[error("the client sent nothing for {0:?} in the middle of the request body")]
pub struct BodyStalled(pub Duration);

/// Ends a request body with [`BodyStalled`] when the client pauses longer than `idle` while
/// sending it, so a half-sent upload does not hold its handler (and a connection) forever.
pub async fn body_timeout(idle: Duration, request: Request, next: Next) -> Response {
    use axum::body::HttpBody;
    if request.body().size_hint().exact() == Some(0) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let stream = body.into_data_stream();
    let timed = futures::stream::unfold(Some(stream), move |state| async move {
        let mut stream = state?;
        match tokio::time::timeout(idle, stream.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(stream))),
            Ok(None) => None,
            Err(_) => {
                tracing::info!(timeout_secs = idle.as_secs_f64(), "request body stalled");
                Some((Err(axum::Error::new(BodyStalled(idle))), None))
            }
        }
    });
    next.run(Request::from_parts(parts, Body::from_stream(timed)))
        .await
}

/// Answers 503 with a problem body when a request takes longer than `limit`.
pub async fn request_timeout(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Unavailable(format!(
            "the request took longer than the {} s this server allows",
            limit.as_secs()
        ))
        .into_response(),
    }
}

/// Gives every error answer that has no problem body one, with Spotify's `error` object:
/// answers made by the router itself (405 with its `Allow` list, extractor rejections) and by
/// layers carry plain text otherwise. JSON bodies of other shapes (ListenBrainz's) and the
/// OpenSubsonic API (`/rest`, its own error format) are left as they are.
pub async fn problem_bodies(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let subsonic = request.uri().path().starts_with("/rest");
    let response = next.run(request).await;
    let status = response.status();
    if subsonic || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let detail = if status == axum::http::StatusCode::METHOD_NOT_ALLOWED {
        let allow = parts
            .headers
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if allow.is_empty() {
            format!("this endpoint does not accept {method}: /docs lists the methods it takes")
        } else {
            format!("this endpoint does not accept {method}; it accepts {allow} (see /docs)")
        }
    } else {
        // The plain-text reason a rejection gives (short), or the status's own words.
        let text = axum::body::to_bytes(body, 2048).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&text).trim().to_owned();
        if text.is_empty() {
            status.canonical_reason().unwrap_or("error").to_owned()
        } else {
            text
        }
    };
    let mut problem = crate::error::problem(status, &detail);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    problem
}

/// A panic in a handler: logged once, answered as an opaque 500 problem.
pub fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic");
    ApiError::Internal(anyhow::anyhow!("handler panicked: {what}")).into_response()
}

/// Query parameters whose values are secrets wherever they appear (OAuth codes and states,
/// tokens, OpenSubsonic's password, token and salt, API keys).
const SECRET_PARAMETERS: &[&str] = &[
    "code",
    "state",
    "access_token",
    "refresh_token",
    "token",
    "apikey",
    "api_key",
    "p",
    "t",
    "s",
    "password",
    "client_secret",
    "code_verifier",
    "sig",
    "signature",
];

/// Paths whose whole query string is withheld from logs: the Spotify callback, the signed
/// stream URLs and OpenSubsonic.
const SECRET_QUERY_PATHS: &[&str] = &["/v1/connections/spotify/callback", "/rest/"];

/// `uri` as it may be logged: the path, and the query with the value of every secret
/// parameter replaced by `REDACTED` (the whole query on paths that carry nothing else).
pub fn loggable(uri: &Uri) -> String {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return path.to_owned();
    };
    if SECRET_QUERY_PATHS.iter().any(|p| path.starts_with(p)) || path.ends_with("/stream") {
        return format!("{path}?REDACTED");
    }
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            let decoded = url::form_urlencoded::parse(name.as_bytes())
                .next()
                .map(|(k, _)| k.to_ascii_lowercase())
                .unwrap_or_default();
            if SECRET_PARAMETERS.contains(&decoded.as_str()) {
                format!("{name}=REDACTED")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{path}?{}", redacted.join("&"))
}

/// The span of a request in the logs: method, loggable URI, version and request id.
pub fn request_span(request: &Request) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %loggable(request.uri()),
        version = ?request.version(),
        request_id = %id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(uri: &str) -> String {
        loggable(&uri.parse().unwrap())
    }

    #[test]
    fn secrets_in_query_strings_are_never_logged() {
        assert_eq!(
            log("/v1/connections/spotify/callback?code=abc&state=def"),
            "/v1/connections/spotify/callback?REDACTED"
        );
        assert_eq!(
            log("/v1/me?access_token=abc&limit=5&Token=x&api%4Bey=k"),
            "/v1/me?access_token=REDACTED&limit=5&Token=REDACTED&api%4Bey=REDACTED"
        );
        assert_eq!(
            log("/rest/ping.view?u=a&p=secret"),
            "/rest/ping.view?REDACTED"
        );
        assert_eq!(
            log("/v1/tracks/x/stream?sig=1&exp=2"),
            "/v1/tracks/x/stream?REDACTED"
        );
        assert_eq!(
            log("/v1/search?q=abba&type=track"),
            "/v1/search?q=abba&type=track"
        );
        assert_eq!(log("/v1/me"), "/v1/me");
    }
}
