//! Listening statistics: `/v1/me/stats/…` (Medley's questions) and `/v1/me/top/{type}`
//! (Spotify's shape). Every question takes a window (`from`, `to`: RFC 3339 times or local
//! dates), a time zone (`tz`, IANA), `min_ms` (default 30,000) and `podcasts`.
//!
//! Layout: [`params`] (the window and each question's parameters, with their accepted values
//! as enums), [`objects`] (the answers, one type each), [`render`] (the tracks, artists, albums
//! and podcasts an answer is about), and the handlers: [`calendar`] (totals, timeline,
//! heatmap, streaks, discoveries) and [`rank`] (top lists, skips, comparison, forgotten
//! favourites).

use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub mod calendar;
pub mod objects;
pub mod params;
pub mod rank;
pub mod render;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/me/stats/top/{type}", get(rank::top))
        .route("/v1/me/stats/totals", get(calendar::totals))
        .route("/v1/me/stats/timeline", get(calendar::timeline))
        .route("/v1/me/stats/heatmap", get(calendar::heatmap))
        .route("/v1/me/stats/streaks", get(calendar::streaks))
        .route("/v1/me/stats/discoveries", get(calendar::discoveries))
        .route("/v1/me/stats/skips", get(rank::skips))
        .route("/v1/me/stats/compare", get(rank::compare))
        .route("/v1/me/stats/forgotten", get(rank::forgotten))
        .route("/v1/me/top/{type}", get(rank::spotify_top))
}
