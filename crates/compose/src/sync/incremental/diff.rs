//! Comparing a source's complete read with its memo, to find what the read changed without
//! looking every item up: the two are walked in step, and only a read whose items moved far or
//! repeat is compared by hash.

use std::sync::Arc;

use crate::identity::Keys;
use crate::model::{SourceItem, Track};
use crate::sync::key_index::{hash, KeyIndex};

/// Items of the old memo looked at past the expected one before a read's item is taken for a
/// newcomer to the source (an item dropped from the source shifts the rest by one).
const LOOKAHEAD: usize = 8;

type Items = Vec<(Arc<str>, Option<i64>)>;

/// A key whose hold by one source changed.
pub(super) struct Change<'a> {
    pub(super) key: Arc<str>,
    /// Held now, or no longer.
    pub(super) held: Option<Held<'a>>,
}

/// A source's hold of a key, as its read gives it.
#[derive(Clone, Copy)]
pub(super) struct Held<'a> {
    pub(super) added_at: Option<i64>,
    pub(super) track: &'a Track,
    /// Where in the source's new memo.
    pub(super) position: usize,
}

/// Compares a complete read with its source's memo. `None`: the memo stands as it is.
/// Otherwise the new memo's items (the read's keys in order, without duplicates), with every
/// key the source no longer holds, holds newly, or holds with another `added_at` in `changes`.
///
/// `maybe_held(key)` is false only for keys the old memo does not hold.
// `#[inline]`: its loop over the read is the incremental sync's hottest, and is compiled into
// the pass over the reads as it was before the two were split into files (without, callgrind
// counts about 1% more instructions per incremental sync).
#[inline]
pub(super) fn diff<'a>(
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

/// Lists the changes a diff found: the keys `gone` from the source (by index in `old`), and
/// those that `came` or were `retimed` (by index in `now`, with the read's item).
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
