//! The full sync's pass over the sources' reads: a complete read replaces its source's memo,
//! a failure keeps it (frozen), and either way the sync knows the slots of the memo's keys.

use std::sync::Arc;

use super::slot::{EXISTS, NONE};
use super::table::{SourceState, Table};
use crate::identity::Keys;
use crate::ledger::Ledger;
use crate::model::{Mode, Read, SourceItem};
use crate::sync::{Report, SyncInput};

/// Takes in every configured source's read. Returns each configured URI once, in
/// configuration order, with its new memo and the slots of the memo's keys (in the memo's
/// order), and for each configured source the index of its URI in that list. Sources that
/// could not be read are reported.
///
/// A URI configured twice is read once, by its first configuration; a later one that includes
/// only makes its items entries.
pub(super) fn take_reads<'a>(
    previous: &Ledger,
    input: &SyncInput<'a>,
    table: &mut Table<'a>,
    keys: &mut Keys,
    buf: &mut String,
    report: &mut Report,
) -> (Vec<SourceState<'a>>, Vec<usize>) {
    let sources = &input.composite.sources;
    let mut uris: Vec<SourceState<'_>> = Vec::new();
    let mut uri_of: Vec<usize> = Vec::with_capacity(sources.len());
    for source in sources {
        let u = match uris.iter().position(|s| s.uri == source.uri) {
            Some(u) => u,
            None => {
                uris.push(SourceState {
                    uri: &source.uri,
                    memo: previous
                        .sources
                        .get(&source.uri)
                        .cloned()
                        .unwrap_or_default(),
                    list: None,
                });
                uris.len() - 1
            }
        };
        uri_of.push(u);
        let first = uri_of.iter().filter(|&&x| x == u).count() == 1;
        let create = source.mode == Mode::Include;
        match input.reads.get(&source.uri) {
            Some(Read::Complete(items)) => {
                if first {
                    let list = read_source(table, keys, buf, &mut uris[u], items, create);
                    let memo = &mut uris[u].memo;
                    memo.healthy = true;
                    memo.last_ok_ms = Some(input.now_ms);
                    memo.last_error = None;
                    uris[u].list = Some(list);
                } else if create {
                    // The same source configured again, now including: its items are entries.
                    for item in items {
                        keys.key_into(&item.track, buf);
                        let s = table.slot(buf);
                        let slot = &mut table.slots[s as usize];
                        if !slot.has(EXISTS) {
                            slot.set(EXISTS);
                            slot.new_track = Some(&item.track);
                        }
                    }
                }
            }
            Some(Read::Failed(error)) => {
                let memo = &mut uris[u].memo;
                memo.healthy = false;
                memo.last_error = Some(error.clone());
            }
            None => {
                let memo = &mut uris[u].memo;
                memo.healthy = false;
                memo.last_error = Some("the source was not read".into());
            }
        }
        let memo = &uris[u].memo;
        if !memo.healthy {
            report.unhealthy.push((
                source.uri.clone(),
                memo.last_error.clone().unwrap_or_default(),
            ));
        }
    }
    list_frozen(table, &mut uris);
    (uris, uri_of)
}

/// Frozen memos (of sources that failed or were not read): their keys' slots, since no read
/// gave them (keys without a slot are no entry's).
fn list_frozen(table: &Table<'_>, uris: &mut [SourceState<'_>]) {
    for state in uris {
        if state.list.is_none() {
            state.list = Some(
                state
                    .memo
                    .keys()
                    .map(|k| table.find(k).unwrap_or(NONE))
                    .collect(),
            );
        }
    }
}

/// Takes in a complete read: the slots of its keys in order (without duplicates), entries
/// made for an include source's new keys, and the memo replaced if the read differs from it.
fn read_source<'a>(
    table: &mut Table<'a>,
    keys: &mut Keys,
    buf: &mut String,
    state: &mut SourceState<'a>,
    items: &'a [SourceItem],
    create: bool,
) -> Vec<u32> {
    let mark = table.next_mark();
    let old = state.memo.items();
    let mut list: Vec<u32> = Vec::with_capacity(items.len());
    // The new memo, begun at the first difference from the old one.
    let mut fresh: Option<Vec<(Arc<str>, Option<i64>)>> = None;
    let mut at_old = 0;
    for item in items {
        keys.key_into(&item.track, buf);
        let s = table.slot(buf);
        let slot = &mut table.slots[s as usize];
        if slot.seen == mark {
            continue;
        }
        slot.seen = mark;
        if create && !slot.has(EXISTS) {
            slot.set(EXISTS);
            slot.new_track = Some(&item.track);
        }
        let j = list.len();
        list.push(s);
        if fresh.is_none() {
            if old
                .get(j)
                .is_some_and(|(k, at)| **k == **buf && *at == item.added_at_ms)
            {
                at_old = j + 1;
                continue;
            }
            let mut items_now = Vec::with_capacity(items.len());
            items_now.extend(old[..j].iter().cloned());
            fresh = Some(items_now);
        }
        let now = fresh.as_mut().expect("begun");
        // Share the old memo's key where the read still has it nearby.
        let shared = (at_old..(at_old + 8).min(old.len())).find(|&i| *old[i].0 == **buf);
        let key = match shared {
            Some(i) => {
                at_old = i + 1;
                old[i].0.clone()
            }
            None => Arc::from(buf.as_str()),
        };
        now.push((key, item.added_at_ms));
    }
    match fresh {
        Some(now) => state.memo.set_items(now),
        None if list.len() != old.len() => {
            let now = old[..list.len()].to_vec();
            state.memo.set_items(now);
        }
        None => {}
    }
    list
}
