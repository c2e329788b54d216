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
//!
//! [`sync`] runs the steps in order: the reads compared with their memos (`reads`, with the
//! comparison itself in `diff`), the touched keys settled (`settle`), the removals
//! (`removals`) and newcomers (`newcomers`) planned, and the new ledger written here.

use std::sync::Arc;

use crate::identity::Keys;
use crate::ledger::{Basis, Entries, Entry, Ledger, SourceMemo};
use crate::model::{Ordering, Track};
use crate::plan::Plan;

use super::{Outcome, Report, SyncInput};
use newcomers::{append_newcomers, order_newcomers};
use reads::compare_reads;
use removals::remove_dropped;
use settle::{settle, Settled, Settling};

mod diff;
mod newcomers;
mod reads;
mod removals;
mod settle;

/// The incremental sync, or `None` where it does not apply (then the full one runs).
pub(super) fn sync<'a>(previous: &'a Ledger, input: &SyncInput<'a>) -> Option<Outcome> {
    let (basis, olds) = applicable_basis(previous, input)?;
    let options = &input.composite.options;
    let mut keys = Keys::new(options.identity);
    let mut buf = String::new();
    let order = &basis.target;
    if !target_as_left(order, input.target, &mut keys) {
        return None;
    }

    // What the reads changed, and the rule for the keys they touched.
    let mut report = Report::default();
    let reads = compare_reads(previous, input, olds, &mut keys, &mut buf, &mut report);
    let Settling {
        mut settled,
        removals,
        newcomers,
    } = settle(previous, input, &reads.memos, reads.touches);

    // The plan: remove what the rule drops, keep the rest where it is, append newcomers.
    let kept_count = order.len() - removals.len();
    let room = options.cap.saturating_sub(kept_count);
    if options.ordering == Ordering::SourceOrder && room > 0 && !newcomers.is_empty() {
        // Placing newcomers among the items already there takes the full sync.
        return None;
    }
    let mut plan = Plan::default();
    let kept = remove_dropped(
        order,
        input.target,
        &settled,
        &removals,
        newcomers.len(),
        &mut plan,
        &mut report,
    );
    debug_assert_eq!(kept_count, order.len() - plan.remove.len());
    let newcomers = order_newcomers(input, &reads.memos, &settled, newcomers);
    let fits = append_newcomers(
        &mut settled,
        &newcomers,
        kept_count,
        room,
        &mut plan,
        &mut report,
    );

    // The new ledger: the old one with the settled entries written. It carries a basis unless
    // the cap left newcomers out (the basis's condition 3); the same one if nothing changed.
    let entries = write_entries(previous.entries.clone(), &settled);
    let basis = if !report.overflow.is_empty() {
        None
    } else if settled.is_empty() && !reads.changed {
        previous.basis.clone()
    } else {
        let target = target_after(order, kept, fits, &settled);
        Some(Arc::new(Basis {
            entries: entries.clone(),
            composite: input.composite.clone(),
            reads: reads
                .memos
                .iter()
                .map(|m| m.shared_items().clone())
                .collect(),
            target,
        }))
    };
    let ledger = Ledger {
        entries,
        sources: input
            .composite
            .sources
            .iter()
            .map(|s| s.uri.clone())
            .zip(reads.memos)
            .collect(),
        basis,
    };
    Some(Outcome {
        ledger,
        plan,
        report,
    })
}

/// The basis `previous` carries, if this sync may start from it: its configuration is this
/// sync's, and the ledger's entries and each source's read are still the very ones it recorded
/// (pointer equality: any edit since copies them). Returns it with each configured source's
/// memo, in configuration order.
fn applicable_basis<'a>(
    previous: &'a Ledger,
    input: &SyncInput<'_>,
) -> Option<(&'a Basis, Vec<&'a SourceMemo>)> {
    let basis = previous.basis.as_deref()?;
    let composite = input.composite;
    let sources = &composite.sources;
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
    Some((basis, olds))
}

/// Whether the target is exactly as the basis left it (`order`), key by key: then the owner
/// made no edit to learn.
fn target_as_left(order: &[Arc<str>], target: &[Track], keys: &mut Keys) -> bool {
    if target.len() != order.len() {
        return false;
    }
    for (track, key) in target.iter().zip(order.iter()) {
        if !keys.is_key_of(track, key) {
            return false;
        }
    }
    true
}

/// Writes the settled entries into `entries` (the previous ledger's): changed ones updated,
/// new ones inserted, and those left with nothing to remember removed.
fn write_entries(mut entries: Entries, settled: &[Settled<'_>]) -> Entries {
    for s in settled {
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
    entries
}

/// The target's keys as the plan leaves them: the basis's (`order`), or the `kept` ones if
/// something was removed, followed by the newcomers that fit.
fn target_after(
    order: &Arc<Vec<Arc<str>>>,
    kept: Option<Vec<Arc<str>>>,
    fits: &[usize],
    settled: &[Settled<'_>],
) -> Arc<Vec<Arc<str>>> {
    if kept.is_none() && fits.is_empty() {
        order.clone()
    } else {
        let mut now = kept.unwrap_or_else(|| order.to_vec());
        now.extend(fits.iter().map(|&s| settled[s].key.clone()));
        Arc::new(now)
    }
}

#[cfg(test)]
mod tests;
