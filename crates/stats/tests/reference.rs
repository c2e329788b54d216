//! Every question checked against a naive reference: plain iteration over the listens,
//! chrono-tz for every local time, maps for counting. Random histories (with confirmed
//! listens, of known or unknown length), windows, zones (with DST and half-hour offsets),
//! thresholds and buckets.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;
use medley_stats::*;
use proptest::prelude::*;

const ZONES: [Tz; 5] = [
    Tz::UTC,
    Tz::Europe__Berlin,
    Tz::America__New_York,
    Tz::Asia__Kolkata,
    Tz::Australia__Lord_Howe,
];
/// 2019-01-01T00:00:00Z
const BASE: i64 = 1_546_300_800_000;
const SPAN: i64 = 3 * 365 * 86_400_000;

fn listen() -> impl Strategy<Value = Listen> {
    (
        0..SPAN,
        prop_oneof![0u32..40_000, 30_000u32..400_000],
        prop_oneof![8 => Just(Kind::Track), 1 => Just(Kind::Episode), 1 => Just(Kind::Audiobook)],
        0u32..30,
        prop_oneof![9 => 0u32..8, 1 => Just(NONE)],
        prop_oneof![9 => 0u32..12, 1 => Just(NONE)],
        any::<bool>(),
        // Confirmed listens: a quarter, half of them of unknown length.
        prop_oneof![6 => Just(None), 1 => Just(Some(0)), 1 => Just(Some(1))],
    )
        .prop_map(
            |(at, ms, kind, item, artist, album, skipped, confirmed)| Listen {
                started_at_ms: BASE + at,
                ms_played: if confirmed == Some(0) { 0 } else { ms },
                kind,
                // The caller numbers tracks and episodes in one space: distinct per kind.
                item: item + 100 * kind as u32,
                artist,
                album,
                skipped,
                confirmed: confirmed.is_some(),
            },
        )
}

fn query() -> impl Strategy<Value = Query> {
    (
        0..SPAN,
        1..SPAN,
        0usize..ZONES.len(),
        prop_oneof![
            Just(0u32),
            Just(30_000u32),
            0u32..100_000,
            Just(86_400_000u32)
        ],
        any::<bool>(),
    )
        .prop_map(|(from, len, zone, min_ms, podcasts)| Query {
            from_ms: BASE + from,
            to_ms: BASE + from + len,
            tz: ZONES[zone],
            min_ms,
            podcasts,
        })
}

fn counts(q: &Query, l: &Listen) -> bool {
    (l.ms_played >= q.min_ms || l.confirmed) && (q.podcasts || l.kind == Kind::Track)
}

fn in_window(q: &Query, l: &Listen) -> bool {
    l.started_at_ms >= q.from_ms && l.started_at_ms < q.to_ms
}

fn local(q: &Query, ms: i64) -> chrono::DateTime<Tz> {
    q.tz.timestamp_millis_opt(ms).single().unwrap()
}

fn sorted(mut ls: Vec<Listen>) -> Vec<Listen> {
    ls.sort_by_key(|l| l.started_at_ms);
    ls
}

fn entity_of(e: Entity, l: &Listen) -> u32 {
    match e {
        Entity::Track => l.item,
        Entity::Artist => l.artist,
        Entity::Album => l.album,
    }
}

fn bucket_start(b: Bucket, d: NaiveDate) -> NaiveDate {
    match b {
        Bucket::Day => d,
        Bucket::Week => d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64),
        Bucket::Month => NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap(),
        Bucket::Year => NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rankings_and_totals(ls in prop::collection::vec(listen(), 0..300), q in query(),
                           entity in prop_oneof![Just(Entity::Track), Just(Entity::Artist), Just(Entity::Album)],
                           by in prop_oneof![Just(By::Plays), Just(By::Time)]) {
        let h = History::new(ls.clone());
        let mut tally: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
        for l in ls.iter().filter(|l| in_window(&q, l) && counts(&q, l)) {
            let e = entity_of(entity, l);
            if e != NONE {
                let t = tally.entry(e).or_default();
                t.0 += 1;
                t.1 += u64::from(l.ms_played);
            }
        }
        let mut expected: Vec<Ranked> = tally.iter().map(|(&e, &(plays, ms))| Ranked { entity: e, plays, ms }).collect();
        expected.sort_by(|a, b| {
            let key = |r: &Ranked| match by { By::Plays => (r.plays, r.ms), By::Time => (r.ms, r.plays) };
            key(b).cmp(&key(a)).then(a.entity.cmp(&b.entity))
        });
        let got = top(&h, &q, entity, by, 5, 2);
        prop_assert_eq!(got.total, expected.len());
        prop_assert_eq!(got.rows, expected.iter().skip(2).take(5).copied().collect::<Vec<_>>());

        let counted: Vec<&Listen> = ls.iter().filter(|l| in_window(&q, l) && counts(&q, l)).collect();
        let t = totals(&h, &q);
        prop_assert_eq!(t.plays, counted.len() as u64);
        prop_assert_eq!(t.ms, counted.iter().map(|l| u64::from(l.ms_played)).sum::<u64>());
        let distinct = |f: &dyn Fn(&Listen) -> Option<u32>| counted.iter().filter_map(|l| f(l)).collect::<BTreeSet<_>>().len() as u64;
        prop_assert_eq!(t.distinct_tracks, distinct(&|l| (l.kind == Kind::Track).then_some(l.item)));
        prop_assert_eq!(t.distinct_artists, distinct(&|l| (l.artist != NONE).then_some(l.artist)));
        prop_assert_eq!(t.distinct_albums, distinct(&|l| (l.album != NONE).then_some(l.album)));
        prop_assert_eq!(t.first_ms, counted.iter().map(|l| l.started_at_ms).min());
    }

    #[test]
    fn calendar_questions(ls in prop::collection::vec(listen(), 0..300), q in query(),
                          bucket in prop_oneof![Just(Bucket::Day), Just(Bucket::Week), Just(Bucket::Month), Just(Bucket::Year)]) {
        let ls = sorted(ls);
        let h = History::new(ls.clone());
        let window: Vec<&Listen> = ls.iter().filter(|l| in_window(&q, l)).collect();
        let counted: Vec<&Listen> = window.iter().copied().filter(|l| counts(&q, l)).collect();

        // Timeline: every period from the first listen's to the last's.
        let mut expected: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
        if let (Some(first), Some(last)) = (window.first(), window.last()) {
            let mut d = bucket_start(bucket, local(&q, first.started_at_ms).date_naive());
            let end = local(&q, last.started_at_ms).date_naive();
            while d <= end {
                expected.insert(d, (0, 0));
                d = bucket.next(d);
            }
        }
        for l in &counted {
            let e = expected.get_mut(&bucket_start(bucket, local(&q, l.started_at_ms).date_naive())).unwrap();
            e.0 += 1;
            e.1 += u64::from(l.ms_played);
        }
        let got: Vec<(NaiveDate, (u64, u64))> = timeline(&h, &q, bucket).into_iter().map(|p| (p.start, (p.plays, p.ms))).collect();
        prop_assert_eq!(got, expected.into_iter().collect::<Vec<_>>());

        // Heatmap.
        let mut cells = vec![vec![0u64; 24]; 7];
        for l in &counted {
            let t = local(&q, l.started_at_ms);
            cells[t.weekday().num_days_from_monday() as usize][t.hour() as usize] += 1;
        }
        let got: Vec<Vec<u64>> = heatmap(&h, &q).cells.iter().map(|row| row.iter().map(|c| c.plays).collect()).collect();
        prop_assert_eq!(got, cells);

        // Streaks.
        let days: BTreeSet<NaiveDate> = counted.iter().map(|l| local(&q, l.started_at_ms).date_naive()).collect();
        let days: Vec<NaiveDate> = days.into_iter().collect();
        let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
        for d in &days {
            match runs.last_mut() {
                Some(r) if r.1.succ_opt() == Some(*d) => r.1 = *d,
                _ => runs.push((*d, *d)),
            }
        }
        let len = |r: &(NaiveDate, NaiveDate)| (r.1 - r.0).num_days() + 1;
        let longest = runs.iter().fold(None::<(NaiveDate, NaiveDate)>, |best, r| match best {
            Some(b) if len(&b) >= len(r) => Some(b),
            _ => Some(*r),
        });
        let today = days.last().map(|d| *d + chrono::Duration::days(1)).unwrap_or(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap());
        let s = streaks(&h, &q, today);
        prop_assert_eq!(s.longest.map(|r| (r.from, r.to)), longest);
        prop_assert_eq!(s.current.map(|r| (r.from, r.to)), runs.last().copied());

        // Discoveries: first counted listen ever of each track, when inside the window.
        let mut first: BTreeMap<u32, i64> = BTreeMap::new();
        for l in ls.iter().filter(|l| counts(&q, l) && l.started_at_ms < q.to_ms) {
            first.entry(l.item).or_insert(l.started_at_ms);
        }
        let mut per: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        for (_, at) in first.iter().filter(|(_, &at)| at >= q.from_ms) {
            *per.entry(bucket_start(bucket, local(&q, *at).date_naive())).or_default() += 1;
        }
        let got: Vec<(NaiveDate, u64)> = discoveries(&h, &q, Entity::Track, bucket, 3).iter().map(|d| (d.start, d.count)).collect();
        prop_assert_eq!(got, per.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn skips_and_forgotten(ls in prop::collection::vec(listen(), 0..300), q in query(), quiet in 0u32..400) {
        let h = History::new(ls.clone());
        let window: Vec<&Listen> = ls.iter().filter(|l| in_window(&q, l) && (q.podcasts || l.kind == Kind::Track)).collect();
        let s = skips(&h, &q, Entity::Artist, 100);
        prop_assert_eq!(s.overall.plays, window.len() as u64);
        prop_assert_eq!(s.overall.skipped, window.iter().filter(|l| l.skipped).count() as u64);
        for row in &s.rows {
            let of: Vec<&&Listen> = window.iter().filter(|l| l.artist == row.entity).collect();
            prop_assert_eq!(row.rate.plays, of.len() as u64);
            prop_assert_eq!(row.rate.skipped, of.iter().filter(|l| l.skipped).count() as u64);
        }

        let now = BASE + SPAN;
        let since = now - i64::from(quiet) * 86_400_000;
        let mut expected: Vec<(u32, u64, i64)> = Vec::new();
        for item in (0..330u32).filter(|i| i % 100 < 30) {
            let plays = ls.iter().filter(|l| l.item == item && in_window(&q, l) && counts(&q, l)).count() as u64;
            let last = ls.iter().filter(|l| l.item == item && counts(&q, l)).map(|l| l.started_at_ms).max();
            if let Some(last) = last {
                if plays >= 2 && last < since {
                    expected.push((item, plays, last));
                }
            }
        }
        let got: BTreeSet<(u32, u64, i64)> = forgotten(&h, &q, Entity::Track, now, quiet, 2, 1000)
            .into_iter().map(|f| (f.entity, f.plays, f.last_played_ms)).collect();
        prop_assert_eq!(got, expected.into_iter().collect::<BTreeSet<_>>());
    }

    #[test]
    fn extending_equals_building_at_once(a in prop::collection::vec(listen(), 0..100), b in prop::collection::vec(listen(), 0..100), q in query()) {
        let mut h = History::new(a.clone());
        h.extend(b.clone());
        let all = History::new(a.into_iter().chain(b).collect());
        prop_assert_eq!(totals(&h, &q), totals(&all, &q));
        prop_assert_eq!(top(&h, &q, Entity::Track, By::Plays, 50, 0), top(&all, &q, Entity::Track, By::Plays, 50, 0));
    }
}

/// Listens around the spring-forward and fall-back nights of Berlin land in the right local
/// hours and days.
#[test]
fn daylight_saving_nights() {
    let tz = Tz::Europe__Berlin;
    let at = |y, m, d, h, min| {
        tz.with_ymd_and_hms(y, m, d, h, min, 0)
            .earliest()
            .unwrap()
            .timestamp_millis()
    };
    let listen = |ms| Listen {
        started_at_ms: ms,
        ms_played: 60_000,
        kind: Kind::Track,
        item: 1,
        artist: 1,
        album: 1,
        skipped: false,
        confirmed: false,
    };
    // 2024-03-31: 02:00 -> 03:00. 2024-10-27: 03:00 -> 02:00 (02:30 happens twice).
    let ls = vec![
        listen(at(2024, 3, 31, 1, 30)),
        listen(at(2024, 3, 31, 3, 30)),
        listen(at(2024, 10, 27, 2, 30)),
        listen(at(2024, 10, 27, 2, 30) + 3_600_000),
        listen(at(2024, 10, 27, 23, 59)),
    ];
    let h = History::new(ls);
    let q = Query {
        tz,
        ..Query::all_time()
    };
    let map = heatmap(&h, &q);
    let sunday = &map.cells[6];
    assert_eq!(sunday[1].plays, 1);
    assert_eq!(sunday[3].plays, 1);
    assert_eq!(sunday[2].plays, 2, "02:30 twice on the fall-back night");
    assert_eq!(sunday[23].plays, 1);
    let days = timeline(&h, &q, Bucket::Day);
    let oct27 = days
        .iter()
        .find(|p| p.start == NaiveDate::from_ymd_opt(2024, 10, 27).unwrap())
        .unwrap();
    assert_eq!(oct27.plays, 3);
}
