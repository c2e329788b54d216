//! `/docs`: Swagger UI on this server's OpenAPI document, every file embedded in the binary
//! (vendored in `crates/api/assets/docs`, see its README), so the page works without internet
//! access. Its Content-Security-Policy allows only this server's own files; Swagger UI sets
//! element styles, hence `'unsafe-inline'` for styles (never for scripts).

use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::error::ApiError;

/// The policy of the page and its files.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const JS: &str = "text/javascript; charset=utf-8";

/// The files under `/docs/`: name, bytes, content type.
const FILES: &[(&str, &[u8], &str)] = &[
    (
        "swagger-ui-bundle.js",
        include_bytes!("../assets/docs/swagger-ui-bundle.js"),
        JS,
    ),
    (
        "swagger-ui.css",
        include_bytes!("../assets/docs/swagger-ui.css"),
        "text/css; charset=utf-8",
    ),
    ("init.js", include_bytes!("../assets/docs/init.js"), JS),
];

const PAGE: &str = include_str!("../assets/docs/index.html");

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/docs", get(page))
        .route("/docs/{file}", get(file))
}

fn headers(content_type: &'static str) -> [(axum::http::HeaderName, &'static str); 6] {
    [
        (CONTENT_TYPE, content_type),
        (CONTENT_SECURITY_POLICY, CSP),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (X_FRAME_OPTIONS, "DENY"),
        (REFERRER_POLICY, "same-origin"),
        // The files change only with the binary; a day is short enough after an upgrade.
        (CACHE_CONTROL, "public, max-age=86400"),
    ]
}

async fn page() -> Response {
    (headers("text/html; charset=utf-8"), PAGE).into_response()
}

async fn file(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, bytes, content_type)) => (headers(content_type), *bytes).into_response(),
        None => ApiError::NotFound(format!(
            "`/docs/{name}` is not a file of the documentation page"
        ))
        .into_response(),
    }
}
