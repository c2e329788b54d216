//! The incremental sync's removals: where in the target the entries the rule drops are, and
//! the target's keys without them.

use std::sync::Arc;

use hashbrown::HashTable;

use super::settle::Settled;
use crate::model::Track;
use crate::plan::Plan;
use crate::sync::key_index::{hash, KeyIndex};
use crate::sync::Report;

/// Removes from the target (`order`, its keys as the basis left them; `target`, its items) the
/// entries the rule drops (`removals`, indices in `settled`; each key removed is in the target
/// once), everything else staying where it is. Returns the target's keys without them, with
/// room for `newcomers` more, or `None` if nothing is removed.
pub(super) fn remove_dropped(
    order: &[Arc<str>],
    target: &[Track],
    settled: &[Settled<'_>],
    removals: &[usize],
    newcomers: usize,
    plan: &mut Plan,
    report: &mut Report,
) -> Option<Vec<Arc<str>>> {
    if removals.is_empty() {
        return None;
    }
    let gone = positions(order, settled, removals);
    let mut order_now = Vec::with_capacity(order.len() + newcomers);
    let mut next = gone.iter().peekable();
    for (i, key) in order.iter().enumerate() {
        if next.next_if_eq(&&i).is_some() {
            let id = target[i].id.clone();
            plan.remove.push((i, id.clone()));
            report.removed.push(id);
        } else {
            order_now.push(key.clone());
        }
    }
    Some(order_now)
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
