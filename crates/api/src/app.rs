//! Assembling the application: routes, middleware, and serving on a listener until a
//! shutdown signal, so that tests and the binary start it the same way.

use std::future::Future;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use axum::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::normalize_path::NormalizePath;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_scalar::{Scalar, Servable};

use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::routes;
use crate::state::AppState;

/// The whole HTTP application.
pub fn router(mut state: AppState) -> Router {
    if state.metrics.is_none() {
        state.metrics = Some(crate::metrics::recorder());
    }
    let request_id = HeaderName::from_static("x-request-id");
    let limit = state.config.body_limit_bytes;
    let timeout = state.config.request_timeout;
    Router::new()
        .merge(routes::api())
        .merge(routes::subsonic::routes())
        .merge(routes::ops::routes())
        .route(
            "/v1/openapi.json",
            get(|| async { axum::Json(ApiDoc::openapi()) }),
        )
        .merge(Scalar::with_url("/docs", ApiDoc::openapi()))
        .merge(medley_web::routes())
        .fallback(fallback)
        .method_not_allowed_fallback(|| async {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                axum::Json(serde_json::json!({
                    "type": "about:blank", "title": "Method Not Allowed", "status": 405,
                    "detail": "this endpoint does not accept that method: see /docs",
                })),
            )
        })
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .merge(routes::imports::upload_routes())
        .merge(routes::library_files::upload_routes())
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        // Spans name the path, never the query: Subsonic players send their API key or
        // password there, and signed stream URLs their signature.
        .layer(TraceLayer::new_for_http().make_span_with(
            |request: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                )
            },
        ))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// The web app's shell for its own pages (`/`, `/search`, …); a JSON 404 for the rest.
async fn fallback(request: axum::extract::Request) -> axum::response::Response {
    use axum::response::IntoResponse;
    if medley_web::is_app_path(request.method(), request.uri().path()) {
        return medley_web::shell(request.headers());
    }
    ApiError::NotFound("no such endpoint: the API is described at /docs".into()).into_response()
}

/// Serves until `shutdown` completes, then finishes requests in flight. The worker (scheduled
/// syncs, composites following their sources, imports: the work queue) runs alongside; after
/// the last request it finishes the work under way and gives back what it had not started.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    match medley_app::imports::fail_interrupted(&state.app).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            imports = n,
            "imports interrupted by a stop were marked failed"
        ),
        Err(e) => tracing::error!(error = %e, "checking for interrupted imports failed"),
    }
    let state_app = state.app.clone();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(medley_app::worker::run_workers(
        state.app.clone(),
        stop.clone(),
    ));
    // Spotify clients sometimes add a trailing slash (`me/`); paths are matched without it.
    let app = NormalizePath::trim_trailing_slash(router(state));
    // Streamed bodies (audio) go out as soon as they are read: without TCP_NODELAY the first
    // chunk after the headers waits for the client's delayed ACK (about 40 ms).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let served = axum::serve(
        listener,
        ServiceExt::<axum::extract::Request>::into_make_service(app),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    // Live shows store their state and close their connections with 1012 (resume later).
    state_app.shows.shutdown().await;
    stop.cancel();
    if let Err(e) = worker.await {
        tracing::error!(error = %e, "the worker ended abnormally");
    }
    served
}
