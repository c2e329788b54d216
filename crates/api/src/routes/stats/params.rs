//! The parameters of the statistics: the window every question shares, and each question's
//! own. Parameters with a fixed set of values are enums: a value outside the set is refused by
//! the query extractor, naming the parameter and every accepted value.

use medley_domain::text::TextEnum;
use medley_stats::{Bucket, By, Entity, Query as StatsQuery};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};
use crate::text_enums::text_schema;
use medley_app::stats as stats_service;

medley_domain::text_enum! {
    /// What `/v1/me/stats/top/{type}` ranks.
    pub enum ItemType {
        Tracks = "tracks",
        Artists = "artists",
        Albums = "albums",
    }
}

medley_domain::text_enum! {
    /// The `type` of questions about tracks or artists (and of `/v1/me/top/{type}`).
    pub enum TrackOrArtist {
        Tracks = "tracks",
        Artists = "artists",
    }
}

medley_domain::text_enum! {
    /// What a ranking counts.
    pub enum RankBy {
        /// Counted plays.
        Plays = "plays",
        /// Time listened.
        Time = "time",
    }
}

medley_domain::text_enum! {
    /// A calendar period.
    pub enum Period {
        Day = "day",
        /// ISO weeks, from Monday.
        Week = "week",
        Month = "month",
        Year = "year",
    }
}

medley_domain::text_enum! {
    /// Spotify's `time_range`.
    pub enum TimeRange {
        /// About 4 weeks.
        ShortTerm = "short_term",
        /// 6 months.
        MediumTerm = "medium_term",
        /// A year.
        LongTerm = "long_term",
    }
}

text_schema!(ItemType, TrackOrArtist, RankBy, Period, TimeRange);

impl From<ItemType> for Entity {
    fn from(t: ItemType) -> Entity {
        match t {
            ItemType::Tracks => Entity::Track,
            ItemType::Artists => Entity::Artist,
            ItemType::Albums => Entity::Album,
        }
    }
}

impl From<TrackOrArtist> for Entity {
    fn from(t: TrackOrArtist) -> Entity {
        match t {
            TrackOrArtist::Tracks => Entity::Track,
            TrackOrArtist::Artists => Entity::Artist,
        }
    }
}

impl From<RankBy> for By {
    fn from(b: RankBy) -> By {
        match b {
            RankBy::Plays => By::Plays,
            RankBy::Time => By::Time,
        }
    }
}

impl From<Period> for Bucket {
    fn from(p: Period) -> Bucket {
        match p {
            Period::Day => Bucket::Day,
            Period::Week => Bucket::Week,
            Period::Month => Bucket::Month,
            Period::Year => Bucket::Year,
        }
    }
}

impl TimeRange {
    /// How many days back the range reaches.
    pub fn days(self) -> i64 {
        match self {
            TimeRange::ShortTerm => 28,
            TimeRange::MediumTerm => 182,
            TimeRange::LongTerm => 365,
        }
    }
}

impl ItemType {
    /// Reads the `{type}` of `/v1/me/stats/top/{type}`: anything else is a statistic Medley
    /// does not have (404).
    pub fn of_path(value: &str) -> ApiResult<ItemType> {
        ItemType::parse(value).ok_or_else(|| {
            ApiError::NotFound(format!(
                "no statistics of `{value}`: use {}",
                ItemType::accepted()
            ))
        })
    }
}

impl TrackOrArtist {
    /// Reads the `{type}` of `/v1/me/top/{type}` (a 400, as Spotify answers).
    pub fn of_path(value: &str) -> ApiResult<TrackOrArtist> {
        TrackOrArtist::parse(value).ok_or_else(|| {
            ApiError::BadRequest(format!("`type` {}", TrackOrArtist::refusal(value)))
        })
    }
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
    #[param(minimum = 0, maximum = 86400000)]
    pub min_ms: Option<i64>,
    /// Count podcast episodes and audiobooks too (default false).
    pub podcasts: Option<bool>,
}

impl Window {
    pub fn query(&self) -> ApiResult<StatsQuery> {
        Ok(stats_service::window(
            self.from.as_deref(),
            self.to.as_deref(),
            self.tz.as_deref(),
            self.min_ms,
            self.podcasts,
        )?)
    }
}

/// A list's length, checked against the question's maximum.
pub fn limit(value: Option<i64>, default: i64, max: i64) -> ApiResult<usize> {
    let v = value.unwrap_or(default);
    if !(1..=max).contains(&v) {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and {max}, not {v}"
        )));
    }
    Ok(v as usize)
}

#[derive(Deserialize, IntoParams)]
pub struct TopParams {
    /// `plays` (default) or `time`.
    #[param(inline)]
    pub by: Option<RankBy>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct BucketParams {
    /// `day`, `week` (ISO, from Monday), `month` (default) or `year`.
    #[param(inline)]
    pub bucket: Option<Period>,
}

#[derive(Deserialize, IntoParams)]
pub struct DiscoveryParams {
    /// `tracks` (default) or `artists`.
    #[serde(rename = "type")]
    #[param(inline)]
    pub kind: Option<TrackOrArtist>,
    /// Period: `day`, `week`, `month` (default) or `year`.
    #[param(inline)]
    pub bucket: Option<Period>,
    /// How many first listens to show per period, 1 to 50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct SkipParams {
    /// `tracks` or `artists` (default).
    #[serde(rename = "type")]
    #[param(inline)]
    pub kind: Option<TrackOrArtist>,
    /// How many of the most played to list, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct CompareParams {
    /// Start of the second window (same forms as `from`).
    pub vs_from: String,
    /// End of the second window.
    pub vs_to: String,
    /// `artists` (default) or `tracks`.
    #[serde(rename = "type")]
    #[param(inline)]
    pub kind: Option<TrackOrArtist>,
    /// Top entities of either window to compare, 1 to 50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct ForgottenParams {
    /// Days without a play that make a favourite forgotten (default 90).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    pub quiet_days: Option<u32>,
    /// Plays in the window that make a favourite (default 10).
    #[param(minimum = 0, maximum = 18446744073709551615_u64)]
    pub min_plays: Option<u64>,
    /// `tracks` (default) or `artists`.
    #[serde(rename = "type")]
    #[param(inline)]
    pub kind: Option<TrackOrArtist>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct SpotifyTopParams {
    /// `short_term` (about 4 weeks), `medium_term` (6 months, default) or `long_term` (a year).
    #[param(inline)]
    pub time_range: Option<TimeRange>,
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
}
