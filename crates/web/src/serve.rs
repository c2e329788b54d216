//! Serving the app: immutable versioned assets, the shell for the app's own paths, and the
//! security headers on both.

use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::assets;

/// Only this server's own files: no inline script or style, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; media-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Paths the app never claims: the API, its docs, ListenBrainz, operations, and the assets
/// themselves. An unknown path under these keeps its JSON 404.
const NOT_APP: &[&str] = &[
    "/v1", "/docs", "/1", "/healthz", "/readyz", "/metrics", "/assets",
];

/// Whether a request for `path` with `method` is answered with the app shell: a page the
/// app routes in the browser (`/`, `/search`, `/playlists/…`).
pub fn is_app_path(method: &Method, path: &str) -> bool {
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    !NOT_APP.iter().any(|prefix| {
        path == *prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// The routes of the app's files, to be merged into the server's router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/assets/{version}/{*path}", get(asset))
}

fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

fn not_modified(request: &HeaderMap, etag: &str) -> bool {
    request
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The app shell (`index.html`), revalidated on every load so a new version is seen at once.
pub fn shell(request: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", assets::version());
    let cache = [(CACHE_CONTROL, "no-cache"), (ETAG, etag.as_str())];
    let response = if not_modified(request, &etag) {
        (StatusCode::NOT_MODIFIED, cache).into_response()
    } else {
        let html = [(CONTENT_TYPE, "text/html; charset=utf-8")];
        (cache, html, assets::shell_html()).into_response()
    };
    secure(response)
}

async fn asset(Path((version, path)): Path<(String, String)>, request: HeaderMap) -> Response {
    let Some(file) = assets::find(&path) else {
        let text = [(CONTENT_TYPE, "text/plain; charset=utf-8")];
        return secure(
            (StatusCode::NOT_FOUND, text, "no such file in the web app").into_response(),
        );
    };
    // The current version's URLs never change content; an older page's are served but not kept.
    let cache = if version == assets::version() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let etag = format!("\"{}\"", assets::version());
    let headers = [(CACHE_CONTROL, cache), (ETAG, etag.as_str())];
    let response = if not_modified(&request, &etag) {
        (StatusCode::NOT_MODIFIED, headers).into_response()
    } else {
        (headers, [(CONTENT_TYPE, file.content_type)], file.bytes).into_response()
    };
    secure(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_claims_its_pages_and_leaves_the_api_alone() {
        for path in [
            "/",
            "/search",
            "/playlists/abc",
            "/v1x",
            "/docsy",
            "/healthzz",
        ] {
            assert!(is_app_path(&Method::GET, path), "{path}");
        }
        for path in [
            "/v1",
            "/v1/me",
            "/docs",
            "/docs/x",
            "/1/submit-listens",
            "/healthz",
            "/readyz",
            "/metrics",
            "/assets/x/app.css",
        ] {
            assert!(!is_app_path(&Method::GET, path), "{path}");
        }
        assert!(is_app_path(&Method::HEAD, "/stats"));
        assert!(!is_app_path(&Method::POST, "/stats"));
    }

    #[test]
    fn every_asset_the_shell_names_is_embedded() {
        let html = assets::shell_html();
        let prefix = format!("/assets/{}/", assets::version());
        let mut named = 0;
        for part in html.split(&prefix).skip(1) {
            let path = &part[..part.find('"').unwrap()];
            assert!(assets::find(path).is_some(), "{path} is in FILES");
            named += 1;
        }
        assert!(named >= 3, "{html}");
        assert!(!html.contains("{{v}}"));
    }
}
