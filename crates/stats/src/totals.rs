//! Totals of a window.

use serde::Serialize;

use crate::history::{History, Kind, NONE};
use crate::query::Query;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub plays: u64,
    pub ms: u64,
    pub distinct_tracks: u64,
    pub distinct_episodes: u64,
    pub distinct_artists: u64,
    pub distinct_albums: u64,
    /// Start of the first and last counted play, Unix ms.
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

pub fn totals(h: &History, q: &Query) -> Totals {
    let mut seen = [
        vec![false; h.bounds[0]],
        vec![false; h.bounds[1]],
        vec![false; h.bounds[2]],
    ];
    let mut t = Totals::default();
    let mut distinct = |set: usize, v: u32| {
        if v != NONE && !seen[set][v as usize] {
            seen[set][v as usize] = true;
            return 1;
        }
        0
    };
    for i in h.range(q.from_ms, q.to_ms) {
        if !q.counts(h, i) {
            continue;
        }
        t.plays += 1;
        t.ms += u64::from(h.ms[i]);
        t.first_ms.get_or_insert(h.started[i]);
        t.last_ms = Some(h.started[i]);
        let fresh_item = distinct(0, h.item[i]);
        if h.kind(i) == Kind::Track {
            t.distinct_tracks += fresh_item;
        } else {
            t.distinct_episodes += fresh_item;
        }
        t.distinct_artists += distinct(1, h.artist[i]);
        t.distinct_albums += distinct(2, h.album[i]);
    }
    t
}
