//! Rankings: top entities, skip rates, comparison of two windows, forgotten favourites.

use serde::Serialize;

use crate::history::{History, NONE};
use crate::query::{By, Entity, Query};
use crate::totals::{totals, Totals};

/// One ranked entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub entity: u32,
    pub plays: u64,
    pub ms: u64,
}

/// A page of a ranking and how many entities it has in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Top {
    pub total: usize,
    pub rows: Vec<Ranked>,
}

/// Plays and time per entity over the counted listens of `q`'s window.
pub(crate) fn tally(h: &History, q: &Query, entity: Entity) -> Vec<Ranked> {
    let values = entity.values(h);
    let mut plays = vec![0u64; entity.bound(h)];
    let mut ms = vec![0u64; entity.bound(h)];
    for i in h.range(q.from_ms, q.to_ms) {
        let v = values[i];
        if v != NONE && q.counts(h, i) {
            plays[v as usize] += 1;
            ms[v as usize] += u64::from(h.ms[i]);
        }
    }
    plays
        .iter()
        .zip(&ms)
        .enumerate()
        .filter(|(_, (&p, _))| p > 0)
        .map(|(e, (&plays, &ms))| Ranked {
            entity: e as u32,
            plays,
            ms,
        })
        .collect()
}

/// Best first: by the chosen measure, then the other, then the smaller index.
fn better(a: &Ranked, b: &Ranked, by: By) -> std::cmp::Ordering {
    let (ka, kb) = match by {
        By::Plays => ((a.plays, a.ms), (b.plays, b.ms)),
        By::Time => ((a.ms, a.plays), (b.ms, b.plays)),
    };
    kb.cmp(&ka).then(a.entity.cmp(&b.entity))
}

pub(crate) fn order(rows: &mut [Ranked], by: By) {
    rows.sort_unstable_by(|a, b| better(a, b, by));
}

/// The top entities of the window.
pub fn top(h: &History, q: &Query, entity: Entity, by: By, limit: usize, offset: usize) -> Top {
    let mut rows = tally(h, q, entity);
    let total = rows.len();
    let end = (offset + limit).min(total);
    if offset >= total {
        return Top {
            total,
            rows: vec![],
        };
    }
    // Only the first `end` need sorting; the rest only needs to be after them.
    if end < total {
        rows.select_nth_unstable_by(end, |a, b| better(a, b, by));
        rows.truncate(end);
    }
    order(&mut rows, by);
    Top {
        total,
        rows: rows[offset..end].to_vec(),
    }
}

/// Plays and skips.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SkipRate {
    pub plays: u64,
    pub skipped: u64,
    /// `skipped / plays` (0 without plays).
    pub rate: f64,
}

impl SkipRate {
    fn of(plays: u64, skipped: u64) -> SkipRate {
        SkipRate {
            plays,
            skipped,
            rate: if plays == 0 {
                0.0
            } else {
                skipped as f64 / plays as f64
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntitySkips {
    pub entity: u32,
    #[serde(flatten)]
    pub rate: SkipRate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skips {
    pub overall: SkipRate,
    /// The most played entities, most played first, with their skip rate.
    pub rows: Vec<EntitySkips>,
}

/// Skip rates. Unlike the other questions, every listen of the window counts here whatever
/// its length (`min_ms` is ignored): a skip is usually a short listen, and leaving short
/// listens out would hide most skips.
pub fn skips(h: &History, q: &Query, entity: Entity, limit: usize) -> Skips {
    let values = entity.values(h);
    let bound = entity.bound(h);
    let (mut plays, mut skipped) = (vec![0u64; bound], vec![0u64; bound]);
    let (mut all, mut all_skipped) = (0, 0);
    for i in h.range(q.from_ms, q.to_ms) {
        if !q.kind_counts(h, i) {
            continue;
        }
        let s = u64::from(h.skipped(i));
        all += 1;
        all_skipped += s;
        let v = values[i];
        if v != NONE {
            plays[v as usize] += 1;
            skipped[v as usize] += s;
        }
    }
    let mut ranked: Vec<Ranked> = plays
        .iter()
        .enumerate()
        .filter(|(_, &p)| p > 0)
        .map(|(e, &p)| Ranked {
            entity: e as u32,
            plays: p,
            ms: 0,
        })
        .collect();
    order(&mut ranked, By::Plays);
    ranked.truncate(limit);
    Skips {
        overall: SkipRate::of(all, all_skipped),
        rows: ranked
            .iter()
            .map(|r| EntitySkips {
                entity: r.entity,
                rate: SkipRate::of(r.plays, skipped[r.entity as usize]),
            })
            .collect(),
    }
}

/// One entity in two windows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compared {
    pub entity: u32,
    pub a_plays: u64,
    pub b_plays: u64,
    /// 1-based rank by plays in each window (`None`: not played there).
    pub a_rank: Option<usize>,
    pub b_rank: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub a: Totals,
    pub b: Totals,
    /// The union of the top `limit` of either window, ordered by plays in `a` then `b`.
    pub rows: Vec<Compared>,
}

/// Compares two windows (each with its own filters).
pub fn compare(h: &History, a: &Query, b: &Query, entity: Entity, limit: usize) -> Comparison {
    let ranks = |q: &Query| {
        let mut rows = tally(h, q, entity);
        order(&mut rows, By::Plays);
        rows
    };
    let (ra, rb) = (ranks(a), ranks(b));
    let find = |rows: &[Ranked], e: u32| {
        rows.iter()
            .position(|r| r.entity == e)
            .map(|p| (p + 1, rows[p].plays))
    };
    let mut chosen: Vec<u32> = ra.iter().take(limit).map(|r| r.entity).collect();
    for r in rb.iter().take(limit) {
        if !chosen.contains(&r.entity) {
            chosen.push(r.entity);
        }
    }
    let mut rows: Vec<Compared> = chosen
        .into_iter()
        .map(|e| {
            let (a_rank, a_plays) = find(&ra, e).map_or((None, 0), |(r, p)| (Some(r), p));
            let (b_rank, b_plays) = find(&rb, e).map_or((None, 0), |(r, p)| (Some(r), p));
            Compared {
                entity: e,
                a_plays,
                b_plays,
                a_rank,
                b_rank,
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        (y.a_plays, y.b_plays)
            .cmp(&(x.a_plays, x.b_plays))
            .then(x.entity.cmp(&y.entity))
    });
    Comparison {
        a: totals(h, a),
        b: totals(h, b),
        rows,
    }
}

/// A favourite of the window not played lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Forgotten {
    pub entity: u32,
    /// Counted plays in the window.
    pub plays: u64,
    /// The last counted play ever, Unix ms.
    pub last_played_ms: i64,
}

/// Entities with at least `min_plays` counted plays in the window and none (counted) since
/// `now_ms - quiet_days`, most played first.
pub fn forgotten(
    h: &History,
    q: &Query,
    entity: Entity,
    now_ms: i64,
    quiet_days: u32,
    min_plays: u64,
    limit: usize,
) -> Vec<Forgotten> {
    let values = entity.values(h);
    let mut last = vec![i64::MIN; entity.bound(h)];
    for (i, &v) in values.iter().enumerate() {
        if v != NONE && q.counts(h, i) {
            last[v as usize] = h.started[i];
        }
    }
    let since = now_ms - i64::from(quiet_days) * 86_400_000;
    let mut rows = tally(h, q, entity);
    rows.retain(|r| r.plays >= min_plays && last[r.entity as usize] < since);
    order(&mut rows, By::Plays);
    rows.truncate(limit);
    rows.into_iter()
        .map(|r| Forgotten {
            entity: r.entity,
            plays: r.plays,
            last_played_ms: last[r.entity as usize],
        })
        .collect()
}
