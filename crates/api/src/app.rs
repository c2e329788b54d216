//! Assembling the application: routes, middleware, and serving on a listener until a
//! shutdown signal, so that tests and the binary start it the same way.

use std::future::Future;

use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware::{self, Next};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::Level;

use medley_domain::causes::Causes;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::normalize_path::NormalizePath;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use utoipa::OpenApi;

use crate::edge;
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
    let body_idle = state.config.connections.body_timeout;
    let import_max = state.config.import_max_bytes;
    let audio_max = state.app.audio.settings.upload_max_bytes;
    let uploads = routes::imports::upload_routes()
        .layer(middleware::from_fn(move |r: Request, n: Next| {
            edge::declared_length(import_max, "MEDLEY_IMPORT_MAX_BYTES", r, n)
        }))
        .merge(
            routes::library_files::upload_routes().layer(middleware::from_fn(
                move |r: Request, n: Next| {
                    edge::declared_length(audio_max, "MEDLEY_UPLOAD_MAX_BYTES", r, n)
                },
            )),
        );
    Router::new()
        .merge(routes::api())
        .merge(routes::subsonic::routes())
        .merge(routes::ops::routes())
        .route(
            "/v1/openapi.json",
            get(|| async { axum::Json(ApiDoc::openapi()) }),
        )
        .merge(crate::docs::routes())
        .merge(medley_web::routes())
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(move |r: Request, n: Next| {
            edge::declared_length(limit as u64, "MEDLEY_BODY_LIMIT_BYTES", r, n)
        }))
        .layer(middleware::from_fn(crate::metrics::track))
        .layer(middleware::from_fn(move |r: Request, n: Next| {
            edge::request_timeout(timeout, r, n)
        }))
        .merge(uploads)
        .layer(middleware::from_fn(move |r: Request, n: Next| {
            edge::body_timeout(body_idle, r, n)
        }))
        .layer(CatchPanicLayer::custom(edge::panicked))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(edge::request_span)
                // 5xx answers are logged where they are made (an internal error once, at
                // ERROR); the trace layer's own line about them is a warning.
                .on_failure(DefaultOnFailure::new().level(Level::WARN)),
        )
        .layer(middleware::from_fn(edge::problem_bodies))
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
        Err(e) => tracing::error!(error = %Causes(&e), "checking for interrupted imports failed"),
    }
    if let Err(e) = medley_app::imports::clean_spool(&state.app).await {
        tracing::error!(error = %Causes(&e), "cleaning up the upload folder failed");
    }
    let state_app = state.app.clone();
    let limits = state.config.connections;
    let stop = CancellationToken::new();
    let worker = tokio::spawn(medley_app::worker::run_workers(
        (*state.app).clone(),
        stop.clone(),
    ));
    // With several nodes: caches and the search index follow the other nodes' writes.
    let follower = tokio::spawn(medley_app::remote::follow(
        (*state.app).clone(),
        stop.clone(),
    ));
    let sessions = tokio::spawn(medley_app::accounts::watch_sessions(
        (*state.app).clone(),
        stop.clone(),
    ));
    // Spotify clients sometimes add a trailing slash (`me/`); paths are matched without it.
    let app = NormalizePath::trim_trailing_slash(router(state));
    let served = crate::server::serve_connections(listener, app, limits, shutdown).await;
    // Live shows store their state and close their connections with 1012 (resume later).
    state_app.shows.shutdown().await;
    // Streams have ended with the connections: plays being written are finished.
    state_app.playbacks.shutdown().await;
    stop.cancel();
    if let Err(e) = worker.await {
        tracing::error!(error = %Causes(&e), "the worker ended abnormally");
    }
    let _ = follower.await;
    let _ = sessions.await;
    served
}
