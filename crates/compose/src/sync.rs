//! One sync of a composite: learn the owner's edits from the target, take in the sources'
//! reads, apply the rule, and plan the smallest edit that makes the target follow it.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::identity::Keys;
use crate::ledger::{Entry, Ledger};
use crate::model::{Composite, Mode, Ordering, Read, Track};
use crate::plan::Plan;

/// Everything one sync reads.
pub struct SyncInput<'a> {
    pub composite: &'a Composite,
    /// The read of each source, by URI. A source without a read counts as failed.
    pub reads: &'a BTreeMap<String, Read>,
    /// The target's items as they are now, in order (duplicates possible).
    pub target: &'a [Track],
    pub now_ms: i64,
}

/// What a sync did, for the user and the logs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Track ids inserted.
    pub added: Vec<String>,
    /// Track ids removed (duplicates included).
    pub removed: Vec<String>,
    /// Track ids the rule wants but the cap leaves out.
    pub overflow: Vec<String>,
    /// Track ids the owner added behind Medley's back, learned now.
    pub learned_direct: Vec<String>,
    /// Track ids the owner removed behind Medley's back, learned now.
    pub learned_suppressed: Vec<String>,
    /// Sources that could not be read: `(uri, error)`. Their contributions are frozen.
    pub unhealthy: Vec<(String, String)>,
}

pub struct Outcome {
    pub ledger: Ledger,
    pub plan: Plan,
    pub report: Report,
}

/// Runs one sync. Pure: the same inputs give the same outcome.
pub fn sync(previous: &Ledger, input: &SyncInput<'_>) -> Outcome {
    let options = &input.composite.options;
    let mut ledger = previous.clone();
    let mut report = Report::default();
    let mut keys = Keys::new(options.identity);
    for (key, entry) in &ledger.entries {
        keys.remember(key, &entry.track);
    }

    // 1. Three-way reconciliation with the target.
    let target_keys: Vec<String> = input.target.iter().map(|t| keys.key(t)).collect();
    let present: HashSet<&String> = target_keys.iter().collect();
    for (key, track) in target_keys.iter().zip(input.target) {
        let entry = ledger
            .entries
            .entry(key.clone())
            .or_insert_with(|| Entry::new(track.clone()));
        if !entry.written {
            // In the target, and Medley did not put it there: the owner did.
            entry.written = true;
            if !entry.direct || entry.suppressed {
                report.learned_direct.push(track.id.clone());
            }
            entry.direct = true;
            entry.suppressed = false;
        }
    }
    for (key, entry) in ledger.entries.iter_mut() {
        if entry.written && !present.contains(key) {
            // Medley wrote it and it is gone: the owner removed it.
            entry.written = false;
            entry.direct = false;
            entry.suppressed = true;
            report.learned_suppressed.push(entry.track.id.clone());
        }
    }

    // 2. Sources: complete reads replace a source's memo; failures keep it (frozen).
    for source in &input.composite.sources {
        let memo = ledger.sources.entry(source.uri.clone()).or_default();
        match input.reads.get(&source.uri) {
            Some(Read::Complete(items)) => {
                let mut seen = BTreeSet::new();
                memo.keys.clear();
                memo.added_at.clear();
                for item in items {
                    let key = keys.key(&item.track);
                    if seen.insert(key.clone()) {
                        memo.keys.push(key.clone());
                        memo.added_at.insert(key.clone(), item.added_at_ms);
                        if source.mode == Mode::Include {
                            ledger
                                .entries
                                .entry(key)
                                .or_insert_with(|| Entry::new(item.track.clone()));
                        }
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
    }
    let configured: BTreeSet<&String> = input.composite.sources.iter().map(|s| &s.uri).collect();
    ledger.sources.retain(|uri, _| configured.contains(uri));

    // 3. Contributors and exclusions from the (possibly frozen) memos.
    let mut excluded: HashSet<String> = HashSet::new();
    let mut contributions: BTreeMap<String, BTreeMap<String, Option<i64>>> = BTreeMap::new();
    for source in &input.composite.sources {
        let memo = &ledger.sources[&source.uri];
        for key in &memo.keys {
            match source.mode {
                Mode::Exclude => {
                    excluded.insert(key.clone());
                }
                Mode::Include => {
                    let at = memo.added_at.get(key).copied().flatten();
                    contributions
                        .entry(key.clone())
                        .or_default()
                        .insert(source.uri.clone(), at);
                }
            }
        }
    }
    for (key, entry) in ledger.entries.iter_mut() {
        let now = contributions.remove(key).unwrap_or_default();
        if options.archive {
            entry.contributors.extend(now);
        } else {
            entry.contributors = now;
        }
    }

    // 4. The rule.
    let wanted = |key: &String, e: &Entry| -> bool {
        if e.suppressed {
            return false;
        }
        if e.direct || (options.archive && e.written) {
            return true;
        }
        let added_at = e.contributors.values().flatten().max().copied();
        !e.contributors.is_empty()
            && !excluded.contains(key)
            && options.filters.pass(&e.track, added_at, input.now_ms)
    };

    // 5. The plan: remove what the rule drops and duplicate copies; keep everything else where
    //    it is; place newcomers by the ordering option, within the cap.
    let mut plan = Plan::default();
    let mut kept: Vec<(String, String)> = Vec::new();
    let mut kept_keys: HashSet<String> = HashSet::new();
    for (i, (key, track)) in target_keys.iter().zip(input.target).enumerate() {
        if wanted(key, &ledger.entries[key]) && kept_keys.insert(key.clone()) {
            kept.push((key.clone(), track.id.clone()));
        } else {
            plan.remove.push((i, track.id.clone()));
            report.removed.push(track.id.clone());
        }
    }
    let newcomers = order_newcomers(input.composite, &ledger, |k| {
        !kept_keys.contains(k) && ledger.entries.get(k).is_some_and(|e| wanted(k, e))
    });
    let room = options.cap.saturating_sub(kept.len());
    let (fits, over) = newcomers.split_at(newcomers.len().min(room));
    report.overflow = over
        .iter()
        .map(|k| ledger.entries[k].track.id.clone())
        .collect();
    let final_keys = place(input.composite, &ledger, &kept, fits);
    for (position, key) in final_keys.iter().enumerate() {
        if !kept_keys.contains(key) {
            let id = ledger.entries[key].track.id.clone();
            plan.insert.push((position, id.clone()));
            report.added.push(id);
        }
    }

    // 6. Remember what the target now holds; forget entries that carry nothing.
    let final_set: HashSet<&String> = final_keys.iter().collect();
    for (key, entry) in ledger.entries.iter_mut() {
        entry.written = final_set.contains(key);
    }
    ledger.entries.retain(|_, e| !e.is_idle());
    Outcome {
        ledger,
        plan,
        report,
    }
}

/// Newcomer keys in source order: sources as configured, items as in each source; for
/// `interleave`, one from each source in turn.
fn order_newcomers(
    composite: &Composite,
    ledger: &Ledger,
    is_new: impl Fn(&String) -> bool,
) -> Vec<String> {
    let per_source: Vec<Vec<&String>> = composite
        .sources
        .iter()
        .filter(|s| s.mode == Mode::Include)
        .map(|s| {
            ledger.sources[&s.uri]
                .keys
                .iter()
                .filter(|k| is_new(k))
                .collect()
        })
        .collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut push = |k: &String| {
        if seen.insert(k.clone()) {
            out.push(k.clone());
        }
    };
    if composite.options.ordering == Ordering::Interleave {
        let longest = per_source.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..longest {
            for list in &per_source {
                if let Some(k) = list.get(i) {
                    push(k);
                }
            }
        }
    } else {
        per_source.iter().flatten().for_each(|k| push(k));
    }
    // Contributors no longer configured (archive mode keeps them) come last, in key order.
    for (k, _) in ledger.entries.iter().filter(|(k, _)| is_new(k)) {
        push(k);
    }
    out
}

/// The final order of keys: kept items in their order, newcomers placed by the option.
fn place(
    composite: &Composite,
    ledger: &Ledger,
    kept: &[(String, String)],
    newcomers: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = kept.iter().map(|(k, _)| k.clone()).collect();
    if composite.options.ordering != Ordering::SourceOrder {
        out.extend(newcomers.iter().cloned());
        return out;
    }
    for key in newcomers {
        // The nearest item before it in its first source that is already placed.
        let anchor = composite
            .sources
            .iter()
            .filter(|s| s.mode == Mode::Include)
            .map(|s| &ledger.sources[&s.uri].keys)
            .find_map(|keys| keys.iter().position(|k| k == key).map(|i| &keys[..i]))
            .and_then(|before| {
                before
                    .iter()
                    .rev()
                    .find_map(|k| out.iter().position(|o| o == k))
            });
        match anchor {
            Some(i) => out.insert(i + 1, key.clone()),
            None => out.insert(0, key.clone()),
        }
    }
    out
}
