//! Timestamps, durations and the limits that tell an absurd value from a real one.
//!
//! Limits: a stream lasts at most 24 hours; Spotify plays end no earlier than 2006-01-01
//! (Spotify was founded in 2006); ListenBrainz listens no earlier than 2002-01-01 (Last.fm
//! history imported into ListenBrainz starts then); nothing ends after the `now` the caller
//! passes.
use std::borrow::Cow;
use std::fmt;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::de::{Deserialize, Deserializer, Visitor};

use crate::error::RowError;

/// 2006-01-01T00:00:00Z.
pub const EARLIEST_SPOTIFY_MS: i64 = 1_136_073_600_000;
/// 2002-01-01T00:00:00Z.
pub const EARLIEST_LISTENBRAINZ_MS: i64 = 1_009_843_200_000;
/// 24 hours.
pub const MAX_MS_PLAYED: i64 = 86_400_000;
/// `offline_timestamp` values above this are milliseconds, below it seconds (NOTES).
pub const OFFLINE_MS_THRESHOLD: i64 = 100_000_000_000;

pub use crate::error::fmt_ms;

/// Parses an RFC 3339 instant such as `2013-03-14T10:44:25Z` to Unix milliseconds.
pub(crate) fn parse_instant(field: &'static str, value: &str) -> Result<i64, RowError> {
    if let Some(ms) = utc_seconds_ms(value.as_bytes()) {
        return Ok(ms);
    }
    value
        .parse::<Timestamp>()
        .map(|ts| ts.as_millisecond())
        .map_err(|_| RowError::BadTime {
            field,
            value: value.to_owned(),
        })
}

/// The form every Spotify `ts` has, `YYYY-MM-DDTHH:MM:SSZ`, read directly: `None` for
/// anything else (other forms, impossible dates), which the general parser then reads or
/// refuses. Years 1 to 9998 only, well inside what the general parser accepts.
fn utc_seconds_ms(s: &[u8]) -> Option<i64> {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', n0, n1, b':', s0, s1, b'Z'] =
        s
    else {
        return None;
    };
    let digits = [y0, y1, y2, y3, m0, m1, d0, d1, h0, h1, n0, n1, s0, s1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let two = |a: u8, b: u8| i64::from(a - b'0') * 10 + i64::from(b - b'0');
    let year = two(y0, y1) * 100 + two(y2, y3);
    let (month, day) = (two(m0, m1), two(d0, d1));
    let (hour, minute, second) = (two(h0, h1), two(n0, n1), two(s0, s1));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=9998).contains(&year) || !(1..=month_days).contains(&day) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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

/// A JSON string of a record: borrowed from the record's text when it has no escapes, so a
/// row is read without copying the strings it does not keep.
pub(crate) struct Text<'a>(Cow<'a, str>);

impl Text<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// [`text`] for a borrowed string: the owned string a [`crate::Play`] keeps.
pub(crate) fn owned(value: Option<Text<'_>>) -> Option<String> {
    value
        .filter(|s| !s.0.trim().is_empty())
        .map(|s| s.0.into_owned())
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text<'a>, D::Error> {
        struct Str;

        impl<'de> Visitor<'de> for Str {
            type Value = Cow<'de, str>;

            // As `String` says it, so that wrong types read the same as before.
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Cow<'de, str>, E> {
                Ok(Cow::Borrowed(value))
            }

            fn visit_str<E>(self, value: &str) -> Result<Cow<'de, str>, E> {
                Ok(Cow::Owned(value.to_owned()))
            }

            fn visit_string<E>(self, value: String) -> Result<Cow<'de, str>, E> {
                Ok(Cow::Owned(value))
            }
        }

        deserializer.deserialize_string(Str).map(Text)
    }
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
    fn spotify_timestamps_read_directly_as_the_general_parser_reads_them() {
        for ts in [
            "2013-03-14T10:44:25Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2000-02-29T12:00:00Z",
            "2024-02-29T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "9998-12-31T23:59:59Z",
        ] {
            let want = ts.parse::<Timestamp>().unwrap().as_millisecond();
            assert_eq!(utc_seconds_ms(ts.as_bytes()), Some(want), "{ts}");
        }
        for ts in [
            "2023-02-29T10:00:00Z",
            "1900-02-29T10:00:00Z",
            "2013-13-14T10:44:25Z",
            "2013-03-32T10:44:25Z",
            "2013-03-14T24:00:00Z",
            "2013-03-14T10:60:25Z",
            "2013-03-14T10:44:60Z",
            "2013-03-14 10:44:25Z",
            "2013-03-14T10:44:25z",
            "2013-03-14T10:44:25.5Z",
            "2013-03-14T10:44:25+00:00",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "+2013-03-14T10:44:25Z",
            "2013-0a-14T10:44:25Z",
        ] {
            assert_eq!(utc_seconds_ms(ts.as_bytes()), None, "{ts}");
        }
        // Forms it leaves to the general parser still parse.
        assert_eq!(
            parse_instant("ts", "2013-03-14T10:44:25.5Z"),
            Ok(1_363_257_865_500)
        );
        assert_eq!(
            parse_instant("ts", "2013-03-14T11:44:25+01:00"),
            Ok(1_363_257_865_000)
        );
        assert!(parse_instant("ts", "2023-02-29T10:00:00Z").is_err());
    }

    proptest::proptest! {
        #[test]
        fn direct_timestamps_agree_with_jiff(
            y in 0u32..10_000, mo in 0u32..14, d in 0u32..33,
            h in 0u32..26, mi in 0u32..62, s in 0u32..62,
        ) {
            let ts = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
            if let Some(ms) = utc_seconds_ms(ts.as_bytes()) {
                let want = ts.parse::<Timestamp>().map(|t| t.as_millisecond());
                proptest::prop_assert_eq!(Ok(ms), want.map_err(|e| e.to_string()), "{}", ts);
            } else if (1..=9998).contains(&y) && s < 60 {
                proptest::prop_assert!(ts.parse::<Timestamp>().is_err(), "{}", ts);
            }
        }
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
