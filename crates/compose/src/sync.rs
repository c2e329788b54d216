//! One sync of a composite: learn the owner's edits from the target, take in the sources'
//! reads, apply the rule, and plan the smallest edit that makes the target follow it.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use hashbrown::HashTable;
use rustc_hash::FxHasher;

use serde::{Deserialize, Serialize};

use crate::identity::Keys;
use crate::ledger::{basis_allowed, Basis, Entries, Entry, Ledger, SourceMemo};
use crate::model::{Composite, Identity, Mode, Options, Ordering, Read, Track};
use crate::plan::Plan;

mod incremental;

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
///
/// When `previous` is the very ledger an earlier sync returned (nothing changed in it since),
/// the configuration is the same and the target is as that sync left it, only the keys that
/// the sources' reads changed are settled again (see [`Ledger`]); otherwise, or when that path
/// does not apply, every key is. Both give the same outcome.
pub fn sync(previous: &Ledger, input: &SyncInput<'_>) -> Outcome {
    incremental::sync(previous, input).unwrap_or_else(|| full(previous, input))
}

/// The rule, for one entry.
#[allow(clippy::too_many_arguments)]
fn wants(
    suppressed: bool,
    direct: bool,
    written: bool,
    contributors: &BTreeMap<String, Option<i64>>,
    excluded: bool,
    options: &Options,
    track: &Track,
    now_ms: i64,
) -> bool {
    if suppressed {
        false
    } else if direct || (options.archive && written) {
        true
    } else if contributors.is_empty() || excluded {
        false
    } else {
        let added_at = contributors.values().flatten().max().copied();
        options.filters.pass(track, added_at, now_ms)
    }
}

/// The full sync: every key the sync meets (ledger entries, target items, source items) gets
/// one slot, found through one hash table; the passes below then work on slots. The new ledger
/// starts as an O(1) clone of the previous one, and only the entries whose state changes are
/// written.
fn full(previous: &Ledger, input: &SyncInput<'_>) -> Outcome {
    let options = &input.composite.options;
    let sources = &input.composite.sources;
    let mut report = Report::default();
    let mut keys = Keys::new(options.identity);
    if options.identity == Identity::Fuzzy {
        for (key, entry) in &previous.entries {
            keys.remember(key, &entry.track);
        }
    }
    let mut table = Table::with_capacity(previous.entries.len() + input.target.len() / 8 + 16);
    for (key, entry) in &previous.entries {
        table.push_entry(key, entry);
    }
    let old_count = table.slots.len();
    let mut buf = String::new();

    // 1. Three-way reconciliation with the target.
    let mut target_slots: Vec<u32> = Vec::with_capacity(input.target.len());
    for track in input.target {
        keys.key_into(track, &mut buf);
        let s = table.slot(&buf);
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

    // 2. Sources: complete reads replace a source's memo; failures keep it (frozen).
    //    `uris` holds each configured URI once, in configuration order, with its new memo and
    //    the slots of the memo's keys (in the memo's order).
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
                    let list =
                        read_source(&mut table, &mut keys, &mut buf, &mut uris[u], items, create);
                    let memo = &mut uris[u].memo;
                    memo.healthy = true;
                    memo.last_ok_ms = Some(input.now_ms);
                    memo.last_error = None;
                    uris[u].list = Some(list);
                } else if create {
                    // The same source configured again, now including: its items are entries.
                    for item in items {
                        keys.key_into(&item.track, &mut buf);
                        let s = table.slot(&buf);
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
    // Frozen memos: their keys' slots (keys without a slot are no entry's).
    for state in &mut uris {
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

    // 3. Contributors and exclusions from the (possibly frozen) memos.
    let mut applied: Vec<(usize, Mode)> = Vec::new();
    for (source, &u) in sources.iter().zip(&uri_of) {
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

    // 4. The rule (with each entry's new contributors).
    for s in 0..table.slots.len() {
        if table.slots[s].has(EXISTS) {
            table.settle(s, &uris, options, input.now_ms);
        }
    }

    // 5. The plan: remove what the rule drops and duplicate copies; keep everything else where
    //    it is; place newcomers by the ordering option, within the cap.
    let mut plan = Plan::default();
    let mut kept: Vec<u32> = Vec::with_capacity(target_slots.len());
    for (i, (&s, track)) in target_slots.iter().zip(input.target).enumerate() {
        let slot = &mut table.slots[s as usize];
        if slot.has(WANTED) && !slot.has(KEPT) {
            slot.set(KEPT);
            kept.push(s);
        } else {
            plan.remove.push((i, track.id.clone()));
            report.removed.push(track.id.clone());
        }
    }
    let newcomers = order_newcomers(input.composite, &mut table, &uris);
    let room = options.cap.saturating_sub(kept.len());
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
    for &s in &kept {
        table.slots[s as usize].set(FINAL);
    }
    let mut position = kept.len();
    let placed = place(input.composite, &mut table, &uris, &kept, fits);
    // The keys of the target as this sync leaves it, for the basis: shared with the reads.
    let basis_target = (report.overflow.is_empty()
        && basis_allowed(input.composite)
        && sources.iter().zip(&uris).all(|(source, state)| {
            source.mode == Mode::Exclude
                || state
                    .list
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .all(|&s| s != NONE && table.slots[s as usize].has(EXISTS))
        }))
    .then(|| {
        let key = |s: u32| -> Arc<str> {
            let slot = &table.slots[s as usize];
            if slot.first_src == NONE {
                Arc::from(table.key(s))
            } else {
                let read = uris[slot.first_src as usize].memo.items();
                read[slot.first_pos as usize].0.clone()
            }
        };
        match &placed {
            Some(order) => order.iter().map(|&s| key(s)).collect::<Vec<_>>(),
            None => kept.iter().chain(fits).map(|&s| key(s)).collect(),
        }
    });
    for &s in fits {
        table.slots[s as usize].set(FINAL);
    }
    match placed {
        None => {
            for &s in fits {
                let id = table.slots[s as usize]
                    .track()
                    .expect("an entry")
                    .id
                    .clone();
                plan.insert.push((position, id.clone()));
                report.added.push(id);
                position += 1;
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

    // 6. Remember what the target now holds; forget entries that carry nothing.
    let mut ledger = Ledger {
        entries: previous.entries.clone(),
        sources: BTreeMap::new(),
        basis: None,
    };
    table.write_to(&mut ledger.entries);
    if let Some(target) = basis_target {
        ledger.basis = Some(Arc::new(Basis {
            entries: ledger.entries.clone(),
            composite: input.composite.clone(),
            reads: uris.iter().map(|s| s.memo.shared_items().clone()).collect(),
            target: Arc::new(target),
        }));
    }
    for state in uris {
        ledger.sources.insert(state.uri.to_owned(), state.memo);
    }
    Outcome {
        ledger,
        plan,
        report,
    }
}

/// Takes in a complete read: the slots of its keys in order (without duplicates), entries
/// made for an include source's new keys, and the memo replaced if the read differs from it.
fn read_source<'a>(
    table: &mut Table<'a>,
    keys: &mut Keys,
    buf: &mut String,
    state: &mut SourceState<'a>,
    items: &'a [crate::model::SourceItem],
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

const NONE: u32 = u32::MAX;

const EXISTS: u16 = 1;
const WRITTEN: u16 = 1 << 1;
const DIRECT: u16 = 1 << 2;
const SUPPRESSED: u16 = 1 << 3;
const IN_TARGET: u16 = 1 << 4;
const EXCLUDED: u16 = 1 << 5;
const WANTED: u16 = 1 << 6;
const KEPT: u16 = 1 << 7;
const QUEUED: u16 = 1 << 8;
const PLACED: u16 = 1 << 9;
/// In the target after this sync.
const FINAL: u16 = 1 << 10;
/// The first contribution has a time.
const HAS_AT: u16 = 1 << 11;
/// The old entry's state: `written`, `direct`, `suppressed`, and whether it had contributors.
const OLD_WRITTEN: u16 = 1 << 12;
const OLD_DIRECT: u16 = 1 << 13;
const OLD_SUPPRESSED: u16 = 1 << 14;
const OLD_CONTRIBUTED: u16 = 1 << 15;

/// One configured source URI during a sync.
struct SourceState<'a> {
    uri: &'a str,
    memo: SourceMemo,
    /// The slot of each key of `memo`, in its order (`NONE`: a key without an entry).
    list: Option<Vec<u32>>,
}

/// What one sync knows of one key (its key is in [`Table::keys`]).
struct Slot<'a> {
    /// The previous ledger's entry.
    old: Option<&'a Entry>,
    /// The track of an entry this sync creates (the first one seen).
    new_track: Option<&'a Track>,
    /// When the first contribution's source added it.
    at: i64,
    flags: u16,
    /// The last read (a mark) that listed it, to skip duplicates in a read.
    seen: u32,
    /// The first include source (index in `uris`) holding it, and its position there.
    first_src: u32,
    first_pos: u32,
    /// Further contributions: index in [`Table::more`].
    more: u32,
    /// New contributors, when they differ from the old entry's: index in [`Table::now`].
    now: u32,
    /// The next slot in the final order (source order placement).
    next: u32,
}

impl<'a> Slot<'a> {
    fn new(old: Option<&'a Entry>) -> Slot<'a> {
        let mut flags = 0;
        if let Some(e) = old {
            flags |= EXISTS;
            if e.written {
                flags |= WRITTEN | OLD_WRITTEN;
            }
            if e.direct {
                flags |= DIRECT | OLD_DIRECT;
            }
            if e.suppressed {
                flags |= SUPPRESSED | OLD_SUPPRESSED;
            }
            if !e.contributors.is_empty() {
                flags |= OLD_CONTRIBUTED;
            }
        }
        Slot {
            old,
            new_track: None,
            at: 0,
            flags,
            seen: 0,
            first_src: NONE,
            first_pos: NONE,
            more: NONE,
            now: NONE,
            next: NONE,
        }
    }

    fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    fn set(&mut self, flag: u16) {
        self.flags |= flag;
    }

    fn clear(&mut self, flag: u16) {
        self.flags &= !flag;
    }

    fn track(&self) -> Option<&'a Track> {
        self.old.map(|e| &e.track).or(self.new_track)
    }

    fn first_at(&self) -> Option<i64> {
        self.has(HAS_AT).then_some(self.at)
    }
}

/// The slots of one sync, found by key.
struct Table<'a> {
    slots: Vec<Slot<'a>>,
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

fn span<'k>(arena: &'k str, spans: &[(u32, u32)], s: u32) -> &'k str {
    let (at, len) = spans[s as usize];
    &arena[at as usize..(at + len) as usize]
}

fn hash(key: &str) -> u64 {
    let mut h = FxHasher::default();
    key.hash(&mut h);
    h.finish()
}

/// Keys by content, each with a number; the caller keeps the keys and tells `find` where.
#[derive(Default)]
struct KeyIndex {
    table: HashTable<(u64, usize)>,
}

impl KeyIndex {
    /// Adds key number `n`, of hash `h` (not already there).
    fn insert(&mut self, h: u64, n: usize) {
        self.table.insert_unique(h, (h, n), |&(h, _)| h);
    }

    /// The number of `key`, of hash `h`.
    fn find<'k, K: AsRef<str> + ?Sized + 'k>(
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

impl<'a> Table<'a> {
    fn with_capacity(n: usize) -> Table<'a> {
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

    fn next_mark(&mut self) -> u32 {
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

    fn key(&self, s: u32) -> &str {
        span(&self.arena, &self.spans, s)
    }

    fn push_entry(&mut self, key: &str, entry: &'a Entry) {
        self.push(key, Some(entry), hash(key));
    }

    fn find(&self, key: &str) -> Option<u32> {
        let (arena, spans) = (&self.arena, &self.spans);
        self.index
            .find(hash(key), |&i| span(arena, spans, i) == key)
            .copied()
    }

    /// The slot of `key`, made if new.
    fn slot(&mut self, key: &str) -> u32 {
        let h = hash(key);
        let (arena, spans) = (&self.arena, &self.spans);
        if let Some(&s) = self.index.find(h, |&i| span(arena, spans, i) == key) {
            return s;
        }
        self.push(key, None, h)
    }

    /// Source `u` holds slot `s`'s key at `pos`, added at `at`.
    fn contribute(&mut self, s: u32, u: u32, pos: u32, at: Option<i64>) {
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
    fn settle(&mut self, s: usize, uris: &[SourceState<'_>], options: &Options, now_ms: i64) {
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
    fn write_to(mut self, entries: &mut Entries) {
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

/// Newcomer slots in source order: sources as configured, items as in each source; for
/// `interleave`, one from each source in turn.
fn order_newcomers(
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
fn place(
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

/// Hands over newcomers grouped by source: one from each source in turn (`interleave`), or
/// source after source.
pub(crate) fn in_source_order<T: Copy>(
    ordering: Ordering,
    per_source: &[Vec<T>],
    mut push: impl FnMut(T),
) {
    if ordering == Ordering::Interleave {
        let longest = per_source.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..longest {
            for list in per_source {
                if let Some(&s) = list.get(i) {
                    push(s);
                }
            }
        }
    } else {
        per_source.iter().flatten().for_each(|&s| push(s));
    }
}
