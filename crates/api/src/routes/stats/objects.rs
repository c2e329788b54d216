//! The answers of the statistics, one type each, and what they are about ([`StatsItem`]).
//!
//! Most answers go out through [`SortedJson`]: these endpoints answered JSON values (whose
//! keys serde_json keeps sorted) before they were typed, and their clients see the same bytes.

use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::params::Period;
use crate::error::ApiError;
use crate::objects::{timestamp, ArtistObject, SimplifiedAlbum, TrackObject};

/// Answers `T` as JSON with the keys of every object in alphabetical order.
pub struct SortedJson<T>(pub T);

impl<T: Serialize> IntoResponse for SortedJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_value(&self.0) {
            Ok(value) => axum::Json(value).into_response(),
            Err(e) => ApiError::Internal(anyhow::Error::new(e).context("rendering statistics"))
                .into_response(),
        }
    }
}

/// What a statistic is about: a track, an artist or an album (in Spotify's shapes), an
/// episode or a show when podcasts count, or the bare id of something no longer in the catalog.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum StatsItem {
    /// The track as `GET /v1/tracks/{id}` answers it.
    #[schema(value_type = TrackObject)]
    Track(Value),
    Artist(ArtistObject),
    Album(SimplifiedAlbum),
    Podcast(PodcastItem),
    Gone(GoneItem),
}

/// A podcast episode or show (or an audiobook), as statistics name it.
#[derive(Serialize, ToSchema)]
pub struct PodcastItem {
    /// `episode` or `show`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    /// `spotify:episode:…` or `spotify:show:…`, when the export had it.
    pub uri: Option<String>,
    /// An episode's show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show: Option<String>,
    /// A show's kind: `podcast` or `audiobook`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// Something played that is no longer in the catalog: its id only.
#[derive(Serialize, ToSchema)]
pub struct GoneItem {
    pub id: String,
}

/// Plays, listening time and distinct items of a window.
#[derive(Serialize, ToSchema)]
pub struct TotalsObject {
    pub plays: u64,
    /// Time listened, ms.
    pub ms: u64,
    pub distinct_tracks: u64,
    pub distinct_episodes: u64,
    pub distinct_artists: u64,
    pub distinct_albums: u64,
    /// Start of the first counted play.
    pub first_played_at: Option<String>,
    /// Start of the last counted play.
    pub last_played_at: Option<String>,
}

impl From<&medley_stats::Totals> for TotalsObject {
    fn from(t: &medley_stats::Totals) -> TotalsObject {
        TotalsObject {
            plays: t.plays,
            ms: t.ms,
            distinct_tracks: t.distinct_tracks,
            distinct_episodes: t.distinct_episodes,
            distinct_artists: t.distinct_artists,
            distinct_albums: t.distinct_albums,
            first_played_at: t.first_ms.map(timestamp),
            last_played_at: t.last_ms.map(timestamp),
        }
    }
}

/// One of Medley's ranked items: the item's object with its rank, plays and time.
#[derive(Serialize, ToSchema)]
pub struct RankedItem {
    /// 1 for the first, across pages.
    pub rank: usize,
    pub plays: u64,
    /// Time listened, ms.
    pub ms: u64,
    #[serde(flatten)]
    pub item: StatsItem,
}

/// Plays and time per period, empty periods included.
#[derive(Serialize, ToSchema)]
pub struct TimelineObject {
    pub bucket: Period,
    /// The time zone the periods are local to.
    pub tz: String,
    pub points: Vec<TimelinePoint>,
}

#[derive(Serialize, ToSchema)]
pub struct TimelinePoint {
    /// The period's first local day.
    #[schema(format = Date)]
    pub start: String,
    pub plays: u64,
    pub ms: u64,
}

/// Plays by weekday and local hour.
#[derive(Serialize, ToSchema)]
pub struct HeatmapObject {
    pub tz: String,
    /// The rows of `cells`: `monday` to `sunday`.
    pub weekdays: [&'static str; 7],
    /// Seven rows (weekdays) of 24 cells (local hours, from midnight).
    pub cells: Vec<Vec<HeatmapCell>>,
}

#[derive(Serialize, ToSchema)]
pub struct HeatmapCell {
    pub plays: u64,
    pub ms: u64,
}

/// Runs of local days with plays. Sent in this field order.
#[derive(Serialize, ToSchema)]
pub struct StreaksObject {
    /// The longest run in the window (the earliest of equals).
    pub longest: Option<Streak>,
    /// The run that ends today, or yesterday when nothing was played yet today.
    pub current: Option<Streak>,
}

/// Days in a row with plays, `from` and `to` included. Sent in this field order.
#[derive(Serialize, ToSchema)]
pub struct Streak {
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub to: String,
    pub days: u64,
}

impl From<medley_stats::Run> for Streak {
    fn from(r: medley_stats::Run) -> Streak {
        Streak {
            from: r.from.to_string(),
            to: r.to.to_string(),
            days: r.days,
        }
    }
}

/// First listens ever, per period of the window (periods without any are left out).
#[derive(Serialize, ToSchema)]
pub struct DiscoveriesObject {
    pub bucket: Period,
    pub periods: Vec<DiscoveryPeriod>,
}

#[derive(Serialize, ToSchema)]
pub struct DiscoveryPeriod {
    #[schema(format = Date)]
    pub start: String,
    /// How many were heard for the first time in the period.
    pub count: u64,
    /// The first of them, at most `limit`.
    pub first: Vec<FirstListen>,
}

#[derive(Serialize, ToSchema)]
pub struct FirstListen {
    pub first_played_at: String,
    pub item: StatsItem,
}

/// Skip rates, overall and for the most played.
#[derive(Serialize, ToSchema)]
pub struct SkipsObject {
    pub overall: SkipRate,
    pub items: Vec<SkippedItem>,
}

/// Listens and skips.
#[derive(Serialize, ToSchema)]
pub struct SkipRate {
    pub plays: u64,
    pub skipped: u64,
    /// `skipped / plays` (0 without plays).
    pub rate: f64,
}

impl From<medley_stats::SkipRate> for SkipRate {
    fn from(r: medley_stats::SkipRate) -> SkipRate {
        SkipRate {
            plays: r.plays,
            skipped: r.skipped,
            rate: r.rate,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SkippedItem {
    pub plays: u64,
    pub skipped: u64,
    pub rate: f64,
    pub item: StatsItem,
}

/// Two windows compared: `totals` and `rank` are the first window's, `vs_…` the second's.
#[derive(Serialize, ToSchema)]
pub struct CompareObject {
    pub totals: TotalsObject,
    pub vs_totals: TotalsObject,
    /// The top of either window, by plays in the first then the second.
    pub items: Vec<ComparedItem>,
}

#[derive(Serialize, ToSchema)]
pub struct ComparedItem {
    pub plays: u64,
    pub vs_plays: u64,
    /// Rank by plays (`null`: not played in that window).
    pub rank: Option<usize>,
    pub vs_rank: Option<usize>,
    pub item: StatsItem,
}

/// Forgotten favourites, most played first.
#[derive(Serialize, ToSchema)]
pub struct ForgottenObject {
    pub items: Vec<ForgottenItem>,
}

#[derive(Serialize, ToSchema)]
pub struct ForgottenItem {
    /// Plays in the window.
    pub plays: u64,
    /// The last play ever.
    pub last_played_at: String,
    pub item: StatsItem,
}
