//! Serving the app: immutable versioned assets, the shell for the app's own paths, and the
//! security headers on both. Both are sent gzipped (compressed once, kept) to browsers that
//! accept it, which is all of them: the first load is about a third of the files' size.

use axum::extract::Path;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH, REFERRER_POLICY, VARY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
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
    headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
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

/// Whether the request's `Accept-Encoding` takes gzip (named, or `*`, with a weight above 0).
pub fn accepts_gzip(request: &HeaderMap) -> bool {
    let mut star = false;
    for value in request.get_all(ACCEPT_ENCODING) {
        for item in value.to_str().unwrap_or("").split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
            match coding.as_str() {
                "gzip" | "x-gzip" => return weight > 0.0,
                "*" => star = weight > 0.0,
                _ => {}
            }
        }
    }
    star
}

/// The ETag of the app's files at this version, gzipped or not (each encoding its own).
fn etag(gzip: bool) -> String {
    let suffix = if gzip { "-gzip" } else { "" };
    format!("\"{}{suffix}\"", assets::version())
}

/// A file's body as `request` takes it: `gzipped` when it accepts gzip, else `plain`.
fn body(
    request: &HeaderMap,
    cache: &'static str,
    content_type: &'static str,
    plain: &'static [u8],
    gzipped: &'static [u8],
) -> Response {
    let gzip = accepts_gzip(request);
    let etag = etag(gzip);
    let headers = [(CACHE_CONTROL, cache), (ETAG, etag.as_str())];
    if not_modified(request, &etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    if gzip {
        let encoding = [(CONTENT_TYPE, content_type), (CONTENT_ENCODING, "gzip")];
        (headers, encoding, gzipped).into_response()
    } else {
        (headers, [(CONTENT_TYPE, content_type)], plain).into_response()
    }
}

/// The app shell (`index.html`), revalidated on every load so a new version is seen at once.
pub fn shell(request: &HeaderMap) -> Response {
    let html = assets::shell_html().as_bytes();
    secure(body(
        request,
        "no-cache",
        "text/html; charset=utf-8",
        html,
        assets::shell_gzip(),
    ))
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
    secure(body(
        &request,
        cache,
        file.content_type,
        file.bytes,
        file.gzipped(),
    ))
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
    fn gzip_is_sent_when_it_is_accepted_and_not_refused() {
        let with = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
            accepts_gzip(&h)
        };
        for yes in [
            "gzip, deflate, br, zstd",
            "br;q=1.0, gzip;q=0.8",
            "*",
            "GZIP",
        ] {
            assert!(with(yes), "{yes}");
        }
        for no in ["identity", "br", "gzip;q=0", "*, gzip;q=0", "*;q=0"] {
            assert!(!with(no), "{no}");
        }
        assert!(!accepts_gzip(&HeaderMap::new()));
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
