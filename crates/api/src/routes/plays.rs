//! Plays through Medley's player: `POST /v1/me/player/plays` records one,
//! `GET /v1/me/player/recently-played` lists them in Spotify's shape.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiResult;
use crate::extract::{Auth, Json, Query};
use crate::objects::timestamp;
use crate::state::AppState;
use medley_app::plays::{self, play_track, ReportedPlay};
use medley_domain::TrackId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/me/player/plays", post(play))
        .route("/v1/me/player/recently-played", get(recently_played))
}

/// A play to record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlayBody {
    /// `medley:track:<id>` or the track id.
    pub track: String,
    /// When the play ended (RFC 3339); now when absent.
    pub played_at: Option<String>,
    /// How long it played; the whole track when absent.
    pub ms_played: Option<i64>,
    pub skipped: Option<bool>,
    pub shuffle: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordedPlay {
    /// False when this play was already recorded (sent twice).
    pub recorded: bool,
    pub played_at: String,
    pub ms_played: i64,
    #[schema(value_type = Object)]
    pub track: medley_app::cache::TrackJson,
}

/// Records a play of a catalog track by the current user.
#[utoipa::path(post, path = "/v1/me/player/plays", tag = "stats", request_body = NewPlayBody,
    responses((status = 201, body = RecordedPlay), (status = 200, body = RecordedPlay, description = "already recorded"), (status = 400)),
    security(("bearer" = [])))]
pub async fn play(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewPlayBody>,
) -> ApiResult<(StatusCode, axum::Json<RecordedPlay>)> {
    let played = play_track(
        &state.app,
        &auth.user,
        ReportedPlay {
            track: body.track,
            played_at: body.played_at,
            ms_played: body.ms_played,
            skipped: body.skipped,
            shuffle: body.shuffle,
        },
    )
    .await?;
    let json = state.track_objects(&[played.track_id]).await?;
    let status = if played.recorded {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        axum::Json(RecordedPlay {
            recorded: played.recorded,
            played_at: timestamp(played.ended_at_ms),
            ms_played: played.ms_played,
            track: json.into_iter().next().flatten().expect("the track exists"),
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct RecentParams {
    /// 1 to 50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
    /// Plays after this Unix time in ms (exclusive).
    pub after: Option<i64>,
    /// Plays before this Unix time in ms (exclusive).
    pub before: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PlayHistory {
    #[schema(value_type = Object)]
    pub track: medley_app::cache::TrackJson,
    pub played_at: String,
    #[schema(value_type = Option<Object>)]
    pub context: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct Cursors {
    pub after: Option<String>,
    pub before: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecentlyPlayed {
    pub href: String,
    pub limit: i64,
    pub next: Option<String>,
    pub cursors: Option<Cursors>,
    pub items: Vec<PlayHistory>,
}

/// The current user's recently played tracks, latest first (Spotify's shape and cursors).
#[utoipa::path(get, path = "/v1/me/player/recently-played", tag = "stats", params(RecentParams),
    responses((status = 200, body = RecentlyPlayed), (status = 400)), security(("bearer" = [])))]
pub async fn recently_played(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<RecentParams>,
) -> ApiResult<axum::Json<RecentlyPlayed>> {
    let limit = p.limit.unwrap_or(20);
    let rows = plays::recent_tracks(&state.app, &auth.user, p.after, p.before, limit).await?;
    let ids: Vec<TrackId> = rows.iter().map(|(id, _)| id.clone()).collect();
    let tracks = state.track_objects(&ids).await?;
    let items: Vec<PlayHistory> = rows
        .iter()
        .zip(tracks)
        .filter_map(|((_, at), t)| {
            t.map(|track| PlayHistory {
                track,
                played_at: timestamp(*at),
                context: None,
            })
        })
        .collect();
    let base = format!("{}/v1/me/player/recently-played", state.render.base);
    let oldest = rows.last().map(|(_, at)| *at);
    let newest = rows.first().map(|(_, at)| *at);
    let next = match oldest {
        Some(at) if rows.len() as i64 == limit => Some(format!("{base}?before={at}&limit={limit}")),
        _ => None,
    };
    Ok(axum::Json(RecentlyPlayed {
        href: format!("{base}?limit={limit}"),
        limit,
        next,
        cursors: oldest.map(|at| Cursors {
            after: newest.map(|n| n.to_string()),
            before: Some(at.to_string()),
        }),
        items,
    }))
}
