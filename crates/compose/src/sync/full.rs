//! The full sync: every key the sync meets (ledger entries, target items, source items) gets
//! one slot, found through one hash table; the passes below then work on slots. The new ledger
//! starts as an O(1) clone of the previous one, and only the entries whose state changes are
//! written.
//!
//! [`full`] runs the passes in order, each a function of its own: the slots and their flags
//! are in `table` and `slot`, the pass over the sources' reads in `sources`, and the order and
//! places of newcomers in `newcomers`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::identity::Keys;
use crate::ledger::{basis_allowed, Basis, Ledger};
use crate::model::{Composite, Identity, Mode, Options, Source, Track};
use crate::plan::Plan;

use super::{Outcome, Report, SyncInput};
use newcomers::{order_newcomers, place};
use slot::{DIRECT, EXCLUDED, EXISTS, FINAL, IN_TARGET, KEPT, NONE, SUPPRESSED, WANTED, WRITTEN};
use sources::take_reads;
use table::{SourceState, Table};

mod newcomers;
mod slot;
mod sources;
mod table;

/// The full sync, for any ledger, target and configuration.
pub(super) fn full(previous: &Ledger, input: &SyncInput<'_>) -> Outcome {
    let (composite, target) = (input.composite, input.target);
    let options = &composite.options;
    let mut report = Report::default();
    let (mut keys, mut table) = index_ledger(previous, options.identity, target.len());
    let mut buf = String::new();

    // What the owner did, what the sources hold, and what the rule says of every entry.
    let target_slots = reconcile(&mut table, &mut keys, &mut buf, target, &mut report);
    let (uris, uri_of) = take_reads(
        previous,
        input,
        &mut table,
        &mut keys,
        &mut buf,
        &mut report,
    );
    contribute(&mut table, &composite.sources, &uris, &uri_of);
    apply_rule(&mut table, &uris, options, input.now_ms);

    // The plan: keep what stays where it is, then bring newcomers in within the cap.
    let mut plan = Plan::default();
    let kept = keep_or_remove(&mut table, &target_slots, target, &mut plan, &mut report);
    let newcomers = order_newcomers(composite, &mut table, &uris);
    let fits = fit_to_cap(&table, &newcomers, kept.len(), options.cap, &mut report);
    table.set_all(&kept, FINAL);
    let placed = place(composite, &mut table, &uris, &kept, fits);
    let basis_target = leaves_basis(&table, composite, &uris, !report.overflow.is_empty())
        .then(|| target_keys(&table, &uris, &kept, fits, placed.as_deref()));
    table.set_all(fits, FINAL);
    insert_newcomers(&table, kept.len(), fits, placed, &mut plan, &mut report);

    let ledger = new_ledger(previous, composite, table, uris, basis_target);
    Outcome {
        ledger,
        plan,
        report,
    }
}

/// A slot for every entry of the previous ledger, in the ledger's order, and the keys: under
/// fuzzy identity they learn the ledger's keys first, so that a track close enough to an
/// entry's resolves to that entry's key.
fn index_ledger<'a>(
    previous: &'a Ledger,
    identity: Identity,
    target_len: usize,
) -> (Keys, Table<'a>) {
    let mut keys = Keys::new(identity);
    if identity == Identity::Fuzzy {
        for (key, entry) in &previous.entries {
            keys.remember(key, &entry.track);
        }
    }
    let mut table = Table::with_capacity(previous.entries.len() + target_len / 8 + 16);
    for (key, entry) in &previous.entries {
        table.push_entry(key, entry);
    }
    (keys, table)
}

/// Three-way reconciliation with the target: an item Medley did not write is the owner's
/// (`direct`, and no longer suppressed); an entry Medley wrote that is gone from the target
/// was removed by the owner (`suppressed`). Both are reported as learned. Returns the slot of
/// each target item, in the target's order (duplicates included).
fn reconcile<'a>(
    table: &mut Table<'a>,
    keys: &mut Keys,
    buf: &mut String,
    target: &'a [Track],
    report: &mut Report,
) -> Vec<u32> {
    let old_count = table.slots.len();
    let mut target_slots: Vec<u32> = Vec::with_capacity(target.len());
    for track in target {
        keys.key_into(track, buf);
        let s = table.slot(buf);
        target_slots.push(s);
        let slot = &mut table.slots[s as usize];
        if !slot.has(EXISTS) {
            slot.set(EXISTS);
            slot.new_track = Some(track);
        }
        slot.set(IN_TARGET);
        if !slot.has(WRITTEN) {
            // In the target, and Medley did not put it there: the owner did.
            slot.set(WRITTEN);
            if !slot.has(DIRECT) || slot.has(SUPPRESSED) {
                report.learned_direct.push(track.id.clone());
            }
            slot.set(DIRECT);
            slot.clear(SUPPRESSED);
        }
    }
    for slot in &mut table.slots[..old_count] {
        if slot.has(WRITTEN) && !slot.has(IN_TARGET) {
            // Medley wrote it and it is gone: the owner removed it.
            slot.clear(WRITTEN | DIRECT);
            slot.set(SUPPRESSED);
            report
                .learned_suppressed
                .push(slot.track().expect("an old entry").id.clone());
        }
    }
    target_slots
}

/// Contributors and exclusions from the (possibly frozen) memos: each include source
/// contributes the slots of its memo's keys (with their positions and `added_at`), each
/// exclude source marks its keys excluded. A URI configured twice in the same mode counts once.
fn contribute(
    table: &mut Table<'_>,
    sources: &[Source],
    uris: &[SourceState<'_>],
    uri_of: &[usize],
) {
    let mut applied: Vec<(usize, Mode)> = Vec::new();
    for (source, &u) in sources.iter().zip(uri_of) {
        if applied.contains(&(u, source.mode)) {
            continue;
        }
        applied.push((u, source.mode));
        let state = &uris[u];
        let list = state.list.as_deref().unwrap_or_default();
        match source.mode {
            Mode::Exclude => {
                for &s in list {
                    if s != NONE {
                        table.slots[s as usize].set(EXCLUDED);
                    }
                }
            }
            Mode::Include => {
                for ((pos, &s), (_, at)) in list.iter().enumerate().zip(state.memo.items()) {
                    if s != NONE {
                        table.contribute(s, u as u32, pos as u32, *at);
                    }
                }
            }
        }
    }
}

/// The rule, for every entry, with its new contributors ([`Table::settle`]).
fn apply_rule(table: &mut Table<'_>, uris: &[SourceState<'_>], options: &Options, now_ms: i64) {
    for s in 0..table.slots.len() {
        if table.slots[s].has(EXISTS) {
            table.settle(s, uris, options, now_ms);
        }
    }
}

/// The removals: every target item the rule drops, and every copy of an item after its first.
/// Everything else stays where it is; returns those kept slots, in the target's order.
fn keep_or_remove(
    table: &mut Table<'_>,
    target_slots: &[u32],
    target: &[Track],
    plan: &mut Plan,
    report: &mut Report,
) -> Vec<u32> {
    let mut kept: Vec<u32> = Vec::with_capacity(target_slots.len());
    for (i, (&s, track)) in target_slots.iter().zip(target).enumerate() {
        let slot = &mut table.slots[s as usize];
        if slot.has(WANTED) && !slot.has(KEPT) {
            slot.set(KEPT);
            kept.push(s);
        } else {
            plan.remove.push((i, track.id.clone()));
            report.removed.push(track.id.clone());
        }
    }
    kept
}

/// The newcomers (in their order) that fit under the cap beside the `kept` items; the rest are
/// reported as overflow, not silently left out.
fn fit_to_cap<'n>(
    table: &Table<'_>,
    newcomers: &'n [u32],
    kept: usize,
    cap: usize,
    report: &mut Report,
) -> &'n [u32] {
    let room = cap.saturating_sub(kept);
    let (fits, over) = newcomers.split_at(newcomers.len().min(room));
    report.overflow = over
        .iter()
        .map(|&s| {
            table.slots[s as usize]
                .track()
                .expect("an entry")
                .id
                .clone()
        })
        .collect();
    fits
}

/// Whether this sync may leave a [`Basis`]: nothing overflowed the cap, the configuration
/// allows it, and every key of an include source's read has an entry.
fn leaves_basis(
    table: &Table<'_>,
    composite: &Composite,
    uris: &[SourceState<'_>],
    overflowed: bool,
) -> bool {
    !overflowed
        && basis_allowed(composite)
        && composite.sources.iter().zip(uris).all(|(source, state)| {
            source.mode == Mode::Exclude
                || state
                    .list
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .all(|&s| s != NONE && table.slots[s as usize].has(EXISTS))
        })
}

/// The keys of the target as this sync leaves it, for the basis: the kept items and the
/// newcomers, in their final order. Each key is shared with the read that brought it, if one
/// did.
fn target_keys(
    table: &Table<'_>,
    uris: &[SourceState<'_>],
    kept: &[u32],
    fits: &[u32],
    placed: Option<&[u32]>,
) -> Vec<Arc<str>> {
    let key = |s: u32| -> Arc<str> {
        let slot = &table.slots[s as usize];
        if slot.first_src == NONE {
            Arc::from(table.key(s))
        } else {
            let read = uris[slot.first_src as usize].memo.items();
            read[slot.first_pos as usize].0.clone()
        }
    };
    match placed {
        Some(order) => order.iter().map(|&s| key(s)).collect::<Vec<_>>(),
        None => kept.iter().chain(fits).map(|&s| key(s)).collect(),
    }
}

/// The insertions: the newcomers that fit, appended after the `kept` items in their order, or
/// at their places in the final order when `place` placed them (`source_order`).
fn insert_newcomers(
    table: &Table<'_>,
    kept: usize,
    fits: &[u32],
    placed: Option<Vec<u32>>,
    plan: &mut Plan,
    report: &mut Report,
) {
    match placed {
        None => {
            for (position, &s) in (kept..).zip(fits) {
                let id = table.slots[s as usize]
                    .track()
                    .expect("an entry")
                    .id
                    .clone();
                plan.insert.push((position, id.clone()));
                report.added.push(id);
            }
        }
        Some(order) => {
            for (position, &s) in order.iter().enumerate() {
                let slot = &table.slots[s as usize];
                if !slot.has(KEPT) {
                    let id = slot.track().expect("an entry").id.clone();
                    plan.insert.push((position, id.clone()));
                    report.added.push(id);
                }
            }
        }
    }
}

/// The new ledger: the previous one with every changed entry written and idle ones forgotten
/// ([`Table::write_to`]), the sources' new memos, and the basis when `basis_target` is some.
fn new_ledger(
    previous: &Ledger,
    composite: &Composite,
    table: Table<'_>,
    uris: Vec<SourceState<'_>>,
    basis_target: Option<Vec<Arc<str>>>,
) -> Ledger {
    let mut ledger = Ledger {
        entries: previous.entries.clone(),
        sources: BTreeMap::new(),
        basis: None,
    };
    table.write_to(&mut ledger.entries);
    if let Some(target) = basis_target {
        ledger.basis = Some(Arc::new(Basis {
            entries: ledger.entries.clone(),
            composite: composite.clone(),
            reads: uris.iter().map(|s| s.memo.shared_items().clone()).collect(),
            target: Arc::new(target),
        }));
    }
    for state in uris {
        ledger.sources.insert(state.uri.to_owned(), state.memo);
    }
    ledger
}
