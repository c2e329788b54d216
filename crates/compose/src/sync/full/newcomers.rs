//! Where the full sync's newcomers go: their order (by the ordering option) and, for
//! `source_order`, their places among the items the target keeps.

use super::slot::{Slot, EXISTS, KEPT, NONE, PLACED, QUEUED, WANTED};
use super::table::{SourceState, Table};
use crate::model::{Composite, Mode, Ordering};
use crate::sync::order::in_source_order;

/// Newcomer slots in source order: sources as configured, items as in each source; for
/// `interleave`, one from each source in turn.
pub(super) fn order_newcomers(
    composite: &Composite,
    table: &mut Table<'_>,
    uris: &[SourceState<'_>],
) -> Vec<u32> {
    let is_new = |slot: &Slot<'_>| slot.has(EXISTS) && !slot.has(KEPT) && slot.has(WANTED);
    let mut out = Vec::new();
    if !table.slots.iter().any(is_new) {
        return out;
    }
    let mut lists: Vec<&[u32]> = Vec::new();
    let mut listed: Vec<&str> = Vec::new();
    for source in composite.sources.iter().filter(|s| s.mode == Mode::Include) {
        if listed.contains(&source.uri.as_str()) {
            continue; // A source configured again adds nothing new.
        }
        listed.push(&source.uri);
        let state = uris.iter().find(|s| s.uri == source.uri).expect("a memo");
        lists.push(state.list.as_deref().unwrap_or_default());
    }
    let per_source: Vec<Vec<u32>> = lists
        .iter()
        .map(|list| {
            list.iter()
                .copied()
                .filter(|&s| s != NONE && is_new(&table.slots[s as usize]))
                .collect()
        })
        .collect();
    let mut push = |s: u32| {
        let slot = &mut table.slots[s as usize];
        if !slot.has(QUEUED) {
            slot.set(QUEUED);
            out.push(s);
        }
    };
    in_source_order(composite.options.ordering, &per_source, &mut push);
    // Contributors no longer configured (archive mode keeps them) come last, in key order.
    let mut rest: Vec<u32> = (0..table.slots.len() as u32)
        .filter(|&s| {
            let slot = &table.slots[s as usize];
            !slot.has(QUEUED) && is_new(slot)
        })
        .collect();
    rest.sort_by(|&a, &b| table.key(a).cmp(table.key(b)));
    for s in rest {
        table.slots[s as usize].set(QUEUED);
        out.push(s);
    }
    out
}

/// The final order of slots, when newcomers are not simply appended (`source_order`): kept
/// items in their order, each newcomer right after the nearest item before it in its first
/// source that is already placed (or first). `None`: kept items, then the newcomers.
pub(super) fn place(
    composite: &Composite,
    table: &mut Table<'_>,
    uris: &[SourceState<'_>],
    kept: &[u32],
    newcomers: &[u32],
) -> Option<Vec<u32>> {
    if composite.options.ordering != Ordering::SourceOrder || newcomers.is_empty() {
        return None;
    }
    // A linked list through the slots.
    let slots = &mut table.slots;
    let mut head = NONE;
    for &s in kept.iter().rev() {
        slots[s as usize].next = head;
        slots[s as usize].set(PLACED);
        head = s;
    }
    for &s in newcomers {
        let (src, pos) = (slots[s as usize].first_src, slots[s as usize].first_pos);
        let anchor = if src == NONE {
            None
        } else {
            let list = uris[src as usize].list.as_deref().unwrap_or_default();
            list[..pos as usize]
                .iter()
                .rev()
                .copied()
                .find(|&k| k != NONE && slots[k as usize].has(PLACED))
        };
        match anchor {
            Some(a) => {
                slots[s as usize].next = slots[a as usize].next;
                slots[a as usize].next = s;
            }
            None => {
                slots[s as usize].next = head;
                head = s;
            }
        }
        slots[s as usize].set(PLACED);
    }
    let mut out = Vec::with_capacity(kept.len() + newcomers.len());
    let mut at = head;
    while at != NONE {
        out.push(at);
        at = slots[at as usize].next;
    }
    Some(out)
}
