//! Listening statistics: `/v1/me/stats/…` (Medley's questions) and `/v1/me/top/{type}`
//! (Spotify's shape). Every question takes a window (`from`, `to`: RFC 3339 times or local
//! dates), a time zone (`tz`, IANA), `min_ms` (default 30,000) and `podcasts`.

use std::collections::HashMap;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use chrono::TimeZone;
use medley_domain::paging::Page;
use medley_stats::{self as stats, Bucket, By, Entity, Query as StatsQuery};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Path, Query};
use crate::objects::{timestamp, Paging};
use crate::state::AppState;
use medley_app::now_ms;
use medley_app::stats::{self as stats_service, UserHistory};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/me/stats/top/{kind}", get(top))
        .route("/v1/me/stats/totals", get(totals))
        .route("/v1/me/stats/timeline", get(timeline))
        .route("/v1/me/stats/heatmap", get(heatmap))
        .route("/v1/me/stats/streaks", get(streaks))
        .route("/v1/me/stats/discoveries", get(discoveries))
        .route("/v1/me/stats/skips", get(skips))
        .route("/v1/me/stats/compare", get(compare))
        .route("/v1/me/stats/forgotten", get(forgotten))
        .route("/v1/me/top/{kind}", get(spotify_top))
}

/// The window and filters shared by every question.
#[derive(Deserialize, IntoParams, Default)]
pub struct Window {
    /// Start: an RFC 3339 time, or a date (the start of that local day). Default: all time.
    pub from: Option<String>,
    /// End (exclusive): an RFC 3339 time, or a date (included whole). Default: now.
    pub to: Option<String>,
    /// IANA time zone for days, weeks and hours (default `UTC`).
    pub tz: Option<String>,
    /// A listen counts as a play from this many ms (default 30000).
    pub min_ms: Option<i64>,
    /// Count podcast episodes and audiobooks too (default false).
    pub podcasts: Option<bool>,
}

impl Window {
    fn query(&self) -> ApiResult<StatsQuery> {
        Ok(stats_service::window(
            self.from.as_deref(),
            self.to.as_deref(),
            self.tz.as_deref(),
            self.min_ms,
            self.podcasts,
        )?)
    }
}

fn limit(value: Option<i64>, default: i64, max: i64) -> ApiResult<usize> {
    let v = value.unwrap_or(default);
    if !(1..=max).contains(&v) {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and {max}, not {v}"
        )));
    }
    Ok(v as usize)
}

fn entity(kind: &str) -> ApiResult<Entity> {
    match kind {
        "tracks" => Ok(Entity::Track),
        "artists" => Ok(Entity::Artist),
        "albums" => Ok(Entity::Album),
        other => Err(ApiError::NotFound(format!(
            "no statistics of `{other}`: use tracks, artists or albums"
        ))),
    }
}

/// The `type` parameter of questions about tracks or artists.
fn track_or_artist(value: Option<&str>, default: Entity) -> ApiResult<Entity> {
    match value {
        None => Ok(default),
        Some("tracks") => Ok(Entity::Track),
        Some("artists") => Ok(Entity::Artist),
        Some(other) => Err(ApiError::BadRequest(format!(
            "`type` must be tracks or artists, not `{other}`"
        ))),
    }
}

fn bucket(value: Option<&str>, default: Bucket) -> ApiResult<Bucket> {
    Ok(match value {
        None => default,
        Some("day") => Bucket::Day,
        Some("week") => Bucket::Week,
        Some("month") => Bucket::Month,
        Some("year") => Bucket::Year,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "`bucket` must be day, week, month or year, not `{other}`"
            )))
        }
    })
}

/// Renders entities of the user's history as API objects, in order.
async fn render(
    state: &AppState,
    h: &UserHistory,
    entity: Entity,
    indices: &[u32],
) -> ApiResult<Vec<Value>> {
    let index = match entity {
        Entity::Track => &h.items,
        Entity::Artist => &h.artists,
        Entity::Album => &h.albums,
    };
    let ids: Vec<String> = indices.iter().map(|&i| index.id(i).to_owned()).collect();
    let mut objects: HashMap<String, Value> = HashMap::new();
    match entity {
        Entity::Track => {
            for (id, t) in ids.iter().zip(state.track_objects(&ids).await?) {
                if let Some(t) = t {
                    objects.insert(id.clone(), serde_json::to_value(t).expect("json"));
                }
            }
        }
        Entity::Artist => {
            for a in state.app.store.artists(&ids).await? {
                objects.insert(a.id.clone(), json!(state.render.artist(&a)));
            }
        }
        Entity::Album => {
            for a in state.app.store.albums(&ids).await? {
                objects.insert(a.id.clone(), json!(state.render.album(&a)));
            }
        }
    }
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !objects.contains_key(*id))
        .cloned()
        .collect();
    if !missing.is_empty() {
        for (id, p) in state.app.store.podcast_entities(&missing).await? {
            let mut object = json!({"type": p.kind, "id": id, "name": p.name,
                                    "uri": p.spotify_id.map(|s| format!("spotify:{}:{s}", p.kind))});
            object[if p.kind == "episode" {
                "show"
            } else {
                "media_type"
            }] = json!(p.detail);
            objects.insert(id, object);
        }
    }
    Ok(ids
        .iter()
        .map(|id| objects.remove(id).unwrap_or_else(|| json!({"id": id})))
        .collect())
}

#[derive(Deserialize, IntoParams)]
pub struct TopParams {
    /// `plays` (default) or `time`.
    pub by: Option<String>,
    /// 1 to 100 (default 50).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn by(value: Option<&str>) -> ApiResult<By> {
    match value {
        None | Some("plays") => Ok(By::Plays),
        Some("time") => Ok(By::Time),
        Some(other) => Err(ApiError::BadRequest(format!(
            "`by` must be plays or time, not `{other}`"
        ))),
    }
}

#[derive(Serialize)]
struct RankedObject {
    rank: usize,
    plays: u64,
    ms: u64,
    #[serde(flatten)]
    object: Value,
}

/// Top tracks, artists or albums of a window, by plays or by time.
#[utoipa::path(get, path = "/v1/me/stats/top/{kind}", tag = "stats", params(Window, TopParams),
    responses((status = 200, description = "A paging object of ranked objects"), (status = 400)), security(("bearer" = [])))]
pub async fn top(
    State(state): State<AppState>,
    auth: Auth,
    Path(kind): Path<String>,
    Query(w): Query<Window>,
    Query(p): Query<TopParams>,
) -> ApiResult<axum::Json<Paging<Value>>> {
    let entity = entity(&kind)?;
    let q = w.query()?;
    let by = by(p.by.as_deref())?;
    let page = Page::new(p.limit, p.offset, 50, 100)?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let ranked = stats::top(
        &h.history,
        &q,
        entity,
        by,
        page.limit as usize,
        page.offset as usize,
    );
    let indices: Vec<u32> = ranked.rows.iter().map(|r| r.entity).collect();
    let objects = render(&state, &h, entity, &indices).await?;
    let items = ranked
        .rows
        .iter()
        .zip(objects)
        .enumerate()
        .map(|(i, (r, object))| {
            serde_json::to_value(RankedObject {
                rank: page.offset as usize + i + 1,
                plays: r.plays,
                ms: r.ms,
                object,
            })
            .expect("json")
        })
        .collect();
    Ok(axum::Json(state.render.paging(
        &format!("me/stats/top/{kind}"),
        page,
        ranked.total as i64,
        items,
    )))
}

/// Plays, listening time and distinct tracks, artists and albums of a window.
#[utoipa::path(get, path = "/v1/me/stats/totals", tag = "stats", params(Window), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn totals(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
) -> ApiResult<axum::Json<Value>> {
    let q = w.query()?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    Ok(axum::Json(totals_json(&stats::totals(&h.history, &q))))
}

fn totals_json(t: &stats::Totals) -> Value {
    json!({
        "plays": t.plays, "ms": t.ms, "distinct_tracks": t.distinct_tracks,
        "distinct_episodes": t.distinct_episodes, "distinct_artists": t.distinct_artists,
        "distinct_albums": t.distinct_albums,
        "first_played_at": t.first_ms.map(timestamp), "last_played_at": t.last_ms.map(timestamp),
    })
}

#[derive(Deserialize, IntoParams)]
pub struct BucketParams {
    /// `day`, `week` (ISO, from Monday), `month` (default) or `year`.
    pub bucket: Option<String>,
}

/// Plays and time per day, week, month or year, empty periods included.
#[utoipa::path(get, path = "/v1/me/stats/timeline", tag = "stats", params(Window, BucketParams), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn timeline(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
    Query(b): Query<BucketParams>,
) -> ApiResult<axum::Json<Value>> {
    let q = w.query()?;
    let bucket = bucket(b.bucket.as_deref(), Bucket::Month)?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let points = stats::timeline(&h.history, &q, bucket);
    Ok(axum::Json(
        json!({ "bucket": bucket, "tz": q.tz.name(), "points": points }),
    ))
}

/// Plays by weekday (Monday first) and local hour.
#[utoipa::path(get, path = "/v1/me/stats/heatmap", tag = "stats", params(Window), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn heatmap(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
) -> ApiResult<axum::Json<Value>> {
    let q = w.query()?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let map = stats::heatmap(&h.history, &q);
    Ok(axum::Json(json!({
        "tz": q.tz.name(),
        "weekdays": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
        "cells": map.cells,
    })))
}

/// The longest and the current run of days with plays.
#[utoipa::path(get, path = "/v1/me/stats/streaks", tag = "stats", params(Window), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn streaks(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
) -> ApiResult<axum::Json<stats::Streaks>> {
    let q = w.query()?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let today =
        q.tz.timestamp_millis_opt(now_ms())
            .single()
            .map(|t| t.date_naive())
            .ok_or_else(|| anyhow::anyhow!("the clock is out of range"))?;
    Ok(axum::Json(stats::streaks(&h.history, &q, today)))
}

#[derive(Deserialize, IntoParams)]
pub struct DiscoveryParams {
    /// `tracks` (default) or `artists`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Period: `day`, `week`, `month` (default) or `year`.
    pub bucket: Option<String>,
    /// How many first listens to show per period, 1 to 50 (default 10).
    pub limit: Option<i64>,
}

/// First listens ever (tracks or artists) per period of the window.
#[utoipa::path(get, path = "/v1/me/stats/discoveries", tag = "stats", params(Window, DiscoveryParams), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn discoveries(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
    Query(p): Query<DiscoveryParams>,
) -> ApiResult<axum::Json<Value>> {
    let q = w.query()?;
    let entity = track_or_artist(p.kind.as_deref(), Entity::Track)?;
    let bucket = bucket(p.bucket.as_deref(), Bucket::Month)?;
    let listed = limit(p.limit, 10, 50)?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let periods = stats::discoveries(&h.history, &q, entity, bucket, listed);
    // One lookup for the entities of every period.
    let indices: Vec<u32> = periods
        .iter()
        .flat_map(|p| p.first.iter().map(|(e, _)| *e))
        .collect();
    let mut objects = render(&state, &h, entity, &indices).await?.into_iter();
    let out: Vec<Value> = periods
        .iter()
        .map(|period| {
            let first: Vec<Value> = period
                .first
                .iter()
                .map(|(_, at)| {
                    let item = objects.next().expect("one object per entity");
                    json!({"first_played_at": timestamp(*at), "item": item})
                })
                .collect();
            json!({"start": period.start, "count": period.count, "first": first})
        })
        .collect();
    Ok(axum::Json(json!({ "bucket": bucket, "periods": out })))
}

#[derive(Deserialize, IntoParams)]
pub struct SkipParams {
    /// `tracks` or `artists` (default).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// How many of the most played to list, 1 to 100 (default 20).
    pub limit: Option<i64>,
}

/// Skip rates, overall and for the most played tracks or artists. Every listen of the window
/// counts here whatever its length (skips are short listens).
#[utoipa::path(get, path = "/v1/me/stats/skips", tag = "stats", params(Window, SkipParams), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn skips(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
    Query(p): Query<SkipParams>,
) -> ApiResult<axum::Json<Value>> {
    let q = w.query()?;
    let entity = track_or_artist(p.kind.as_deref(), Entity::Artist)?;
    let n = limit(p.limit, 20, 100)?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let s = stats::skips(&h.history, &q, entity, n);
    let indices: Vec<u32> = s.rows.iter().map(|r| r.entity).collect();
    let objects = render(&state, &h, entity, &indices).await?;
    let rows: Vec<Value> = s
        .rows
        .iter()
        .zip(objects)
        .map(|(r, object)| json!({"plays": r.rate.plays, "skipped": r.rate.skipped, "rate": r.rate.rate, "item": object}))
        .collect();
    Ok(axum::Json(json!({"overall": s.overall, "items": rows})))
}

#[derive(Deserialize, IntoParams)]
pub struct CompareParams {
    /// Start of the second window (same forms as `from`).
    pub vs_from: String,
    /// End of the second window.
    pub vs_to: String,
    /// `artists` (default) or `tracks`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Top entities of either window to compare, 1 to 50 (default 10).
    pub limit: Option<i64>,
}

/// Compares the window with a second one (`vs_from`, `vs_to`): totals of both, and the top
/// artists or tracks of either with their plays and rank in each.
#[utoipa::path(get, path = "/v1/me/stats/compare", tag = "stats", params(Window, CompareParams), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn compare(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
    Query(p): Query<CompareParams>,
) -> ApiResult<axum::Json<Value>> {
    let a = w.query()?;
    let vs = Window {
        from: Some(p.vs_from.clone()),
        to: Some(p.vs_to.clone()),
        tz: w.tz.clone(),
        min_ms: w.min_ms,
        podcasts: w.podcasts,
    };
    let b = vs.query()?;
    let entity = track_or_artist(p.kind.as_deref(), Entity::Artist)?;
    let n = limit(p.limit, 10, 50)?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let c = stats::compare(&h.history, &a, &b, entity, n);
    let indices: Vec<u32> = c.rows.iter().map(|r| r.entity).collect();
    let objects = render(&state, &h, entity, &indices).await?;
    let rows: Vec<Value> = c
        .rows
        .iter()
        .zip(objects)
        .map(|(r, object)| json!({"plays": r.a_plays, "vs_plays": r.b_plays, "rank": r.a_rank, "vs_rank": r.b_rank, "item": object}))
        .collect();
    Ok(axum::Json(
        json!({"totals": totals_json(&c.a), "vs_totals": totals_json(&c.b), "items": rows}),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct ForgottenParams {
    /// Days without a play that make a favourite forgotten (default 90).
    pub quiet_days: Option<u32>,
    /// Plays in the window that make a favourite (default 10).
    pub min_plays: Option<u64>,
    /// `tracks` (default) or `artists`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<i64>,
}

/// Forgotten favourites: much played in the window, not played in the last `quiet_days`.
#[utoipa::path(get, path = "/v1/me/stats/forgotten", tag = "stats", params(Window, ForgottenParams), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn forgotten(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
    Query(p): Query<ForgottenParams>,
) -> ApiResult<axum::Json<Value>> {
    let q = w.query()?;
    let entity = track_or_artist(p.kind.as_deref(), Entity::Track)?;
    let n = limit(p.limit, 20, 100)?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let rows = stats::forgotten(
        &h.history,
        &q,
        entity,
        now_ms(),
        p.quiet_days.unwrap_or(90),
        p.min_plays.unwrap_or(10).max(1),
        n,
    );
    let indices: Vec<u32> = rows.iter().map(|r| r.entity).collect();
    let objects = render(&state, &h, entity, &indices).await?;
    let items: Vec<Value> = rows
        .iter()
        .zip(objects)
        .map(|(r, object)| json!({"plays": r.plays, "last_played_at": timestamp(r.last_played_ms), "item": object}))
        .collect();
    Ok(axum::Json(json!({ "items": items })))
}

#[derive(Deserialize, IntoParams)]
pub struct SpotifyTopParams {
    /// `short_term` (about 4 weeks), `medium_term` (6 months, default) or `long_term` (a year).
    pub time_range: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The user's top artists or tracks in Spotify's shape (a paging object of full objects).
#[utoipa::path(get, path = "/v1/me/top/{kind}", tag = "stats", params(SpotifyTopParams), responses((status = 200), (status = 400)), security(("bearer" = [])))]
pub async fn spotify_top(
    State(state): State<AppState>,
    auth: Auth,
    Path(kind): Path<String>,
    Query(p): Query<SpotifyTopParams>,
) -> ApiResult<axum::Json<Paging<Value>>> {
    let entity = match kind.as_str() {
        "tracks" => Entity::Track,
        "artists" => Entity::Artist,
        other => {
            return Err(ApiError::BadRequest(format!(
                "`type` must be artists or tracks, not `{other}`"
            )))
        }
    };
    const DAY: i64 = 86_400_000;
    let days = match p.time_range.as_deref() {
        Some("short_term") => 28,
        None | Some("medium_term") => 182,
        Some("long_term") => 365,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "`time_range` must be short_term, medium_term or long_term, not `{other}`"
            )))
        }
    };
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let now = now_ms();
    let q = StatsQuery {
        from_ms: now - days * DAY,
        to_ms: now + 1,
        ..StatsQuery::all_time()
    };
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let ranked = stats::top(
        &h.history,
        &q,
        entity,
        By::Plays,
        page.limit as usize,
        page.offset as usize,
    );
    let indices: Vec<u32> = ranked.rows.iter().map(|r| r.entity).collect();
    let items = render(&state, &h, entity, &indices).await?;
    let range = p.time_range.as_deref().unwrap_or("medium_term");
    Ok(axum::Json(state.render.paging(
        &format!("me/top/{kind}?time_range={range}"),
        page,
        ranked.total as i64,
        items,
    )))
}
