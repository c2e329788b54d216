//! Request extractors that turn every rejection into an [`ApiError`], and the bearer-token
//! authentication every protected handler asks for.

use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use medley_domain::user::User;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;
use medley_app::accounts::hash_token;

/// JSON body; malformed or mistyped bodies become precise 400s.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// Query string, read as axum's `Query` reads it; a bad value becomes a 400 naming the
/// parameter (see [`ApiError::query`]).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = url::form_urlencoded::parse(query.as_bytes());
        serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs))
            .map(Query)
            .map_err(ApiError::query)
    }
}

/// Path parameters.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// The signed-in user, from `Authorization: Bearer <token>` or the browser session cookie
/// (with its CSRF token on state-changing requests: see [`crate::cookie`]).
pub struct Auth {
    pub user: User,
    /// Hash of the token used, so a logout revokes exactly it.
    pub token_hash: String,
}

fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not valid text".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::Unauthorized(
            "use `Authorization: Bearer <token>`".into(),
        )),
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = match bearer(parts)? {
            Some(token) => token.to_owned(),
            None => {
                let token = crate::cookie::session(parts).ok_or_else(|| {
                    ApiError::Unauthorized(
                        "sign in first: send `Authorization: Bearer <token>` (POST /v1/sessions gives one)"
                            .into(),
                    )
                })?;
                crate::cookie::check_csrf(parts, &token)?;
                token
            }
        };
        let token_hash = hash_token(&token);
        let user = medley_app::tokens::authenticate(&state.app, &token_hash)
            .await?
            .ok_or_else(|| {
                ApiError::Unauthorized("the access token is invalid, expired or revoked".into())
            })?;
        Ok(Auth { user, token_hash })
    }
}

impl OptionalFromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        if bearer(parts)?.is_none() && crate::cookie::session(parts).is_none() {
            return Ok(None);
        }
        <Auth as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

/// An optional JSON body: an empty body is `T::default()`, for endpoints where Spotify accepts
/// parameters either in the query string or in the body.
pub struct JsonOrEmpty<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> FromRequest<S> for JsonOrEmpty<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        // No `Content-Type` is read as JSON (as Spotify does); another type is refused below.
        let declared_other = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .is_some_and(|v| !is_json(v));
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(
                        "the request body is larger than this server accepts".into(),
                    )
                } else {
                    ApiError::BadRequest(format!("the request body could not be read: {e}"))
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonOrEmpty(T::default()));
        }
        if declared_other {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ));
        }
        serde_json::from_slice(&bytes)
            .map(JsonOrEmpty)
            .map_err(|e| ApiError::BadRequest(format!("the JSON body is invalid: {e}")))
    }
}

/// Whether a `Content-Type` names JSON: `application/json` or a `+json` type, any parameters.
fn is_json(value: &axum::http::HeaderValue) -> bool {
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The address of the client that sent the request: the peer of the connection, or, when that
/// peer is one of the configured trusted proxies (`ApiConfig::trusted_proxies`), the nearest
/// address in `X-Forwarded-For` that is not a trusted proxy. `X-Forwarded-For` from anyone
/// else is ignored, since a client can write anything there. `None` when the request did not
/// come over a socket (tests calling the router directly).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(peer.map(|peer| {
            client_address(peer, &parts.headers, &state.config.trusted_proxies)
        })))
    }
}

/// See [`ClientAddr`]: walks `X-Forwarded-For` from the right (the entry the nearest proxy
/// added) while the hop is trusted.
pub fn client_address(
    peer: std::net::IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map(|hop| hop.parse::<std::net::IpAddr>().ok())
        .collect::<Option<_>>()
        .unwrap_or_default();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(&hop) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "6.6.6.6, 1.2.3.4, 10.0.0.7".parse().unwrap(),
        );
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let stranger: std::net::IpAddr = "5.5.5.5".parse().unwrap();
        // Behind two trusted hops the client is the first untrusted address from the right;
        // what it wrote to the left of that is ignored.
        assert_eq!(
            client_address(proxy, &headers, &trusted),
            "1.2.3.4".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(client_address(stranger, &headers, &trusted), stranger);
        assert_eq!(client_address(proxy, &HeaderMap::new(), &trusted), proxy);
        headers.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(client_address(proxy, &headers, &trusted), proxy);
    }
}
