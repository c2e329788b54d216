//! Local time, fast: a time zone's UTC offset only changes at transitions, so the offsets
//! covering a window are computed once (sampled daily, each change located to the
//! millisecond) and listens, which are sorted, walk through them.

use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// The offsets of a zone over a span of UTC time.
#[derive(Debug, Clone)]
pub struct Clock {
    /// `(from UTC ms, offset ms)`, sorted; the first applies from the span's start.
    segments: Vec<(i64, i64)>,
}

fn offset_at(tz: Tz, utc_ms: i64) -> i64 {
    match tz.timestamp_millis_opt(utc_ms).single() {
        Some(t) => t.offset().fix().local_minus_utc() as i64 * 1000,
        None => 0,
    }
}

impl Clock {
    /// Offsets of `tz` for UTC times in `[from, to]`.
    pub fn new(tz: Tz, from_ms: i64, to_ms: i64) -> Clock {
        let mut segments = vec![(i64::MIN, offset_at(tz, from_ms))];
        let mut at = from_ms;
        while at < to_ms {
            let next = (at + DAY_MS).min(to_ms);
            let (before, after) = (offset_at(tz, at), offset_at(tz, next));
            if before != after {
                // Locate the change: the first millisecond with the new offset.
                let (mut lo, mut hi) = (at, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_at(tz, mid) == before {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                segments.push((hi, after));
            }
            at = next;
        }
        Clock { segments }
    }

    /// A cursor for walking UTC times in increasing order.
    pub fn walker(&self) -> Walker<'_> {
        Walker {
            clock: self,
            index: 0,
        }
    }

    /// The local time of a UTC time (any order).
    pub fn local(&self, utc_ms: i64) -> Local {
        let i = self.segments.partition_point(|&(from, _)| from <= utc_ms) - 1;
        Local::of(utc_ms + self.segments[i].1)
    }
}

/// Walks a [`Clock`] forward.
pub struct Walker<'c> {
    clock: &'c Clock,
    index: usize,
}

impl Walker<'_> {
    /// The local time of `utc_ms`, which must not be before the previous call's.
    pub fn local(&mut self, utc_ms: i64) -> Local {
        let segments = &self.clock.segments;
        while self.index + 1 < segments.len() && segments[self.index + 1].0 <= utc_ms {
            self.index += 1;
        }
        Local::of(utc_ms + segments[self.index].1)
    }
}

/// A local time as day number (days since 1970-01-01, local) and hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    pub day: i64,
    pub hour: u8,
}

impl Local {
    fn of(local_ms: i64) -> Local {
        Local {
            day: local_ms.div_euclid(DAY_MS),
            hour: (local_ms.rem_euclid(DAY_MS) / HOUR_MS) as u8,
        }
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    pub fn weekday(self) -> usize {
        (self.day + 3).rem_euclid(7) as usize
    }
}

/// The calendar date of a local day number.
pub fn date(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid") + chrono::Duration::days(day)
}

/// The local day number of a date.
pub fn day_of(date: NaiveDate) -> i64 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")).num_days()
}
