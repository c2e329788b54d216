//! Scheduled one-way syncs: `/v1/sync-jobs`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use medley_domain::paging::Page;
use medley_domain::SyncJobId;
use medley_store::{SyncJob, SyncRun, Trigger};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::catalog::PageParams;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query};
use crate::objects::{timestamp, Paging};
use crate::state::AppState;
use crate::text_enums::text;
use medley_app::sync_jobs;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/sync-jobs", get(list).post(create))
        .route("/v1/sync-jobs/next-runs", get(next_runs))
        .route("/v1/sync-jobs/{id}", get(read).delete(remove))
        .route("/v1/sync-jobs/{id}/pause", post(pause))
        .route("/v1/sync-jobs/{id}/resume", post(resume))
        .route("/v1/sync-jobs/{id}/run", post(run_now))
        .route("/v1/sync-jobs/{id}/runs", get(runs))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSyncJob {
    /// What to copy from: `medley:playlist:<id>`, `spotify:playlist:<id>` (one your connected
    /// account owns or collaborates on) or `spotify:user:<id>:collection` (its Liked Songs).
    pub source: String,
    /// What to copy into, of the same kinds (you must be able to change it).
    pub target: String,
    /// Five-field cron, e.g. `0 9 * * MON`.
    pub schedule: String,
    /// IANA time zone the schedule is read in; default `UTC`.
    #[serde(default = "utc")]
    pub timezone: String,
}

fn utc() -> String {
    "UTC".into()
}

#[derive(Serialize, ToSchema)]
pub struct SyncJobView {
    pub id: String,
    pub source: String,
    pub target: String,
    pub schedule: String,
    pub timezone: String,
    pub paused: bool,
    /// Why Medley paused the job: `spotify_reconnect` (a Spotify account it reads or writes
    /// must be connected again; it resumes by itself once it is). `null` when it runs or its
    /// owner paused it.
    pub paused_reason: Option<String>,
    pub next_run_at: Option<String>,
    pub created_at: String,
}

impl From<SyncJob> for SyncJobView {
    fn from(j: SyncJob) -> SyncJobView {
        SyncJobView {
            id: j.id.into_string(),
            source: j.source_uri,
            target: j.target_uri,
            schedule: j.schedule,
            timezone: j.timezone,
            paused: j.paused,
            paused_reason: j.paused_reason.map(|r| r.to_string()),
            next_run_at: j.next_run_at_ms.map(timestamp),
            created_at: timestamp(j.created_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SyncRunView {
    pub id: String,
    /// `schedule` or `manual`.
    #[schema(schema_with = text::<Trigger>)]
    pub trigger: Trigger,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Tracks copied into the target.
    pub added: i64,
    /// Source tracks not copied: already in the target, copied once and deleted since, or
    /// (into Spotify) tracks Spotify does not have.
    pub skipped: i64,
    pub error: Option<String>,
    /// Requests to Spotify the run cost.
    pub requests: i64,
}

impl From<SyncRun> for SyncRunView {
    fn from(r: SyncRun) -> SyncRunView {
        SyncRunView {
            id: r.id,
            trigger: r.trigger,
            started_at: timestamp(r.started_at_ms),
            finished_at: r.finished_at_ms.map(timestamp),
            added: r.added,
            skipped: r.skipped,
            error: r.error,
            requests: r.requests,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SyncJobs {
    pub items: Vec<SyncJobView>,
}

/// Create a scheduled one-way sync.
#[utoipa::path(post, path = "/v1/sync-jobs", tag = "composites", request_body = NewSyncJob,
    responses((status = 201, body = SyncJobView), (status = 400), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Json(b): Json<NewSyncJob>,
) -> ApiResult<(StatusCode, axum::Json<SyncJobView>)> {
    let job = sync_jobs::create(
        &state.app,
        &auth.user,
        &b.source,
        &b.target,
        &b.schedule,
        &b.timezone,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(job.into())))
}

/// Your sync jobs.
#[utoipa::path(get, path = "/v1/sync-jobs", tag = "composites", responses((status = 200, body = SyncJobs)), security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<SyncJobs>> {
    let jobs = sync_jobs::list(&state.app, &auth.user).await?;
    Ok(axum::Json(SyncJobs {
        items: jobs.into_iter().map(Into::into).collect(),
    }))
}

/// One sync job.
#[utoipa::path(get, path = "/v1/sync-jobs/{id}", params(("id" = String, Path)), tag = "composites", responses((status = 200, body = SyncJobView), (status = 404)), security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<SyncJobId>,
) -> ApiResult<axum::Json<SyncJobView>> {
    Ok(axum::Json(
        sync_jobs::owned(&state.app, &auth.user, &id).await?.into(),
    ))
}

/// Delete a sync job and its history.
#[utoipa::path(delete, path = "/v1/sync-jobs/{id}", params(("id" = String, Path)), tag = "composites", responses((status = 204), (status = 404)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<SyncJobId>,
) -> ApiResult<StatusCode> {
    let job = sync_jobs::owned(&state.app, &auth.user, &id).await?;
    sync_jobs::delete(&state.app, &job).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stop running on schedule.
#[utoipa::path(post, path = "/v1/sync-jobs/{id}/pause", params(("id" = String, Path)), tag = "composites", responses((status = 200, body = SyncJobView), (status = 404)), security(("bearer" = [])))]
pub async fn pause(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<SyncJobId>,
) -> ApiResult<axum::Json<SyncJobView>> {
    let job = sync_jobs::owned(&state.app, &auth.user, &id).await?;
    Ok(axum::Json(
        sync_jobs::set_paused(&state.app, &job, true).await?.into(),
    ))
}

/// Run on schedule again, from the next time the schedule says.
#[utoipa::path(post, path = "/v1/sync-jobs/{id}/resume", params(("id" = String, Path)), tag = "composites", responses((status = 200, body = SyncJobView), (status = 404)), security(("bearer" = [])))]
pub async fn resume(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<SyncJobId>,
) -> ApiResult<axum::Json<SyncJobView>> {
    let job = sync_jobs::owned(&state.app, &auth.user, &id).await?;
    Ok(axum::Json(
        sync_jobs::set_paused(&state.app, &job, false).await?.into(),
    ))
}

/// Run now (queued at once; the run appears under `/runs`).
#[utoipa::path(post, path = "/v1/sync-jobs/{id}/run", params(("id" = String, Path)), tag = "composites", responses((status = 202), (status = 404)), security(("bearer" = [])))]
pub async fn run_now(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<SyncJobId>,
) -> ApiResult<StatusCode> {
    let job = sync_jobs::owned(&state.app, &auth.user, &id).await?;
    sync_jobs::run_soon(&state.app, &job).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The job's runs, newest first.
#[utoipa::path(get, path = "/v1/sync-jobs/{id}/runs", tag = "composites", params(PageParams, ("id" = String, Path)), responses((status = 200, body = Paging<SyncRunView>), (status = 404)), security(("bearer" = [])))]
pub async fn runs(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<SyncJobId>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Paging<SyncRunView>>> {
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let job = sync_jobs::owned(&state.app, &auth.user, &id).await?;
    let (runs, total) = sync_jobs::runs(&state.app, &job, page).await?;
    let items = runs.into_iter().map(Into::into).collect();
    Ok(axum::Json(state.render.paging(
        &format!("sync-jobs/{id}/runs"),
        page,
        total,
        items,
    )))
}

#[derive(Deserialize, IntoParams)]
pub struct NextRunsParams {
    /// Five-field cron, e.g. `0 9 * * MON`.
    pub schedule: String,
    /// IANA time zone the schedule is read in; default `UTC`.
    pub timezone: Option<String>,
    /// How many runs (1 to 20, default 5).
    pub count: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct NextRuns {
    pub schedule: String,
    pub timezone: String,
    /// The next runs from now, as UTC times.
    pub next_runs: Vec<String>,
}

/// When a schedule would run next: check a schedule before making a job with it.
#[utoipa::path(get, path = "/v1/sync-jobs/next-runs", tag = "composites", params(NextRunsParams),
    responses((status = 200, body = NextRuns), (status = 400)), security(("bearer" = [])))]
pub async fn next_runs(
    _auth: Auth,
    Query(p): Query<NextRunsParams>,
) -> ApiResult<axum::Json<NextRuns>> {
    let timezone = p.timezone.unwrap_or_else(utc);
    let runs = sync_jobs::next_runs(
        &p.schedule,
        &timezone,
        medley_app::now_ms(),
        p.count.unwrap_or(5),
    )?;
    Ok(axum::Json(NextRuns {
        schedule: p.schedule.trim().to_owned(),
        timezone,
        next_runs: runs.into_iter().map(timestamp).collect(),
    }))
}
