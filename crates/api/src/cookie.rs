//! Browser sessions: the session cookie and the CSRF token that goes with it.
//!
//! The cookie carries an ordinary session token (the same kind `POST /v1/sessions` gives), so
//! revocation, expiry and password changes treat both alike. The cookie is HttpOnly (scripts
//! cannot read it), SameSite=Strict (other sites' pages do not send it) and Secure when the
//! server is reached over https. Every state-changing request authenticated by the cookie must
//! also carry `X-CSRF-Token`, a value derived from the token that only this site's pages learn
//! (from the sign-in answer or `GET /v1/web/session`). Bearer requests are not affected.

use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The cookie's name.
pub const NAME: &str = "medley_session";
/// The header a cookie-authenticated state-changing request must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session token in the request's cookie, if any.
pub fn session(parts: &Parts) -> Option<String> {
    session_in(&parts.headers)
}

/// The session token in these request headers' cookie, if any.
pub fn session_in(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == NAME && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// The CSRF token of a session: a hash of its token under a label of its own, so it reveals
/// nothing of the token and cannot be guessed without it.
pub fn csrf_for(token: &str) -> String {
    Sha256::digest(format!("medley-csrf:{token}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `sent` is the CSRF token of the session `token` (compared in constant time).
pub fn csrf_matches(token: &str, sent: &str) -> bool {
    same(sent.as_bytes(), csrf_for(token).as_bytes())
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses a state-changing request made with the cookie but without its CSRF token.
pub fn check_csrf(parts: &Parts, token: &str) -> Result<(), ApiError> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let sent = parts.headers.get(CSRF_HEADER).map(|v| v.as_bytes());
    match sent {
        Some(sent) if same(sent, csrf_for(token).as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::Forbidden(
            "the `X-CSRF-Token` header does not match this browser session: \
             GET /v1/web/session gives the current one"
                .into(),
        )),
        None => Err(ApiError::Forbidden(
            "this request is signed in by the session cookie, so it must carry the \
             `X-CSRF-Token` header given at sign-in (GET /v1/web/session gives it again)"
                .into(),
        )),
    }
}

/// The `Set-Cookie` value that starts a session lasting `max_age_secs`.
pub fn set(token: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{NAME}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}

/// The `Set-Cookie` value that ends it.
pub fn clear(secure: bool) -> String {
    set("", 0, secure)
}
