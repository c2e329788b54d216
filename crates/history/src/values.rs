//! Timestamps, durations and the limits that tell an absurd value from a real one.
//!
//! Limits: a stream lasts at most 24 hours; Spotify plays end no earlier than 2006-01-01
//! (Spotify was founded in 2006); ListenBrainz listens no earlier than 2002-01-01 (Last.fm
//! history imported into ListenBrainz starts then); nothing ends after the `now` the caller
//! passes.
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::error::RowError;

/// 2006-01-01T00:00:00Z.
pub const EARLIEST_SPOTIFY_MS: i64 = 1_136_073_600_000;
/// 2002-01-01T00:00:00Z.
pub const EARLIEST_LISTENBRAINZ_MS: i64 = 1_009_843_200_000;
/// 24 hours.
pub const MAX_MS_PLAYED: i64 = 86_400_000;
/// `offline_timestamp` values above this are milliseconds, below it seconds (NOTES).
pub const OFFLINE_MS_THRESHOLD: i64 = 100_000_000_000;

/// Formats Unix milliseconds as an RFC 3339 instant, for messages.
pub fn fmt_ms(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_string(),
        Err(_) => format!("{ms} ms since 1970"),
    }
}

/// Parses an RFC 3339 instant such as `2013-03-14T10:44:25Z` to Unix milliseconds.
pub(crate) fn parse_instant(field: &'static str, value: &str) -> Result<i64, RowError> {
    value
        .parse::<Timestamp>()
        .map(|ts| ts.as_millisecond())
        .map_err(|_| RowError::BadTime {
            field,
            value: value.to_owned(),
        })
}

/// Parses Account data's `YYYY-MM-DD HH:MM` (UTC, minute precision) to Unix milliseconds.
pub(crate) fn parse_minute(field: &'static str, value: &str) -> Result<i64, RowError> {
    let bad = || RowError::BadTime {
        field,
        value: value.to_owned(),
    };
    let dt = value.parse::<DateTime>().map_err(|_| bad())?;
    let zoned = dt.to_zoned(TimeZone::UTC).map_err(|_| bad())?;
    Ok(zoned.timestamp().as_millisecond())
}

/// Checks a time against the floor and `now`.
pub(crate) fn check_time(
    field: &'static str,
    value_ms: i64,
    floor_ms: i64,
    now_ms: i64,
) -> Result<i64, RowError> {
    if value_ms < floor_ms {
        return Err(RowError::TooEarly {
            field,
            value_ms,
            floor_ms,
        });
    }
    if value_ms > now_ms {
        return Err(RowError::InFuture {
            field,
            value_ms,
            now_ms,
        });
    }
    Ok(value_ms)
}

/// A required duration in milliseconds: present, not negative, at most 24 hours.
pub(crate) fn duration(field: &'static str, value: Option<i64>) -> Result<u64, RowError> {
    let value = value.ok_or(RowError::Missing(field))?;
    if value < 0 {
        return Err(RowError::Negative { field, value });
    }
    if value > MAX_MS_PLAYED {
        return Err(RowError::TooLong { field, value });
    }
    Ok(value as u64)
}

/// `offline_timestamp` in milliseconds: 0 or absent means none; over 1e11 it is already ms.
pub(crate) fn offline_ms(value: Option<i64>) -> Option<i64> {
    match value? {
        v if v <= 0 => None,
        v if v > OFFLINE_MS_THRESHOLD => Some(v),
        v => Some(v.saturating_mul(1000)),
    }
}

/// Empty and blank strings carry no fact: exports use `""` for "unknown".
pub(crate) fn text(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_the_dates_they_claim() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap().as_millisecond();
        assert_eq!(EARLIEST_SPOTIFY_MS, at("2006-01-01T00:00:00Z"));
        assert_eq!(EARLIEST_LISTENBRAINZ_MS, at("2002-01-01T00:00:00Z"));
    }

    #[test]
    fn account_minutes_are_utc() {
        let ms = parse_minute("endTime", "2025-04-12 13:50").unwrap();
        assert_eq!(fmt_ms(ms), "2025-04-12T13:50:00Z");
        assert!(parse_minute("endTime", "12/04/2025").is_err());
    }

    #[test]
    fn offline_timestamps_in_seconds_and_milliseconds() {
        assert_eq!(offline_ms(Some(1_679_249_719)), Some(1_679_249_719_000));
        assert_eq!(offline_ms(Some(1_512_420_608_296)), Some(1_512_420_608_296));
        assert_eq!(offline_ms(Some(0)), None);
        assert_eq!(offline_ms(None), None);
    }

    #[test]
    fn durations() {
        assert_eq!(duration("ms_played", Some(0)), Ok(0));
        assert!(matches!(
            duration("ms_played", Some(-1)),
            Err(RowError::Negative { .. })
        ));
        assert!(matches!(
            duration("ms_played", Some(MAX_MS_PLAYED + 1)),
            Err(RowError::TooLong { .. })
        ));
        assert_eq!(
            duration("ms_played", None),
            Err(RowError::Missing("ms_played"))
        );
    }
}
