//! Questions about when: timeline, weekday-by-hour heatmap, streaks of days, discoveries.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::clock::{date, day_of, Clock};
use crate::history::{History, NONE};
use crate::query::{Entity, Query};

/// Calendar periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Day,
    /// ISO weeks, from Monday.
    Week,
    Month,
    Year,
}

impl Bucket {
    /// The first day of the period holding `d`.
    pub fn start(self, d: NaiveDate) -> NaiveDate {
        match self {
            Bucket::Day => d,
            Bucket::Week => d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64),
            Bucket::Month => d.with_day(1).expect("day 1"),
            Bucket::Year => NaiveDate::from_ymd_opt(d.year(), 1, 1).expect("1 January"),
        }
    }

    /// The first day of the next period.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Bucket::Day => start + chrono::Duration::days(1),
            Bucket::Week => start + chrono::Duration::days(7),
            Bucket::Month => start
                .checked_add_months(chrono::Months::new(1))
                .expect("in range"),
            Bucket::Year => NaiveDate::from_ymd_opt(start.year() + 1, 1, 1).expect("in range"),
        }
    }
}

/// The part of the window that holds listens: `None` when it holds none.
pub(crate) fn span(h: &History, q: &Query) -> Option<(i64, i64, std::ops::Range<usize>)> {
    let r = h.range(q.from_ms, q.to_ms);
    if r.is_empty() {
        return None;
    }
    Some((h.started[r.start], h.started[r.end - 1], r))
}

/// One period of a timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Point {
    /// First local day of the period.
    pub start: NaiveDate,
    pub plays: u64,
    pub ms: u64,
}

/// Plays per period over the window, every period from the first listen's to the last's
/// (empty periods included).
pub fn timeline(h: &History, q: &Query, bucket: Bucket) -> Vec<Point> {
    let Some((first, last, range)) = span(h, q) else {
        return vec![];
    };
    let clock = Clock::new(q.tz, first, last);
    let mut walker = clock.walker();
    let (first_day, last_day) = (clock.local(first).day, clock.local(last).day);
    let mut points = Vec::new();
    let mut start = bucket.start(date(first_day));
    while day_of(start) <= last_day {
        points.push(Point {
            start,
            plays: 0,
            ms: 0,
        });
        start = bucket.next(start);
    }
    // Day number -> period index, walking forward as listens are sorted.
    let mut p = 0;
    for i in range {
        let day = walker.local(h.started[i]).day;
        if !q.counts(h, i) {
            continue;
        }
        while p + 1 < points.len() && day_of(points[p + 1].start) <= day {
            p += 1;
        }
        points[p].plays += 1;
        points[p].ms += u64::from(h.ms[i]);
    }
    points
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub plays: u64,
    pub ms: u64,
}

/// `cells[weekday][hour]`, Monday first, local hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heatmap {
    pub cells: Vec<Vec<Cell>>,
}

pub fn heatmap(h: &History, q: &Query) -> Heatmap {
    let mut cells = vec![vec![Cell::default(); 24]; 7];
    if let Some((first, last, range)) = span(h, q) {
        let clock = Clock::new(q.tz, first, last);
        let mut walker = clock.walker();
        for i in range {
            let local = walker.local(h.started[i]);
            if q.counts(h, i) {
                let cell = &mut cells[local.weekday()][local.hour as usize];
                cell.plays += 1;
                cell.ms += u64::from(h.ms[i]);
            }
        }
    }
    Heatmap { cells }
}

/// A run of consecutive local days with at least one counted play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Run {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Streaks {
    /// The longest run in the window (the earliest of equals).
    pub longest: Option<Run>,
    /// The run that ends `today`, or yesterday when nothing was played yet today.
    pub current: Option<Run>,
}

pub fn streaks(h: &History, q: &Query, today: NaiveDate) -> Streaks {
    let mut days: Vec<i64> = Vec::new();
    if let Some((first, last, range)) = span(h, q) {
        let clock = Clock::new(q.tz, first, last);
        let mut walker = clock.walker();
        for i in range {
            let day = walker.local(h.started[i]).day;
            if q.counts(h, i) && days.last() != Some(&day) {
                days.push(day);
            }
        }
    }
    let run = |from: i64, to: i64| Run {
        from: date(from),
        to: date(to),
        days: (to - from + 1) as u64,
    };
    let mut longest: Option<Run> = None;
    let mut start = 0;
    for i in 0..days.len() {
        if i + 1 == days.len() || days[i + 1] != days[i] + 1 {
            let r = run(days[start], days[i]);
            if longest.is_none_or(|l| r.days > l.days) {
                longest = Some(r);
            }
            start = i + 1;
        }
    }
    let today = day_of(today);
    let current = days.last().and_then(|&last| {
        if last != today && last != today - 1 {
            return None;
        }
        let mut from = days.len() - 1;
        while from > 0 && days[from - 1] == days[from] - 1 {
            from -= 1;
        }
        Some(run(days[from], last))
    });
    Streaks { longest, current }
}

/// The first listens of one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discoveries {
    pub start: NaiveDate,
    /// How many entities were heard for the first time in the period.
    pub count: u64,
    /// The first of them (at most the caller's limit): `(entity, first listen ms)`.
    pub first: Vec<(u32, i64)>,
}

/// Entities whose first counted listen ever falls in the window, per period (periods
/// without any are left out).
pub fn discoveries(
    h: &History,
    q: &Query,
    entity: Entity,
    bucket: Bucket,
    listed: usize,
) -> Vec<Discoveries> {
    let values = entity.values(h);
    let mut seen = vec![false; entity.bound(h)];
    let mut firsts: Vec<(u32, i64)> = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        if h.started[i] >= q.to_ms {
            break;
        }
        if v == NONE || !q.counts(h, i) || seen[v as usize] {
            continue;
        }
        seen[v as usize] = true;
        if h.started[i] >= q.from_ms {
            firsts.push((v, h.started[i]));
        }
    }
    let (Some(&(_, first)), Some(&(_, last))) = (firsts.first(), firsts.last()) else {
        return vec![];
    };
    let clock = Clock::new(q.tz, first, last);
    let mut walker = clock.walker();
    let mut out: Vec<Discoveries> = Vec::new();
    for (v, at) in firsts {
        let start = bucket.start(date(walker.local(at).day));
        if out.last().is_none_or(|d| d.start != start) {
            out.push(Discoveries {
                start,
                count: 0,
                first: vec![],
            });
        }
        let period = out.last_mut().expect("pushed");
        period.count += 1;
        if period.first.len() < listed {
            period.first.push((v, at));
        }
    }
    out
}
