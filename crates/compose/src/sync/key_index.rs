//! Hashing identity keys, and an index of keys kept elsewhere: the lookups both sync paths
//! make by key.

use std::hash::{Hash, Hasher};

use hashbrown::HashTable;
use rustc_hash::FxHasher;

/// The hash of a key, for every key lookup of a sync (Fx: quick on short keys).
pub(super) fn hash(key: &str) -> u64 {
    let mut h = FxHasher::default();
    key.hash(&mut h);
    h.finish()
}

/// Keys by content, each with a number; the caller keeps the keys and tells `find` where.
#[derive(Default)]
pub(super) struct KeyIndex {
    table: HashTable<(u64, usize)>,
}

impl KeyIndex {
    /// Adds key number `n`, of hash `h` (not already there).
    pub(super) fn insert(&mut self, h: u64, n: usize) {
        self.table.insert_unique(h, (h, n), |&(h, _)| h);
    }

    /// The number of `key`, of hash `h`.
    pub(super) fn find<'k, K: AsRef<str> + ?Sized + 'k>(
        &self,
        h: u64,
        key: &str,
        key_of: impl Fn(usize) -> &'k K,
    ) -> Option<usize> {
        self.table
            .find(h, |&(g, n)| g == h && key_of(n).as_ref() == key)
            .map(|&(_, n)| n)
    }
}
