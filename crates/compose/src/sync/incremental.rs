//! The incremental sync: from a ledger that still carries the [`Basis`] of the sync that made
//! it, work in proportion to what changed rather than to the composite's size.
//!
//! It applies when the configuration is the basis's, the ledger's entries and source reads are
//! still the very ones that sync left (pointer equality: any edit of the ledger since, such as
//! restoring a tombstone or settling an intent, copies them), and the target is exactly as that
//! sync left it (compared key by key). Then the owner made no edit to learn, and the basis's
//! invariants (see [`Basis`]) say that an entry none of whose inputs changed keeps its state.
//! So only the keys that a source's read added, dropped or re-dated are settled again: their
//! contributors are the old ones with the changes applied, and the same rule decides. Anything
//! this path does not cover (the `source_order` placement of newcomers) returns `None`, and
//! the full sync runs instead, to the same outcome.

use std::collections::BTreeMap;
use std::sync::Arc;

use hashbrown::HashTable;

use crate::identity::Keys;
use crate::ledger::{Basis, Entry, Ledger, SourceMemo};
use crate::model::{Mode, Ordering, Read, SourceItem, Track};
use crate::plan::Plan;

use super::key_index::{hash, KeyIndex};
use super::order::in_source_order;
use super::rule::wants;
use super::{Outcome, Report, SyncInput};

/// Items of the old memo looked at past the expected one before a read's item is taken for a
/// newcomer to the source (an item dropped from the source shifts the rest by one).
const LOOKAHEAD: usize = 8;

type Items = Vec<(Arc<str>, Option<i64>)>;

/// A key whose hold by one source changed.
struct Change<'a> {
    key: Arc<str>,
    /// Held now, or no longer.
    held: Option<Held<'a>>,
}

/// A source's hold of a key, as its read gives it.
#[derive(Clone, Copy)]
struct Held<'a> {
    added_at: Option<i64>,
    track: &'a Track,
    /// Where in the source's new memo.
    position: usize,
}

/// A key some source's read changed.
struct Touch<'a> {
    key: Arc<str>,
    /// The include sources whose hold changed, in configuration order: `(source, Some(hold))`
    /// if it holds the key now, `(source, None)` if no longer.
    holds: Vec<(usize, Option<Held<'a>>)>,
}

/// A touched key with an entry, settled again.
struct Settled<'a> {
    key: Arc<str>,
    holds: Vec<(usize, Option<Held<'a>>)>,
    old: Option<&'a Entry>,
    track: &'a Track,
    /// New contributors, when they differ from the old entry's.
    now: Option<BTreeMap<String, Option<i64>>>,
    /// In the target after this sync.
    written: bool,
}

impl Settled<'_> {
    fn contributors(&self) -> &BTreeMap<String, Option<i64>> {
        static EMPTY: BTreeMap<String, Option<i64>> = BTreeMap::new();
        match (&self.now, self.old) {
            (Some(now), _) => now,
            (None, Some(e)) => &e.contributors,
            (None, None) => &EMPTY,
        }
    }
}

pub(super) fn sync<'a>(previous: &'a Ledger, input: &SyncInput<'a>) -> Option<Outcome> {
    let basis = previous.basis.as_deref()?;
    let composite = input.composite;
    let sources = &composite.sources;
    let options = &composite.options;
    if basis.composite != *composite
        || !previous.entries.ptr_eq(&basis.entries)
        || previous.sources.len() != sources.len()
    {
        return None;
    }
    let mut olds: Vec<&SourceMemo> = Vec::with_capacity(sources.len());
    for (source, read) in sources.iter().zip(&basis.reads) {
        let memo = previous.sources.get(&source.uri)?;
        if !Arc::ptr_eq(memo.shared_items(), read) {
            return None;
        }
        olds.push(memo);
    }
    let mut keys = Keys::new(options.identity);
    let mut buf = String::new();

    // 1. The target as the basis left it: no edit of the owner's to learn.
    let order = &basis.target;
    if input.target.len() != order.len() {
        return None;
    }
    for (track, key) in input.target.iter().zip(order.iter()) {
        if !keys.is_key_of(track, key) {
            return None;
        }
    }

    // 2. Each source's read against its memo: the keys whose holds changed.
    let mut report = Report::default();
    let mut memos: Vec<SourceMemo> = Vec::with_capacity(sources.len());
    let mut touched = KeyIndex::default();
    let mut touches: Vec<Touch<'a>> = Vec::new();
    let mut changes: Vec<Change<'a>> = Vec::new();
    let mut reads_changed = false;
    for (u, (source, old)) in sources.iter().zip(olds).enumerate() {
        let mut memo = old.clone();
        match input.reads.get(&source.uri) {
            Some(Read::Complete(items)) => {
                // A key the old memo of an include source held has an entry that names it.
                let uri = source.uri.as_str();
                let maybe_held = |key: &str| {
                    source.mode == Mode::Exclude
                        || previous
                            .entries
                            .get(key)
                            .is_some_and(|e| e.contributors.contains_key(uri))
                };
                let (old, read) = (old.items(), &items[..]);
                if let Some(now) = diff(&mut keys, &mut buf, old, read, maybe_held, &mut changes) {
                    memo.set_items(now);
                    reads_changed = true;
                }
                for change in changes.drain(..) {
                    let h = hash(&change.key);
                    let t = match touched.find(h, &change.key, |t| &touches[t].key) {
                        Some(t) => t,
                        None => {
                            touched.insert(h, touches.len());
                            touches.push(Touch {
                                key: change.key.clone(),
                                holds: Vec::new(),
                            });
                            touches.len() - 1
                        }
                    };
                    if source.mode == Mode::Include {
                        touches[t].holds.push((u, change.held));
                    }
                }
                memo.healthy = true;
                memo.last_ok_ms = Some(input.now_ms);
                memo.last_error = None;
            }
            Some(Read::Failed(error)) => {
                memo.healthy = false;
                memo.last_error = Some(error.clone());
            }
            None => {
                memo.healthy = false;
                memo.last_error = Some("the source was not read".into());
            }
        }
        if !memo.healthy {
            report.unhealthy.push((
                source.uri.clone(),
                memo.last_error.clone().unwrap_or_default(),
            ));
        }
        memos.push(memo);
    }

    // 3. The rule for the touched keys. Every other entry keeps its state: written exactly when
    //    the rule wants it, and so in the target, kept where it is.
    let excluded = if touches.is_empty() || !sources.iter().any(|s| s.mode == Mode::Exclude) {
        None
    } else {
        let mut index = KeyIndex::default();
        let mut held: Vec<&str> = Vec::new();
        for (source, memo) in sources.iter().zip(&memos) {
            if source.mode == Mode::Exclude {
                for key in memo.keys() {
                    let h = hash(key);
                    if index.find(h, key, |i| held[i]).is_none() {
                        index.insert(h, held.len());
                        held.push(key);
                    }
                }
            }
        }
        Some((index, held))
    };
    static EMPTY: BTreeMap<String, Option<i64>> = BTreeMap::new();
    let mut settled: Vec<Settled<'a>> = Vec::with_capacity(touches.len());
    let mut removals: Vec<usize> = Vec::new();
    let mut newcomers: Vec<usize> = Vec::new();
    for touch in touches {
        let old = previous.entries.get(&*touch.key);
        let track = match old {
            Some(e) => &e.track,
            // A new entry has the track of the first include source's read that holds it; a
            // key with no entry that no include source holds now has nothing to settle.
            None => match touch.holds.iter().find_map(|(_, h)| *h) {
                Some(held) => held.track,
                None => continue,
            },
        };
        let (written, direct, suppressed) = old.map_or((false, false, false), |e| {
            (e.written, e.direct, e.suppressed)
        });
        let before = old.map_or(&EMPTY, |e| &e.contributors);
        let now = if options.archive {
            // Contributors only grow; an unchanged source's hold is already there.
            let differs = touch.holds.iter().any(|&(u, h)| match h {
                Some(held) => before.get(&sources[u].uri) != Some(&held.added_at),
                None => false,
            });
            differs.then(|| {
                let mut now = before.clone();
                for &(u, h) in &touch.holds {
                    if let Some(held) = h {
                        now.insert(sources[u].uri.clone(), held.added_at);
                    }
                }
                now
            })
        } else {
            // The old contributors are exactly the include sources that held it.
            let mut now = before.clone();
            for &(u, h) in &touch.holds {
                match h {
                    Some(held) => {
                        now.insert(sources[u].uri.clone(), held.added_at);
                    }
                    None => {
                        now.remove(&sources[u].uri);
                    }
                }
            }
            (now != *before).then_some(now)
        };
        let is_excluded = excluded.as_ref().is_some_and(|(index, held)| {
            index
                .find(hash(&touch.key), &touch.key, |i| held[i])
                .is_some()
        });
        let wanted = wants(
            suppressed,
            direct,
            written,
            now.as_ref().unwrap_or(before),
            is_excluded,
            options,
            track,
            input.now_ms,
        );
        if written && !wanted {
            removals.push(settled.len());
        } else if wanted && !written {
            newcomers.push(settled.len());
        }
        settled.push(Settled {
            key: touch.key,
            holds: touch.holds,
            old,
            track,
            now,
            written: written && wanted,
        });
    }

    // 4. The plan: remove what the rule drops, keep the rest where it is, append newcomers.
    //    (Each key removed is in the target once.)
    let kept_count = order.len() - removals.len();
    let room = options.cap.saturating_sub(kept_count);
    if options.ordering == Ordering::SourceOrder && room > 0 && !newcomers.is_empty() {
        // Placing newcomers among the items already there takes the full sync.
        return None;
    }
    let mut plan = Plan::default();
    let mut kept: Option<Vec<Arc<str>>> = None;
    if !removals.is_empty() {
        let gone = positions(order, &settled, &removals);
        let mut order_now = Vec::with_capacity(order.len() + newcomers.len());
        let mut next = gone.iter().peekable();
        for (i, key) in order.iter().enumerate() {
            if next.next_if_eq(&&i).is_some() {
                let id = input.target[i].id.clone();
                plan.remove.push((i, id.clone()));
                report.removed.push(id);
            } else {
                order_now.push(key.clone());
            }
        }
        kept = Some(order_now);
    }
    debug_assert_eq!(kept_count, order.len() - plan.remove.len());
    let newcomers = order_newcomers(input, &memos, &settled, newcomers);
    let (fits, over) = newcomers.split_at(newcomers.len().min(room));
    report.overflow = over.iter().map(|&s| settled[s].track.id.clone()).collect();
    for (n, &s) in fits.iter().enumerate() {
        settled[s].written = true;
        let id = settled[s].track.id.clone();
        plan.insert.push((kept_count + n, id.clone()));
        report.added.push(id);
    }

    // 5. The new ledger: the old one with the settled entries written.
    let mut entries = previous.entries.clone();
    for s in &settled {
        let no_contributors = match &s.now {
            Some(c) => c.is_empty(),
            None => s.old.is_none_or(|e| e.contributors.is_empty()),
        };
        let (direct, suppressed) = s.old.map_or((false, false), |e| (e.direct, e.suppressed));
        let idle = no_contributors && !direct && !suppressed && !s.written;
        match s.old {
            Some(e) => {
                if idle {
                    entries.remove(&*s.key);
                } else if e.written != s.written || s.now.is_some() {
                    let entry = entries.get_mut(&*s.key).expect("an old entry");
                    entry.written = s.written;
                    if let Some(c) = &s.now {
                        entry.contributors = c.clone();
                    }
                }
            }
            None => {
                if !idle {
                    entries.insert(
                        s.key.to_string(),
                        Entry {
                            track: s.track.clone(),
                            contributors: s.now.clone().unwrap_or_default(),
                            direct,
                            suppressed,
                            written: s.written,
                        },
                    );
                }
            }
        }
    }
    let basis = if !report.overflow.is_empty() {
        None
    } else if settled.is_empty() && !reads_changed {
        previous.basis.clone()
    } else {
        let target = if kept.is_none() && fits.is_empty() {
            order.clone()
        } else {
            let mut now = kept.unwrap_or_else(|| order.to_vec());
            now.extend(fits.iter().map(|&s| settled[s].key.clone()));
            Arc::new(now)
        };
        Some(Arc::new(Basis {
            entries: entries.clone(),
            composite: composite.clone(),
            reads: memos.iter().map(|m| m.shared_items().clone()).collect(),
            target,
        }))
    };
    let ledger = Ledger {
        entries,
        sources: sources.iter().map(|s| s.uri.clone()).zip(memos).collect(),
        basis,
    };
    Some(Outcome {
        ledger,
        plan,
        report,
    })
}

/// Where the keys of `wanted` (indices in `settled`, each in the target once) are in the
/// target, ascending. The target's keys are mostly the reads' own (shared), so they are first
/// looked for by address; by content if that does not find them all.
fn positions(order: &[Arc<str>], settled: &[Settled<'_>], wanted: &[usize]) -> Vec<usize> {
    let mut by_address: HashTable<usize> = HashTable::with_capacity(wanted.len());
    let address = |key: &Arc<str>| key.as_ptr() as usize;
    // Addresses are aligned: mix every bit into the low ones (the table's index) too.
    let hash_address = |a: usize| {
        let x = (a as u64) ^ ((a as u64) >> 33);
        let x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        x ^ (x >> 33)
    };
    for &s in wanted {
        let a = address(&settled[s].key);
        if by_address.find(hash_address(a), |&b| b == a).is_none() {
            by_address.insert_unique(hash_address(a), a, |&b| hash_address(b));
        }
    }
    let found: Vec<usize> = order
        .iter()
        .enumerate()
        .filter(|(_, key)| {
            let a = address(key);
            by_address.find(hash_address(a), |&b| b == a).is_some()
        })
        .map(|(i, _)| i)
        .collect();
    if found.len() == wanted.len() {
        return found;
    }
    let mut index = KeyIndex::default();
    for &s in wanted {
        index.insert(hash(&settled[s].key), s);
    }
    order
        .iter()
        .enumerate()
        .filter(|(_, key)| index.find(hash(key), key, |s| &settled[s].key).is_some())
        .map(|(i, _)| i)
        .collect()
}

/// Newcomers (indices in `settled`) in source order, as the full sync orders them: include
/// sources as configured, items as in each source (one from each in turn for `interleave`),
/// then those no configured source holds, in key order.
///
/// Where a source holds a newcomer is known from its diff when the read brought it; a source
/// that held it already (among its contributors, with no change) is searched.
fn order_newcomers(
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

/// Compares a complete read with its source's memo. `None`: the memo stands as it is.
/// Otherwise the new memo's items (the read's keys in order, without duplicates), with every
/// key the source no longer holds, holds newly, or holds with another `added_at` in `changes`.
///
/// `maybe_held(key)` is false only for keys the old memo does not hold.
fn diff<'a>(
    keys: &mut Keys,
    buf: &mut String,
    old: &[(Arc<str>, Option<i64>)],
    items: &'a [SourceItem],
    maybe_held: impl Fn(&str) -> bool,
    changes: &mut Vec<Change<'a>>,
) -> Option<Items> {
    let mut p = 0;
    while p < items.len() && p < old.len() {
        if old[p].1 != items[p].added_at_ms || !keys.is_key_of(&items[p].track, &old[p].0) {
            break;
        }
        p += 1;
    }
    if p == items.len() && p == old.len() {
        return None;
    }
    // Walk both in step; an item not found a little ahead in the old memo is new to the source,
    // and the old items skipped over are gone from it.
    let mut now: Items = Vec::with_capacity(items.len());
    now.extend_from_slice(&old[..p]);
    let mut came: Vec<(usize, usize)> = Vec::new();
    let mut retimed: Vec<(usize, usize)> = Vec::new();
    let mut gone: Vec<usize> = Vec::new();
    let mut i = p;
    for (j, item) in items.iter().enumerate().skip(p) {
        let found = if i < old.len() && keys.is_key_of(&item.track, &old[i].0) {
            Some(i)
        } else {
            keys.key_into(&item.track, buf);
            let end = (i + 1 + LOOKAHEAD).min(old.len());
            (i + 1..end).find(|&x| *old[x].0 == **buf)
        };
        match found {
            Some(x) => {
                gone.extend(i..x);
                if old[x].1 != item.added_at_ms {
                    retimed.push((now.len(), j));
                }
                now.push((old[x].0.clone(), item.added_at_ms));
                i = x + 1;
            }
            None => {
                came.push((now.len(), j));
                now.push((Arc::from(buf.as_str()), item.added_at_ms));
            }
        }
    }
    gone.extend(i..old.len());
    // That holds only if every item taken for new is new indeed: not repeated, and not in the
    // old memo (moved farther, or a duplicate of an item met already).
    if !came.is_empty() {
        let mut index = KeyIndex::default();
        for &(n, _) in &came {
            let h = hash(&now[n].0);
            if index.find(h, &now[n].0, |m| &now[m].0).is_some() {
                return hashed_diff(keys, buf, old, items, changes);
            }
            index.insert(h, n);
        }
        if came.iter().any(|&(n, _)| maybe_held(&now[n].0))
            && old
                .iter()
                .any(|(key, _)| index.find(hash(key), key, |m| &now[m].0).is_some())
        {
            return hashed_diff(keys, buf, old, items, changes);
        }
    }
    if came.is_empty() && gone.is_empty() && retimed.is_empty() {
        return None;
    }
    report(old, &now, items, &gone, &came, &retimed, changes);
    Some(now)
}

/// [`diff`] for any read: every key looked up by hash.
fn hashed_diff<'a>(
    keys: &mut Keys,
    buf: &mut String,
    old: &[(Arc<str>, Option<i64>)],
    items: &'a [SourceItem],
    changes: &mut Vec<Change<'a>>,
) -> Option<Items> {
    let mut index = KeyIndex::default();
    for (i, (key, _)) in old.iter().enumerate() {
        index.insert(hash(key), i);
    }
    let mut seen = vec![false; old.len()];
    let mut fresh = KeyIndex::default();
    let mut now: Items = Vec::with_capacity(items.len());
    let mut came: Vec<(usize, usize)> = Vec::new();
    let mut retimed: Vec<(usize, usize)> = Vec::new();
    for (j, item) in items.iter().enumerate() {
        keys.key_into(&item.track, buf);
        let h = hash(buf);
        if let Some(i) = index.find(h, buf, |i| &old[i].0) {
            if !seen[i] {
                seen[i] = true;
                if old[i].1 != item.added_at_ms {
                    retimed.push((now.len(), j));
                }
                now.push((old[i].0.clone(), item.added_at_ms));
            }
        } else if fresh.find(h, buf, |n| &now[n].0).is_none() {
            fresh.insert(h, now.len());
            came.push((now.len(), j));
            now.push((Arc::from(buf.as_str()), item.added_at_ms));
        }
    }
    let gone: Vec<usize> = (0..old.len()).filter(|&i| !seen[i]).collect();
    if gone.is_empty()
        && came.is_empty()
        && retimed.is_empty()
        && now.iter().zip(old).all(|(a, b)| a.0 == b.0)
    {
        return None;
    }
    report(old, &now, items, &gone, &came, &retimed, changes);
    Some(now)
}

fn report<'a>(
    old: &[(Arc<str>, Option<i64>)],
    now: &Items,
    items: &'a [SourceItem],
    gone: &[usize],
    came: &[(usize, usize)],
    retimed: &[(usize, usize)],
    changes: &mut Vec<Change<'a>>,
) {
    changes.extend(gone.iter().map(|&i| Change {
        key: old[i].0.clone(),
        held: None,
    }));
    changes.extend(came.iter().chain(retimed).map(|&(n, j)| Change {
        key: now[n].0.clone(),
        held: Some(Held {
            added_at: items[j].added_at_ms,
            track: &items[j].track,
            position: n,
        }),
    }));
}

#[cfg(test)]
mod tests;
