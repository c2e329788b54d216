//! The slots of one full sync, found by key, and what each configured source holds of them.

use std::collections::BTreeMap;

use hashbrown::HashTable;

use super::slot::{
    Slot, DIRECT, EXCLUDED, EXISTS, FINAL, HAS_AT, NONE, OLD_CONTRIBUTED, OLD_DIRECT,
    OLD_SUPPRESSED, OLD_WRITTEN, SUPPRESSED, WANTED, WRITTEN,
};
use crate::ledger::{Entries, Entry, SourceMemo};
use crate::model::Options;
use crate::sync::key_index::hash;
use crate::sync::rule::wants;

/// One configured source URI during a sync.
pub(super) struct SourceState<'a> {
    pub(super) uri: &'a str,
    pub(super) memo: SourceMemo,
    /// The slot of each key of `memo`, in its order (`NONE`: a key without an entry).
    pub(super) list: Option<Vec<u32>>,
}

/// The slots of one sync, found by key.
pub(super) struct Table<'a> {
    pub(super) slots: Vec<Slot<'a>>,
    /// Every slot's key, one after another (`spans`: where each is), close together for the
    /// comparisons of lookups.
    arena: String,
    spans: Vec<(u32, u32)>,
    index: HashTable<u32>,
    /// Contributions after a key's first: `(source index, added at)`.
    more: Vec<Vec<(u32, Option<i64>)>>,
    /// New contributors of entries whose contributors change.
    now: Vec<BTreeMap<String, Option<i64>>>,
    marks: u32,
}

/// The key of slot `s`, from the arena.
fn span<'k>(arena: &'k str, spans: &[(u32, u32)], s: u32) -> &'k str {
    let (at, len) = spans[s as usize];
    &arena[at as usize..(at + len) as usize]
}

impl<'a> Table<'a> {
    pub(super) fn with_capacity(n: usize) -> Table<'a> {
        Table {
            slots: Vec::with_capacity(n),
            arena: String::with_capacity(n * 24),
            spans: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
            more: Vec::new(),
            now: Vec::new(),
            marks: 0,
        }
    }

    pub(super) fn next_mark(&mut self) -> u32 {
        self.marks += 1;
        self.marks
    }

    fn push(&mut self, key: &str, old: Option<&'a Entry>, h: u64) -> u32 {
        let s = self.slots.len() as u32;
        self.slots.push(Slot::new(old));
        self.spans.push((self.arena.len() as u32, key.len() as u32));
        self.arena.push_str(key);
        let (arena, spans) = (&self.arena, &self.spans);
        self.index
            .insert_unique(h, s, |&i| hash(span(arena, spans, i)));
        s
    }

    pub(super) fn key(&self, s: u32) -> &str {
        span(&self.arena, &self.spans, s)
    }

    // `#[inline]` here, on `contribute` and on `settle`: they run once per key from full.rs, a
    // module away, and are inlined there as they were when both were one file (without, callgrind
    // counts up to 4% more instructions per full sync).
    #[inline]
    pub(super) fn push_entry(&mut self, key: &str, entry: &'a Entry) {
        self.push(key, Some(entry), hash(key));
    }

    pub(super) fn find(&self, key: &str) -> Option<u32> {
        let (arena, spans) = (&self.arena, &self.spans);
        self.index
            .find(hash(key), |&i| span(arena, spans, i) == key)
            .copied()
    }

    /// The slot of `key`, made if new.
    pub(super) fn slot(&mut self, key: &str) -> u32 {
        let h = hash(key);
        let (arena, spans) = (&self.arena, &self.spans);
        if let Some(&s) = self.index.find(h, |&i| span(arena, spans, i) == key) {
            return s;
        }
        self.push(key, None, h)
    }

    /// Sets `flag` on each of `slots`.
    pub(super) fn set_all(&mut self, slots: &[u32], flag: u16) {
        for &s in slots {
            self.slots[s as usize].set(flag);
        }
    }

    /// Source `u` holds slot `s`'s key at `pos`, added at `at`.
    #[inline]
    pub(super) fn contribute(&mut self, s: u32, u: u32, pos: u32, at: Option<i64>) {
        let slot = &mut self.slots[s as usize];
        if slot.first_src == NONE {
            slot.first_src = u;
            slot.first_pos = pos;
            if let Some(at) = at {
                slot.at = at;
                slot.set(HAS_AT);
            }
        } else {
            if slot.more == NONE {
                slot.more = self.more.len() as u32;
                self.more.push(Vec::new());
            }
            self.more[slot.more as usize].push((u, at));
        }
    }

    /// Works out an entry's contributors (replaced by this sync's, or in archive mode extended
    /// with them; kept apart only when they change) and applies the rule to it.
    #[inline]
    pub(super) fn settle(
        &mut self,
        s: usize,
        uris: &[SourceState<'_>],
        options: &Options,
        now_ms: i64,
    ) {
        static EMPTY: BTreeMap<String, Option<i64>> = BTreeMap::new();
        let slot = &self.slots[s];
        if slot.first_src == NONE && !slot.has(OLD_CONTRIBUTED) {
            // No contributors before or now: the rule needs only the owner's decisions.
            let wanted = !slot.has(SUPPRESSED)
                && (slot.has(DIRECT) || (options.archive && slot.has(WRITTEN)));
            if wanted {
                self.slots[s].set(WANTED);
            }
            return;
        }
        let old = slot.old.map_or(&EMPTY, |e| &e.contributors);
        let first = (slot.first_src != NONE).then(|| (slot.first_src, slot.first_at()));
        let more: &[(u32, Option<i64>)] = if slot.more == NONE {
            &[]
        } else {
            &self.more[slot.more as usize]
        };
        let contributions = || {
            first
                .iter()
                .chain(more)
                .map(|&(u, at)| (uris[u as usize].uri, at))
        };
        let count = first.iter().len() + more.len();
        let differs = contributions().any(|(uri, at)| old.get(uri) != Some(&at));
        let now = if options.archive {
            differs.then(|| {
                let mut now = old.clone();
                now.extend(contributions().map(|(u, at)| (u.to_owned(), at)));
                now
            })
        } else if differs || count != old.len() {
            Some(contributions().map(|(u, at)| (u.to_owned(), at)).collect())
        } else {
            None
        };
        let wanted = wants(
            slot.has(SUPPRESSED),
            slot.has(DIRECT),
            slot.has(WRITTEN),
            now.as_ref().unwrap_or(old),
            slot.has(EXCLUDED),
            options,
            slot.track().expect("an entry"),
            now_ms,
        );
        let slot = &mut self.slots[s];
        if wanted {
            slot.set(WANTED);
        }
        if let Some(now) = now {
            slot.now = self.now.len() as u32;
            self.now.push(now);
        }
    }

    /// Writes every entry's new state to the ledger: nothing if unchanged, removed if idle.
    pub(super) fn write_to(mut self, entries: &mut Entries) {
        let mut now: Vec<Option<BTreeMap<String, Option<i64>>>> = std::mem::take(&mut self.now)
            .into_iter()
            .map(Some)
            .collect();
        for (s, slot) in self.slots.iter().enumerate() {
            let key = span(&self.arena, &self.spans, s as u32);
            if !slot.has(EXISTS) {
                continue;
            }
            let written = slot.has(FINAL);
            let direct = slot.has(DIRECT);
            let suppressed = slot.has(SUPPRESSED);
            let contributors =
                (slot.now != NONE).then(|| now[slot.now as usize].take().expect("once"));
            let no_contributors = match &contributors {
                Some(c) => c.is_empty(),
                None => !slot.has(OLD_CONTRIBUTED),
            };
            let idle = no_contributors && !direct && !suppressed && !written;
            match slot.old {
                Some(_) => {
                    if idle {
                        entries.remove(key);
                    } else if slot.has(OLD_WRITTEN) != written
                        || slot.has(OLD_DIRECT) != direct
                        || slot.has(OLD_SUPPRESSED) != suppressed
                        || contributors.is_some()
                    {
                        let entry = entries.get_mut(key).expect("an old entry");
                        entry.written = written;
                        entry.direct = direct;
                        entry.suppressed = suppressed;
                        if let Some(c) = contributors {
                            entry.contributors = c;
                        }
                    }
                }
                None => {
                    if !idle {
                        let track = slot.new_track.expect("a new entry").clone();
                        entries.insert(
                            key.to_owned(),
                            Entry {
                                track,
                                contributors: contributors.unwrap_or_default(),
                                direct,
                                suppressed,
                                written,
                            },
                        );
                    }
                }
            }
        }
    }
}
