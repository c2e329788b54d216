//! The rule for the keys the reads touched. Every other entry keeps its state: written exactly
//! when the rule wants it (the basis's invariants say so), and so in the target, kept where it
//! is.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::diff::Held;
use super::reads::Touch;
use crate::ledger::{Entry, Ledger, SourceMemo};
use crate::model::{Mode, Source, Track};
use crate::sync::key_index::{hash, KeyIndex};
use crate::sync::rule::wants;
use crate::sync::SyncInput;

/// A touched key with an entry, settled again.
pub(super) struct Settled<'a> {
    pub(super) key: Arc<str>,
    pub(super) holds: Vec<(usize, Option<Held<'a>>)>,
    pub(super) old: Option<&'a Entry>,
    pub(super) track: &'a Track,
    /// New contributors, when they differ from the old entry's.
    pub(super) now: Option<BTreeMap<String, Option<i64>>>,
    /// In the target after this sync.
    pub(super) written: bool,
}

impl Settled<'_> {
    /// Its contributors after this sync.
    pub(super) fn contributors(&self) -> &BTreeMap<String, Option<i64>> {
        static EMPTY: BTreeMap<String, Option<i64>> = BTreeMap::new();
        match (&self.now, self.old) {
            (Some(now), _) => now,
            (None, Some(e)) => &e.contributors,
            (None, None) => &EMPTY,
        }
    }
}

/// The touched keys settled again, and what the plan must do with them.
pub(super) struct Settling<'a> {
    pub(super) settled: Vec<Settled<'a>>,
    /// Written entries the rule now drops (indices in `settled`).
    pub(super) removals: Vec<usize>,
    /// Entries the rule now wants that are not written (indices in `settled`).
    pub(super) newcomers: Vec<usize>,
}

/// Settles every touched key: its contributors are its old ones with the changed holds applied,
/// and the rule decides from them and the entry's unchanged owner decisions. A touched key with
/// no entry that no include source holds now has nothing to settle.
pub(super) fn settle<'a>(
    previous: &'a Ledger,
    input: &SyncInput<'a>,
    memos: &[SourceMemo],
    touches: Vec<Touch<'a>>,
) -> Settling<'a> {
    let composite = input.composite;
    let sources = &composite.sources;
    let options = &composite.options;
    let excluded = exclusions(sources, memos, touches.is_empty());
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
        let now = new_contributors(before, &touch.holds, sources, options.archive);
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
    Settling {
        settled,
        removals,
        newcomers,
    }
}

/// The keys the exclude sources hold (by their new memos), indexed for lookup. `None` when no
/// key was touched or no source excludes: then nothing is looked up.
fn exclusions<'m>(
    sources: &[Source],
    memos: &'m [SourceMemo],
    nothing_touched: bool,
) -> Option<(KeyIndex, Vec<&'m str>)> {
    if nothing_touched || !sources.iter().any(|s| s.mode == Mode::Exclude) {
        None
    } else {
        let mut index = KeyIndex::default();
        let mut held: Vec<&str> = Vec::new();
        for (source, memo) in sources.iter().zip(memos) {
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
    }
}

/// A touched key's contributors: its old ones (`before`) with the include sources' changed
/// `holds` applied, or `None` when they are the old ones still. In archive mode they only grow.
fn new_contributors(
    before: &BTreeMap<String, Option<i64>>,
    holds: &[(usize, Option<Held<'_>>)],
    sources: &[Source],
    archive: bool,
) -> Option<BTreeMap<String, Option<i64>>> {
    if archive {
        // Contributors only grow; an unchanged source's hold is already there.
        let differs = holds.iter().any(|&(u, h)| match h {
            Some(held) => before.get(&sources[u].uri) != Some(&held.added_at),
            None => false,
        });
        differs.then(|| {
            let mut now = before.clone();
            for &(u, h) in holds {
                if let Some(held) = h {
                    now.insert(sources[u].uri.clone(), held.added_at);
                }
            }
            now
        })
    } else {
        // The old contributors are exactly the include sources that held it.
        let mut now = before.clone();
        for &(u, h) in holds {
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
    }
}
