//! Imports of listening-history exports: `POST /v1/me/imports` (the file as the request body),
//! `GET /v1/me/imports` and `GET /v1/me/imports/{id}`.
//!
//! Uploads are not bound by the general body limit and request timeout (an export is
//! hundreds of megabytes): these routes get their own limit, `MEDLEY_IMPORT_MAX_BYTES`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use medley_domain::paging::Page;
use medley_domain::ImportId;
use medley_imports::ImportReport;
use medley_store::{ImportStatus, StoredImport};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::catalog::PageParams;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Path, Query};
use crate::objects::timestamp;
use crate::state::AppState;
use crate::text_enums::text;
use medley_app::imports;

/// The upload route, mounted outside the body limit and timeout of the other routes.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/v1/me/imports", post(upload))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/me/imports", get(list))
        .route("/v1/me/imports/{id}", get(show))
}

#[derive(Deserialize, IntoParams)]
pub struct UploadParams {
    /// The file's name, shown in the report (default `upload.json` or `upload.zip`).
    pub name: Option<String>,
}

/// An import and how far it got.
#[derive(Serialize, ToSchema)]
pub struct ImportObject {
    pub id: String,
    pub name: String,
    /// `running`, `done` or `failed`.
    #[schema(schema_with = text::<ImportStatus>)]
    pub status: ImportStatus,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub progress: ImportProgress,
    /// Why the import stopped, when it failed.
    pub error: Option<String>,
    /// What happened to each file and record (files finished so far while running); `null`
    /// until there is something to report.
    #[schema(value_type = Option<Object>)]
    pub report: Option<ImportReport>,
    pub href: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportProgress {
    pub bytes_total: i64,
    pub bytes_done: i64,
    pub rows_done: i64,
    /// 0 to 100.
    pub percent: f64,
}

fn object(state: &AppState, i: StoredImport) -> ImportObject {
    let report = i
        .report
        .as_deref()
        .and_then(|r| serde_json::from_str::<ImportReport>(r).ok());
    let percent = if i.bytes_total > 0 {
        (i.bytes_done as f64 * 100.0 / i.bytes_total as f64).min(100.0)
    } else {
        0.0
    };
    ImportObject {
        href: format!("{}/v1/me/imports/{}", state.render.base, i.id),
        id: i.id.into_string(),
        name: i.name,
        status: i.status,
        created_at: timestamp(i.created_at_ms),
        finished_at: i.finished_at_ms.map(timestamp),
        progress: ImportProgress {
            bytes_total: i.bytes_total,
            bytes_done: i.bytes_done,
            rows_done: i.rows_done,
            percent: (percent * 10.0).round() / 10.0,
        },
        error: i.error,
        report,
    }
}

/// Uploads an export to import: one `.json` file (Extended streaming history, Account data,
/// ListenBrainz) or a whole `my_spotify_data.zip`, as the request body. The file is checked
/// (format, zip limits) before the answer; the import itself runs in the background.
#[utoipa::path(post, path = "/v1/me/imports", tag = "stats", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 202, body = ImportObject), (status = 400), (status = 413), (status = 415), (status = 422)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<impl IntoResponse> {
    if let Some(kind) = headers.get(header::CONTENT_TYPE) {
        let kind = kind.to_str().unwrap_or("");
        if kind.starts_with("multipart/") {
            return Err(ApiError::UnsupportedMediaType(
                "send the file itself as the request body (curl --data-binary @file), not as \
                 a form"
                    .into(),
            ));
        }
    }
    let id = ImportId::new();
    let spooled = imports::spool(&state.app, body.into_data_stream(), &id).await?;
    let name = match p.name {
        Some(name) if !name.trim().is_empty() => name.trim().to_owned(),
        _ if medley_imports::inputs::is_zip(&spooled.path).unwrap_or(false) => "upload.zip".into(),
        _ => "upload.json".into(),
    };
    imports::entries(&state.app, &spooled, &name).await?;
    imports::accept(&state.app, &auth.user.id, &id, &name, spooled).await?;
    let stored = imports::find(&state.app, &auth.user, &id).await?;
    let object = object(&state, stored);
    let location = object.href.clone();
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(object),
    ))
}

/// One of the current user's imports.
#[utoipa::path(get, path = "/v1/me/imports/{id}", params(("id" = String, Path)), tag = "stats", responses((status = 200, body = ImportObject), (status = 404)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ImportId>,
) -> ApiResult<axum::Json<ImportObject>> {
    let found = imports::find(&state.app, &auth.user, &id).await?;
    Ok(axum::Json(object(&state, found)))
}

/// The current user's imports, newest first.
#[utoipa::path(get, path = "/v1/me/imports", tag = "stats", params(PageParams), responses((status = 200, body = Vec<ImportObject>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Vec<ImportObject>>> {
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let found = imports::list(&state.app, &auth.user, page).await?;
    Ok(axum::Json(
        found.into_iter().map(|i| object(&state, i)).collect(),
    ))
}
