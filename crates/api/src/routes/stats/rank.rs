//! Questions that rank: top lists (Medley's and Spotify's), skip rates, the comparison of two
//! windows, forgotten favourites.

use axum::extract::State;
use medley_domain::paging::Page;
use medley_stats::{self as stats, Query as StatsQuery};

use super::objects::{
    CompareObject, ComparedItem, ForgottenItem, ForgottenObject, RankedItem, SkippedItem,
    SkipsObject, SortedJson, StatsItem,
};
use super::params::{
    limit, CompareParams, ForgottenParams, ItemType, RankBy, SkipParams, SpotifyTopParams,
    TimeRange, TopParams, TrackOrArtist, Window,
};
use super::render;
use crate::error::ApiResult;
use crate::extract::{Auth, Path, Query};
use crate::objects::{timestamp, Paging};
use crate::state::AppState;
use medley_app::now_ms;

const DAY_MS: i64 = 86_400_000;

/// Top tracks, artists or albums of a window, by plays or by time.
#[utoipa::path(get, path = "/v1/me/stats/top/{type}", tag = "stats",
    params(("type" = inline(ItemType), Path, description = "What to rank"), Window, TopParams),
    responses((status = 200, description = "A paging object of ranked items", body = Paging<RankedItem>),
        (status = 400), (status = 404, description = "No such statistic")),
    security(("bearer" = [])))]
pub async fn top(
    State(state): State<AppState>,
    auth: Auth,
    Path(kind): Path<String>,
    Query(w): Query<Window>,
    Query(p): Query<TopParams>,
) -> ApiResult<SortedJson<Paging<RankedItem>>> {
    let item_type = ItemType::of_path(&kind)?;
    let entity = item_type.into();
    let q = w.query()?;
    let by = p.by.unwrap_or(RankBy::Plays);
    let page = Page::new(p.limit, p.offset, 50, 100)?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let ranked = stats::top(
        &h.history,
        &q,
        entity,
        by.into(),
        page.limit as usize,
        page.offset as usize,
    );
    let indices: Vec<u32> = ranked.rows.iter().map(|r| r.entity).collect();
    let items = render::items(&state, &h, entity, &indices).await?;
    let items = ranked
        .rows
        .iter()
        .zip(items)
        .enumerate()
        .map(|(i, (r, item))| RankedItem {
            rank: page.offset as usize + i + 1,
            plays: r.plays,
            ms: r.ms,
            item,
        })
        .collect();
    Ok(SortedJson(state.render.paging(
        &format!("me/stats/top/{item_type}"),
        page,
        ranked.total as i64,
        items,
    )))
}

/// Skip rates, overall and for the most played tracks or artists. Every listen of the window
/// counts here whatever its length (skips are short listens).
#[utoipa::path(get, path = "/v1/me/stats/skips", tag = "stats", params(Window, SkipParams),
    responses((status = 200, body = SkipsObject), (status = 400)), security(("bearer" = [])))]
pub async fn skips(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
    Query(p): Query<SkipParams>,
) -> ApiResult<SortedJson<SkipsObject>> {
    let q = w.query()?;
    let entity = p.kind.unwrap_or(TrackOrArtist::Artists).into();
    let n = limit(p.limit, 20, 100)?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let s = stats::skips(&h.history, &q, entity, n);
    let indices: Vec<u32> = s.rows.iter().map(|r| r.entity).collect();
    let items = render::items(&state, &h, entity, &indices).await?;
    let items = s
        .rows
        .iter()
        .zip(items)
        .map(|(r, item)| SkippedItem {
            plays: r.rate.plays,
            skipped: r.rate.skipped,
            rate: r.rate.rate,
            item,
        })
        .collect();
    Ok(SortedJson(SkipsObject {
        overall: s.overall.into(),
        items,
    }))
}

/// Compares the window with a second one (`vs_from`, `vs_to`): totals of both, and the top
/// artists or tracks of either with their plays and rank in each.
#[utoipa::path(get, path = "/v1/me/stats/compare", tag = "stats", params(Window, CompareParams),
    responses((status = 200, body = CompareObject), (status = 400)), security(("bearer" = [])))]
pub async fn compare(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
    Query(p): Query<CompareParams>,
) -> ApiResult<SortedJson<CompareObject>> {
    let a = w.query()?;
    let vs = Window {
        from: Some(p.vs_from),
        to: Some(p.vs_to),
        ..w
    };
    let b = vs.query()?;
    let entity = p.kind.unwrap_or(TrackOrArtist::Artists).into();
    let n = limit(p.limit, 10, 50)?;
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let c = stats::compare(&h.history, &a, &b, entity, n);
    let indices: Vec<u32> = c.rows.iter().map(|r| r.entity).collect();
    let items = render::items(&state, &h, entity, &indices).await?;
    let items = c
        .rows
        .iter()
        .zip(items)
        .map(|(r, item)| ComparedItem {
            plays: r.a_plays,
            vs_plays: r.b_plays,
            rank: r.a_rank,
            vs_rank: r.b_rank,
            item,
        })
        .collect();
    Ok(SortedJson(CompareObject {
        totals: (&c.a).into(),
        vs_totals: (&c.b).into(),
        items,
    }))
}

/// Forgotten favourites: much played in the window, not played in the last `quiet_days`.
#[utoipa::path(get, path = "/v1/me/stats/forgotten", tag = "stats", params(Window, ForgottenParams),
    responses((status = 200, body = ForgottenObject), (status = 400)), security(("bearer" = [])))]
pub async fn forgotten(
    State(state): State<AppState>,
    auth: Auth,
    Query(w): Query<Window>,
    Query(p): Query<ForgottenParams>,
) -> ApiResult<SortedJson<ForgottenObject>> {
    let q = w.query()?;
    let entity = p.kind.unwrap_or(TrackOrArtist::Tracks).into();
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
    let items = render::items(&state, &h, entity, &indices).await?;
    let items = rows
        .iter()
        .zip(items)
        .map(|(r, item)| ForgottenItem {
            plays: r.plays,
            last_played_at: timestamp(r.last_played_ms),
            item,
        })
        .collect();
    Ok(SortedJson(ForgottenObject { items }))
}

/// The user's top artists or tracks in Spotify's shape (a paging object of full objects).
#[utoipa::path(get, path = "/v1/me/top/{type}", tag = "stats",
    params(("type" = inline(TrackOrArtist), Path, description = "What to rank"), SpotifyTopParams),
    responses((status = 200, description = "A paging object of tracks or artists", body = Paging<StatsItem>),
        (status = 400)),
    security(("bearer" = [])))]
pub async fn spotify_top(
    State(state): State<AppState>,
    auth: Auth,
    Path(kind): Path<String>,
    Query(p): Query<SpotifyTopParams>,
) -> ApiResult<SortedJson<Paging<StatsItem>>> {
    let item_type = TrackOrArtist::of_path(&kind)?;
    let entity = item_type.into();
    let range = p.time_range.unwrap_or(TimeRange::MediumTerm);
    let page = Page::new(p.limit, p.offset, 20, 50)?;
    let now = now_ms();
    let q = StatsQuery {
        from_ms: now - range.days() * DAY_MS,
        to_ms: now + 1,
        ..StatsQuery::all_time()
    };
    let h = state.app.histories.get(&state.app, &auth.user.id).await?;
    let ranked = stats::top(
        &h.history,
        &q,
        entity,
        stats::By::Plays,
        page.limit as usize,
        page.offset as usize,
    );
    let indices: Vec<u32> = ranked.rows.iter().map(|r| r.entity).collect();
    let items = render::items(&state, &h, entity, &indices).await?;
    Ok(SortedJson(state.render.paging(
        &format!("me/top/{item_type}?time_range={range}"),
        page,
        ranked.total as i64,
        items,
    )))
}
