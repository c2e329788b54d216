//! Questions about time: totals of a window, timeline, heatmap, streaks and discoveries.

use axum::extract::State;
use axum::Json;
use chrono::TimeZone;
use medley_stats as stats;

use super::objects::{
    DiscoveriesObject, DiscoveryPeriod, FirstListen, HeatmapCell, HeatmapObject, SortedJson,
    StreaksObject, TimelineObject, TimelinePoint, TotalsObject,
};
use super::params::{limit, BucketParams, DiscoveryParams, Period, TrackOrArtist, Window};
use super::render;
use crate::error::ApiResult;
use crate::extract::{Auth, Query};
use crate::objects::timestamp;
use crate::state::AppState;
use medley_app::now_ms;

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Plays, listening time and distinct tracks, artists and albums of a window.
#[utoipa::path(get, path = "/v1/me/stats/totals", tag = "stats", params(Window),
    responses((status = 200, body = TotalsObject), (status = 400)), security(("bearer" = [])))]
pub async fn totals(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
) -> ApiResult<SortedJson<TotalsObject>> {
    let q = w.query()?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    Ok(SortedJson((&stats::totals(&h.history, &q)).into()))
}

/// Plays and time per day, week, month or year, empty periods included.
#[utoipa::path(get, path = "/v1/me/stats/timeline", tag = "stats", params(Window, BucketParams),
    responses((status = 200, body = TimelineObject), (status = 400)), security(("bearer" = [])))]
pub async fn timeline(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
    Query(b): Query<BucketParams>,
) -> ApiResult<SortedJson<TimelineObject>> {
    let q = w.query()?;
    let bucket = b.bucket.unwrap_or(Period::Month);
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let points = stats::timeline(&h.history, &q, bucket.into())
        .into_iter()
        .map(|p| TimelinePoint {
            start: p.start.to_string(),
            plays: p.plays,
            ms: p.ms,
        })
        .collect();
    Ok(SortedJson(TimelineObject {
        bucket,
        tz: q.tz.name().to_owned(),
        points,
    }))
}

/// Plays by weekday (Monday first) and local hour.
#[utoipa::path(get, path = "/v1/me/stats/heatmap", tag = "stats", params(Window),
    responses((status = 200, body = HeatmapObject), (status = 400)), security(("bearer" = [])))]
pub async fn heatmap(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
) -> ApiResult<SortedJson<HeatmapObject>> {
    let q = w.query()?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let cells = stats::heatmap(&h.history, &q)
        .cells
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|c| HeatmapCell {
                    plays: c.plays,
                    ms: c.ms,
                })
                .collect()
        })
        .collect();
    Ok(SortedJson(HeatmapObject {
        tz: q.tz.name().to_owned(),
        weekdays: WEEKDAYS,
        cells,
    }))
}

/// The longest and the current run of days with plays.
#[utoipa::path(get, path = "/v1/me/stats/streaks", tag = "stats", params(Window),
    responses((status = 200, body = StreaksObject), (status = 400)), security(("bearer" = [])))]
pub async fn streaks(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
) -> ApiResult<Json<StreaksObject>> {
    let q = w.query()?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let today =
        q.tz.timestamp_millis_opt(now_ms())
            .single()
            .map(|t| t.date_naive())
            .ok_or_else(|| anyhow::anyhow!("the clock is out of range"))?;
    let s = stats::streaks(&h.history, &q, today);
    Ok(Json(StreaksObject {
        longest: s.longest.map(Into::into),
        current: s.current.map(Into::into),
    }))
}

/// First listens ever (tracks or artists) per period of the window.
#[utoipa::path(get, path = "/v1/me/stats/discoveries", tag = "stats", params(Window, DiscoveryParams),
    responses((status = 200, body = DiscoveriesObject), (status = 400)), security(("bearer" = [])))]
pub async fn discoveries(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
    Query(p): Query<DiscoveryParams>,
) -> ApiResult<SortedJson<DiscoveriesObject>> {
    let q = w.query()?;
    let entity = p.kind.unwrap_or(TrackOrArtist::Tracks).into();
    let bucket = p.bucket.unwrap_or(Period::Month);
    let listed = limit(p.limit, 10, 50)?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let periods = stats::discoveries(&h.history, &q, entity, bucket.into(), listed);
    // One lookup for the items of every period.
    let indices: Vec<u32> = periods
        .iter()
        .flat_map(|p| p.first.iter().map(|(e, _)| *e))
        .collect();
    let mut items = render::items(&state, &h, entity, &indices)
        .await?
        .into_iter();
    let periods = periods
        .into_iter()
        .map(|period| DiscoveryPeriod {
            start: period.start.to_string(),
            count: period.count,
            first: period
                .first
                .iter()
                .map(|(_, at)| FirstListen {
                    first_played_at: timestamp(*at),
                    item: items.next().expect("one item per first listen"),
                })
                .collect(),
        })
        .collect();
    Ok(SortedJson(DiscoveriesObject { bucket, periods }))
}
