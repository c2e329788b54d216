//! Composite playlists over HTTP: `/v1/playlists/{id}/composition` (configure, read, remove,
//! preview, sync) and `/v1/playlists/{id}/suppressed` (the owner's tombstones).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use medley_compose::{Composite, Mode, Options, Report, Source};
use medley_domain::{PlaylistId, TrackId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path};
use crate::state::AppState;
use medley_app::cache::TrackJson;
use medley_app::compositions::{self, mode_name};
use medley_store::StoredComposite;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/playlists/{id}/composition",
            get(read).put(configure).delete(remove),
        )
        .route("/v1/playlists/{id}/composition/preview", post(preview))
        .route("/v1/playlists/{id}/composition/sync", post(sync))
        .route(
            "/v1/playlists/{id}/suppressed",
            get(suppressed).delete(restore),
        )
}

#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct SourceBody {
    /// `medley:playlist:<id>`.
    pub uri: String,
    /// `include` (default) or `exclude`.
    #[serde(default = "include")]
    #[schema(value_type = String)]
    pub mode: Mode,
}

fn include() -> Mode {
    Mode::Include
}

/// A composition: sources and options (`identity`: id|isrc|fuzzy, `archive`, `cap`, `filters`:
/// {explicit, min_duration_ms, max_duration_ms, artists, exclude_artists, added_within_days},
/// `ordering`: append|source_order|interleave).
#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct CompositionBody {
    pub sources: Vec<SourceBody>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub options: Options,
}

impl From<CompositionBody> for Composite {
    fn from(b: CompositionBody) -> Composite {
        Composite {
            sources: b
                .sources
                .into_iter()
                .map(|s| Source {
                    uri: s.uri,
                    mode: s.mode,
                })
                .collect(),
            options: b.options,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SourceView {
    pub uri: String,
    pub mode: &'static str,
    /// Whether the last read succeeded; a failing source's contributions are frozen.
    pub healthy: bool,
    pub last_read_at: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CompositionView {
    pub sources: Vec<SourceView>,
    #[schema(value_type = Object)]
    pub options: Options,
    pub last_sync_at: Option<String>,
    /// `null` until the first sync.
    #[schema(value_type = Option<Object>)]
    pub last_report: Option<serde_json::Value>,
}

/// A sync's outcome with track URIs.
#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Tracks the rule wants that the cap leaves out.
    pub overflow: Vec<String>,
    /// Tracks learned as the owner's own additions.
    pub learned_direct: Vec<String>,
    /// Tracks learned as the owner's own removals (now tombstones).
    pub learned_suppressed: Vec<String>,
    /// Sources that could not be read: `{"uri", "error"}`.
    pub unhealthy: Vec<serde_json::Value>,
}

fn uris(ids: Vec<TrackId>) -> Vec<String> {
    ids.into_iter()
        .map(|id| format!("medley:track:{id}"))
        .collect()
}

impl From<Report> for ReportView {
    fn from(r: Report) -> ReportView {
        ReportView {
            added: uris(r.added),
            removed: uris(r.removed),
            overflow: uris(r.overflow),
            learned_direct: uris(r.learned_direct),
            learned_suppressed: uris(r.learned_suppressed),
            unhealthy: r
                .unhealthy
                .into_iter()
                .map(|(uri, error)| serde_json::json!({"uri": uri, "error": error}))
                .collect(),
        }
    }
}

fn view(stored: StoredComposite) -> CompositionView {
    let sources = stored
        .composite
        .sources
        .iter()
        .map(|s| {
            let memo = stored
                .ledger
                .sources
                .get(&s.uri)
                .cloned()
                .unwrap_or_default();
            SourceView {
                uri: s.uri.clone(),
                mode: mode_name(s.mode),
                healthy: memo.healthy,
                last_read_at: memo.last_ok_ms.map(crate::objects::timestamp),
                last_error: memo.last_error,
            }
        })
        .collect();
    CompositionView {
        sources,
        options: stored.composite.options,
        last_sync_at: stored.last_sync_ms.map(crate::objects::timestamp),
        last_report: stored
            .last_report
            .and_then(|r| serde_json::from_str(&r).ok()),
    }
}

/// The composition of a playlist, with each source's health.
#[utoipa::path(get, path = "/v1/playlists/{id}/composition", params(("id" = String, Path)), tag = "composites", responses((status = 200, body = CompositionView), (status = 404)), security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
) -> ApiResult<axum::Json<CompositionView>> {
    let stored = compositions::read(&state.app, &auth.user, &id).await?;
    Ok(axum::Json(view(stored)))
}

#[derive(Serialize, ToSchema)]
pub struct Configured {
    pub composition: CompositionView,
    pub sync: ReportView,
}

/// Make the playlist composite (or change its sources and options), then sync it.
#[utoipa::path(put, path = "/v1/playlists/{id}/composition", params(("id" = String, Path)), tag = "composites", request_body = CompositionBody,
    responses((status = 200, body = Configured), (status = 400), (status = 403), (status = 404), (status = 409, description = "the sources would make a cycle")), security(("bearer" = [])))]
pub async fn configure(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
    Json(body): Json<CompositionBody>,
) -> ApiResult<axum::Json<Configured>> {
    let report = compositions::configure(&state.app, &auth.user, &id, &body.into()).await?;
    Ok(axum::Json(Configured {
        composition: view(compositions::read(&state.app, &auth.user, &id).await?),
        sync: report.into(),
    }))
}

/// Turn the composite back into a plain playlist; its items stay.
#[utoipa::path(delete, path = "/v1/playlists/{id}/composition", params(("id" = String, Path)), tag = "composites", responses((status = 204), (status = 404)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
) -> ApiResult<StatusCode> {
    compositions::remove(&state.app, &auth.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a proposed composition would add and remove, without changing anything.
#[utoipa::path(post, path = "/v1/playlists/{id}/composition/preview", params(("id" = String, Path)), tag = "composites", request_body = CompositionBody,
    responses((status = 200, body = ReportView), (status = 400), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn preview(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
    Json(body): Json<CompositionBody>,
) -> ApiResult<axum::Json<ReportView>> {
    Ok(axum::Json(
        compositions::preview(&state.app, &auth.user, &id, &body.into())
            .await?
            .into(),
    ))
}

/// Sync now, answered with what changed.
#[utoipa::path(post, path = "/v1/playlists/{id}/composition/sync", params(("id" = String, Path)), tag = "composites", responses((status = 200, body = ReportView), (status = 404)), security(("bearer" = [])))]
pub async fn sync(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
) -> ApiResult<axum::Json<ReportView>> {
    Ok(axum::Json(
        compositions::sync_now(&state.app, &auth.user, &id)
            .await?
            .into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Suppressed {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<TrackJson>,
    pub total: usize,
}

/// The tracks the owner removed from the composite, which sources will not bring back.
#[utoipa::path(get, path = "/v1/playlists/{id}/suppressed", params(("id" = String, Path)), tag = "composites", responses((status = 200, body = Suppressed), (status = 404)), security(("bearer" = [])))]
pub async fn suppressed(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
) -> ApiResult<axum::Json<Suppressed>> {
    let ids = compositions::suppressed(&state.app, &auth.user, &id).await?;
    let items: Vec<TrackJson> = state
        .track_objects(&ids)
        .await?
        .into_iter()
        .flatten()
        .collect();
    Ok(axum::Json(Suppressed {
        total: items.len(),
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreBody {
    pub uris: Vec<String>,
}

/// Clear tombstones; a restored track comes back if the rule says so.
#[utoipa::path(delete, path = "/v1/playlists/{id}/suppressed", params(("id" = String, Path)), tag = "composites", request_body = RestoreBody,
    responses((status = 200, body = ReportView), (status = 400), (status = 404)), security(("bearer" = [])))]
pub async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<PlaylistId>,
    Json(body): Json<RestoreBody>,
) -> ApiResult<axum::Json<ReportView>> {
    let report = compositions::restore(&state.app, &auth.user, &id, &body.uris).await?;
    Ok(axum::Json(report.into()))
}
