//! Confirmed listens (a scrobbler's or Spotify's word that a track was heard, with no
//! measured time) count as plays in every question, whatever `min_ms`, while measured
//! listens still need the threshold.

use chrono::NaiveDate;
use medley_stats::*;

/// 2024-05-01T10:00:00Z, a Wednesday.
const T: i64 = 1_714_557_600_000;
const DAY: i64 = 86_400_000;

fn listen(at: i64, item: u32, ms_played: u32, confirmed: bool) -> Listen {
    Listen {
        started_at_ms: at,
        ms_played,
        kind: Kind::Track,
        item,
        artist: item,
        album: item,
        skipped: false,
        confirmed,
    }
}

/// Track 1: two scrobbles without a duration (the caller found none in the catalog either).
/// Track 2: one scrobble of a 200-second track. Track 3: a measured 10-second listen.
fn history() -> History {
    History::new(vec![
        listen(T, 1, 0, true),
        listen(T + DAY, 1, 0, true),
        listen(T + DAY + 3_600_000, 2, 200_000, true),
        listen(T + 2 * DAY, 3, 10_000, false),
    ])
}

fn query(min_ms: u32) -> Query {
    Query {
        min_ms,
        ..Query::all_time()
    }
}

#[test]
fn they_count_in_every_question_at_any_threshold() {
    let h = history();
    for min_ms in [0, DEFAULT_MIN_MS, 3_600_000, 86_400_000] {
        let q = query(min_ms);
        let measured_counts = min_ms <= 10_000;
        let extra = u64::from(measured_counts);

        let t = totals(&h, &q);
        assert_eq!(t.plays, 3 + extra, "min_ms {min_ms}");
        assert_eq!(t.ms, 200_000 + 10_000 * extra);
        assert_eq!(t.distinct_tracks, 2 + extra);

        let ranked = top(&h, &q, Entity::Track, By::Plays, 10, 0);
        assert_eq!(ranked.rows[0].entity, 1);
        assert_eq!(ranked.rows[0].plays, 2);
        assert_eq!(ranked.total, 2 + extra as usize);
        let by_time = top(&h, &q, Entity::Artist, By::Time, 1, 0);
        assert_eq!(
            by_time.rows[0].entity, 2,
            "time comes from the track's length"
        );

        let days = timeline(&h, &q, Bucket::Day);
        let plays: Vec<u64> = days.iter().map(|p| p.plays).collect();
        assert_eq!(plays, vec![1, 2, extra]);

        let cells = heatmap(&h, &q).cells;
        assert_eq!(cells[2][10].plays, 1, "Wednesday 10:00 UTC");
        assert_eq!(cells[3][10].plays + cells[3][11].plays, 2);

        let today = NaiveDate::from_ymd_opt(2024, 5, 3).unwrap();
        let s = streaks(&h, &q, today);
        assert_eq!(s.longest.unwrap().days, 2 + extra);
        assert_eq!(s.current.unwrap().days, 2 + extra);

        let found = discoveries(&h, &q, Entity::Track, Bucket::Month, 10);
        assert_eq!(found[0].count, 2 + extra);
        assert_eq!(found[0].first[0], (1, T));

        let a = Query {
            to_ms: T + DAY,
            ..q
        };
        let b = Query {
            from_ms: T + DAY,
            ..q
        };
        let c = compare(&h, &a, &b, Entity::Track, 10);
        assert_eq!((c.a.plays, c.b.plays), (1, 2 + extra));

        let gone = forgotten(&h, &q, Entity::Track, T + 400 * DAY, 30, 2, 10);
        assert_eq!(gone.len(), 1);
        assert_eq!((gone[0].entity, gone[0].plays), (1, 2));
    }
}

#[test]
fn skip_rates_see_them_as_listens() {
    let h = history();
    let s = skips(&h, &query(86_400_000), Entity::Track, 10);
    assert_eq!(s.overall.plays, 4);
    assert_eq!(s.overall.skipped, 0);
}

#[test]
fn the_flag_survives_extending_out_of_order() {
    let mut h = History::new(vec![listen(T + 5 * DAY, 3, 60_000, false)]);
    h.extend(vec![listen(T, 1, 0, true)]);
    assert_eq!(h.get(0), listen(T, 1, 0, true));
    assert_eq!(totals(&h, &query(DEFAULT_MIN_MS)).plays, 2);
}
