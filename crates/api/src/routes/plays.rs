//! Plays through Medley's player: `POST /v1/me/player/plays` records one,
//! `GET /v1/me/player/recently-played` lists them in Spotify's shape.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use medley_domain::uri::{Kind, Uri};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Query};
use crate::objects::timestamp;
use crate::state::AppState;
use medley_app::now_ms;
use medley_app::plays::{record_player_play, PlayerPlay};

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
    let id = if body.track.contains(':') {
        Uri::parse_kind(&body.track, Kind::Track)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?
            .id
    } else {
        body.track.clone()
    };
    let track = state.app.store.tracks(std::slice::from_ref(&id)).await?;
    let track = track.into_iter().next().ok_or_else(|| {
        ApiError::BadRequest(format!("`{}` is not a track in the catalog", body.track))
    })?;
    let ended_at_ms = match &body.played_at {
        None => now_ms(),
        Some(at) => at
            .parse::<jiff::Timestamp>()
            .map_err(|e| ApiError::BadRequest(format!("`played_at` is not an RFC 3339 time: {e}")))?
            .as_millisecond(),
    };
    let ms_played = body.ms_played.unwrap_or(track.duration_ms);
    let recorded = record_player_play(
        &state.app,
        &auth.user.id,
        PlayerPlay {
            track_id: track.id.clone(),
            name: track.name.clone(),
            artist: track.artists.first().map(|a| a.name.clone()),
            album: Some(track.album.name.clone()),
            ended_at_ms,
            ms_played,
            skipped: body.skipped,
            shuffle: body.shuffle,
        },
    )
    .await?;
    let json = state.track_objects(&[track.id]).await?;
    let status = if recorded.added > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        axum::Json(RecordedPlay {
            recorded: recorded.added > 0,
            played_at: timestamp(ended_at_ms),
            ms_played,
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
    if !(1..=50).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and 50, not {limit}"
        )));
    }
    if p.after.is_some() && p.before.is_some() {
        return Err(ApiError::BadRequest(
            "give `after` or `before`, not both".into(),
        ));
    }
    let rows = state
        .app
        .store
        .recent_track_plays(&auth.user.id, p.after, p.before, limit)
        .await?;
    let ids: Vec<String> = rows.iter().map(|(id, _)| id.clone()).collect();
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
