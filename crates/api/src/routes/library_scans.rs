//! Library scans for administrators: `POST /v1/admin/library/scans` queues a scan of folders on
//! the server, `GET /v1/admin/library/scans/{id}` shows its progress and report,
//! `GET /v1/admin/library/scans` lists them.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use medley_app::library::scan::ScanReport;
use medley_app::library::scans;
use medley_domain::paging::Page;
use medley_store::{ScanStatus, StoredScan};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::catalog::PageParams;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query};
use crate::objects::timestamp;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/library/scans", get(list).post(start))
        .route("/v1/admin/library/scans/{id}", get(show))
}

/// What to scan.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanRequest {
    /// Absolute paths of folders on the server (1 to 100).
    #[schema(min_items = 1, max_items = 100)]
    pub paths: Vec<String>,
    /// Copy the files into the audio storage (so every node can stream them) rather than
    /// reading them in place. Default: yes when the storage is S3, no for a local folder.
    pub copy: Option<bool>,
}

/// A scan and how far it got.
#[derive(Serialize, ToSchema)]
pub struct ScanObject {
    pub id: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    pub paths: Vec<String>,
    pub copy: bool,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub progress: ScanProgressObject,
    /// Why the scan stopped, when it failed.
    pub error: Option<String>,
    /// Counts (found, added, updated, unchanged, moved, restored, missing, failed, copied,
    /// ignored, tracks created and matched) and the files that failed with why.
    #[schema(value_type = Option<Object>)]
    pub report: Option<ScanReport>,
    pub href: String,
}

#[derive(Serialize, ToSchema)]
pub struct ScanProgressObject {
    pub files_total: i64,
    pub files_done: i64,
    /// 0 to 100.
    pub percent: f64,
}

fn object(state: &AppState, s: StoredScan) -> ScanObject {
    let percent = if s.files_total > 0 {
        (s.files_done as f64 * 100.0 / s.files_total as f64).min(100.0)
    } else if s.status == ScanStatus::Done {
        100.0
    } else {
        0.0
    };
    ScanObject {
        href: format!("{}/v1/admin/library/scans/{}", state.render.base, s.id),
        report: s
            .report
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        id: s.id,
        status: s.status.to_string(),
        paths: s.paths,
        copy: s.copy_files,
        created_at: timestamp(s.created_at_ms),
        started_at: s.started_at_ms.map(timestamp),
        finished_at: s.finished_at_ms.map(timestamp),
        progress: ScanProgressObject {
            files_total: s.files_total,
            files_done: s.files_done,
            percent: (percent * 10.0).round() / 10.0,
        },
        error: s.error,
    }
}

/// Scans folders of the server for audio (administrators). The scan runs in the background:
/// follow it at the returned `href`.
#[utoipa::path(post, path = "/v1/admin/library/scans", tag = "library", request_body = ScanRequest,
    responses((status = 202, body = ScanObject), (status = 400), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<AppState>,
    auth: Auth,
    Json(req): Json<ScanRequest>,
) -> ApiResult<impl IntoResponse> {
    let stored = scans::request(&state.app, &auth.user, &req.paths, req.copy).await?;
    let object = object(&state, stored);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, object.href.clone())],
        axum::Json(object),
    ))
}

/// A library scan: its progress while it runs, its report when it has ended.
#[utoipa::path(get, path = "/v1/admin/library/scans/{id}", tag = "library",
    responses((status = 200, body = ScanObject), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ScanObject>> {
    let stored = scans::get(&state.app, &auth.user, &id).await?;
    Ok(axum::Json(object(&state, stored)))
}

/// Library scans, newest first (administrators).
#[utoipa::path(get, path = "/v1/admin/library/scans", tag = "library", params(PageParams),
    responses((status = 200, body = Vec<ScanObject>), (status = 403)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Vec<ScanObject>>> {
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let found = scans::list(&state.app, &auth.user, page.limit, page.offset).await?;
    Ok(axum::Json(
        found.into_iter().map(|s| object(&state, s)).collect(),
    ))
}
