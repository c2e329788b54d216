//! The incremental sync's newcomers: put in the order the full sync gives them, and appended
//! after the items the target keeps, within the cap.

use super::settle::Settled;
use crate::ledger::SourceMemo;
use crate::model::Mode;
use crate::plan::Plan;
use crate::sync::key_index::{hash, KeyIndex};
use crate::sync::order::in_source_order;
use crate::sync::{Report, SyncInput};

/// Newcomers (indices in `settled`) in source order, as the full sync orders them: include
/// sources as configured, items as in each source (one from each in turn for `interleave`),
/// then those no configured source holds, in key order.
///
/// Where a source holds a newcomer is known from its diff when the read brought it; a source
/// that held it already (among its contributors, with no change) is searched.
pub(super) fn order_newcomers(
    input: &SyncInput<'_>,
    memos: &[SourceMemo],
    settled: &[Settled<'_>],
    newcomers: Vec<usize>,
) -> Vec<usize> {
    if newcomers.len() < 2 {
        return newcomers;
    }
    let composite = input.composite;
    let sources = &composite.sources;
    let mut at: Vec<Vec<(usize, usize)>> = vec![Vec::new(); sources.len()];
    let mut search = vec![false; sources.len()];
    for &s in &newcomers {
        let settled = &settled[s];
        for &(u, h) in &settled.holds {
            if let Some(held) = h {
                at[u].push((held.position, s));
            }
        }
        for uri in settled.contributors().keys() {
            if let Some(u) = sources
                .iter()
                .position(|source| source.uri == *uri && source.mode == Mode::Include)
            {
                if !settled.holds.iter().any(|&(v, _)| v == u) {
                    search[u] = true;
                }
            }
        }
    }
    if search.iter().any(|&s| s) {
        let mut index = KeyIndex::default();
        for &s in &newcomers {
            index.insert(hash(&settled[s].key), s);
        }
        for (u, memo) in memos.iter().enumerate().filter(|&(u, _)| search[u]) {
            at[u] = memo
                .keys()
                .enumerate()
                .filter_map(|(position, key)| {
                    index
                        .find(hash(key), key, |s| &settled[s].key)
                        .map(|s| (position, s))
                })
                .collect();
        }
    }
    let per_source: Vec<Vec<usize>> = sources
        .iter()
        .zip(at)
        .filter(|(source, _)| source.mode == Mode::Include)
        .map(|(_, mut held)| {
            held.sort_unstable();
            held.into_iter().map(|(_, s)| s).collect()
        })
        .collect();
    let mut queued = vec![false; settled.len()];
    let mut out = Vec::with_capacity(newcomers.len());
    let mut push = |s: usize| {
        if !queued[s] {
            queued[s] = true;
            out.push(s);
        }
    };
    in_source_order(composite.options.ordering, &per_source, &mut push);
    let mut rest: Vec<usize> = newcomers.into_iter().filter(|&s| !queued[s]).collect();
    rest.sort_by(|&a, &b| settled[a].key.cmp(&settled[b].key));
    out.extend(rest);
    out
}

/// Appends the newcomers (in their order) that fit in the `room` the cap leaves after the
/// `kept` items, and marks them written; the rest are reported as overflow. Returns those
/// that fit.
pub(super) fn append_newcomers<'n>(
    settled: &mut [Settled<'_>],
    newcomers: &'n [usize],
    kept: usize,
    room: usize,
    plan: &mut Plan,
    report: &mut Report,
) -> &'n [usize] {
    let (fits, over) = newcomers.split_at(newcomers.len().min(room));
    report.overflow = over.iter().map(|&s| settled[s].track.id.clone()).collect();
    for (n, &s) in fits.iter().enumerate() {
        settled[s].written = true;
        let id = settled[s].track.id.clone();
        plan.insert.push((kept + n, id.clone()));
        report.added.push(id);
    }
    fits
}
