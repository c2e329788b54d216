//! Operations: liveness, readiness, Prometheus metrics.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The server can serve requests: its database answers. The body's first line is `ready`; the
/// next says whether streams can be transcoded (`transcoding: available (ffmpeg …)` or
/// `transcoding: unavailable (…): originals only`), which never makes the server unready.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200), (status = 503)))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<String> {
    // With several nodes, a node that lost NATS cannot hear the others and would serve caches
    // they no longer drop: the balancer should send its requests elsewhere.
    if state.app.bus.link_up() == Some(false) {
        return Err(ApiError::Unavailable(
            "this node lost its connection to NATS and cannot hear the other nodes".into(),
        ));
    }
    medley_app::admin::check_database(&state.app).await?;
    Ok(format!(
        "ready\ntranscoding: {}\n",
        state.app.audio.transcoder.describe()
    ))
}

/// This node's stream caches, counted by the node itself (not the process-wide recorder).
fn node_metrics(state: &AppState) -> String {
    let mut out = String::new();
    let mut put = |name: &str, kind: &str, help: &str, value: u64| {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    };
    let audio = &state.app.audio;
    if let Some(hot) = &audio.hot {
        let s = hot.stats();
        put(
            "medley_hot_cache_hits_total",
            "counter",
            "Streams of S3 objects served from this node's disk.",
            s.hits,
        );
        put(
            "medley_hot_cache_misses_total",
            "counter",
            "Streams of S3 objects read from S3 (a copy is then made on this node).",
            s.misses,
        );
        put(
            "medley_hot_cache_bytes",
            "gauge",
            "Bytes of hot objects on this node's disk.",
            s.bytes,
        );
        put(
            "medley_hot_cache_max_bytes",
            "gauge",
            "The bound of the hot-object cache.",
            s.max_bytes,
        );
    }
    let (owned, relays) = state.app.shows.running_counts();
    put(
        "medley_live_shows_owned",
        "gauge",
        "Live shows whose actor runs on this node (with several nodes: whose lease it holds).",
        owned as u64,
    );
    put(
        "medley_live_relays",
        "gauge",
        "Live shows this node relays to its own listeners (several nodes).",
        relays as u64,
    );
    put(
        "medley_stream_playbacks_waiting",
        "gauge",
        "Streamed playbacks whose play-count threshold has not come yet.",
        state.app.playbacks.waiting(),
    );
    let (max, held) = audio.transcoder.cache_bytes();
    put(
        "medley_transcode_cache_bytes",
        "gauge",
        "Bytes of complete transcodes kept.",
        held,
    );
    put(
        "medley_transcode_cache_max_bytes",
        "gauge",
        "The bound of the transcode cache.",
        max,
    );
    out
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    match &state.metrics {
        Some(handle) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render() + &node_metrics(&state),
        )
            .into_response(),
        None => ApiError::Unavailable("metrics are disabled".into()).into_response(),
    }
}
