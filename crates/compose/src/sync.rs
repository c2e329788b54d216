//! One sync of a composite: learn the owner's edits from the target, take in the sources'
//! reads, apply the rule, and plan the smallest edit that makes the target follow it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use crate::identity::Keys;
use crate::ledger::{Entries, Entry, Ledger, SourceMemo};
use crate::model::{Composite, Identity, Mode, Ordering, Read, Track};
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
///
/// Every key the sync meets (ledger entries, target items, source items) gets one slot, found
/// through one hash map; the passes below then work on slots. The new ledger starts as an O(1)
/// clone of the previous one, and only the entries whose state changes are written.
pub fn sync(previous: &Ledger, input: &SyncInput<'_>) -> Outcome {
    let options = &input.composite.options;
    let sources = &input.composite.sources;
    let mut report = Report::default();
    let mut keys = Keys::new(options.identity);
    if options.identity == Identity::Fuzzy {
        for (key, entry) in &previous.entries {
            keys.remember(key, &entry.track);
        }
    }
    let mut table = Table::with_capacity(previous.entries.len() + input.target.len());
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
        if !slot.exists {
            slot.exists = true;
            slot.new_track = Some(track);
        }
        slot.in_target = true;
        if !slot.written {
            // In the target, and Medley did not put it there: the owner did.
            slot.written = true;
            if !slot.direct || slot.suppressed {
                report.learned_direct.push(track.id.clone());
            }
            slot.direct = true;
            slot.suppressed = false;
        }
    }
    for slot in &mut table.slots[..old_count] {
        if slot.written && !slot.in_target {
            // Medley wrote it and it is gone: the owner removed it.
            slot.written = false;
            slot.direct = false;
            slot.suppressed = true;
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
                    let mark = u as u32 + 1;
                    let old = uris[u].memo.items();
                    let mut same = true;
                    let mut list: Vec<(u32, Option<i64>)> = Vec::with_capacity(items.len());
                    for item in items {
                        keys.key_into(&item.track, &mut buf);
                        let s = table.slot(&buf);
                        let slot = &mut table.slots[s as usize];
                        if slot.seen == mark {
                            continue;
                        }
                        slot.seen = mark;
                        if create && !slot.exists {
                            slot.exists = true;
                            slot.new_track = Some(&item.track);
                        }
                        let j = list.len();
                        same = same
                            && old
                                .get(j)
                                .is_some_and(|(k, at)| *k == buf && *at == item.added_at_ms);
                        list.push((s, item.added_at_ms));
                    }
                    let changed = !same || list.len() != old.len();
                    let memo = &mut uris[u].memo;
                    if changed {
                        memo.set_items(
                            list.iter()
                                .map(|&(s, at)| (table.slots[s as usize].key.to_string(), at))
                                .collect(),
                        );
                    }
                    memo.healthy = true;
                    memo.last_ok_ms = Some(input.now_ms);
                    memo.last_error = None;
                    uris[u].list = Some(list.into_iter().map(|(s, _)| s).collect());
                } else if create {
                    // The same source configured again, now including: its items are entries.
                    for item in items {
                        keys.key_into(&item.track, &mut buf);
                        let s = table.slot(&buf);
                        let slot = &mut table.slots[s as usize];
                        if !slot.exists {
                            slot.exists = true;
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
                        table.slots[s as usize].excluded = true;
                    }
                }
            }
            Mode::Include => {
                for ((pos, &s), (_, at)) in list.iter().enumerate().zip(state.memo.items()) {
                    if s == NONE {
                        continue;
                    }
                    let slot = &mut table.slots[s as usize];
                    if slot.first_src == NONE {
                        slot.first_src = u as u32;
                        slot.first_pos = pos as u32;
                    }
                    slot.contribute(state.uri, *at);
                }
            }
        }
    }
    for slot in &mut table.slots {
        if slot.exists {
            slot.settle_contributors(options.archive);
        }
    }

    // 4. The rule.
    for slot in &mut table.slots {
        if slot.exists {
            slot.wanted = slot.is_wanted(options, input.now_ms);
        }
    }

    // 5. The plan: remove what the rule drops and duplicate copies; keep everything else where
    //    it is; place newcomers by the ordering option, within the cap.
    let mut plan = Plan::default();
    let mut kept: Vec<u32> = Vec::with_capacity(target_slots.len());
    for (i, (&s, track)) in target_slots.iter().zip(input.target).enumerate() {
        let slot = &mut table.slots[s as usize];
        if slot.wanted && !slot.kept {
            slot.kept = true;
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
    let final_slots = place(input.composite, &mut table, &uris, &kept, fits);
    for (position, &s) in final_slots.iter().enumerate() {
        let slot = &mut table.slots[s as usize];
        slot.final_written = true;
        if !slot.kept {
            let id = slot.track().expect("an entry").id.clone();
            plan.insert.push((position, id.clone()));
            report.added.push(id);
        }
    }

    // 6. Remember what the target now holds; forget entries that carry nothing.
    let mut ledger = Ledger {
        entries: previous.entries.clone(),
        sources: BTreeMap::new(),
    };
    for slot in table.slots {
        if slot.exists {
            slot.write_to(&mut ledger.entries);
        }
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

const NONE: u32 = u32::MAX;

/// One configured source URI during a sync.
struct SourceState<'a> {
    uri: &'a str,
    memo: SourceMemo,
    /// The slot of each key of `memo`, in its order (`NONE`: a key without an entry).
    list: Option<Vec<u32>>,
}

/// What one sync knows of one key.
struct Slot<'a> {
    key: Cow<'a, str>,
    /// The previous ledger's entry.
    old: Option<&'a Entry>,
    /// The track of an entry this sync creates (the first one seen).
    new_track: Option<&'a Track>,
    /// An entry exists (old or new).
    exists: bool,
    written: bool,
    direct: bool,
    suppressed: bool,
    in_target: bool,
    excluded: bool,
    /// The last source (index + 1) whose read listed it, to skip duplicates in a read.
    seen: u32,
    /// The first include source holding it, and its position there.
    first_src: u32,
    first_pos: u32,
    /// Contributions from this sync's memos: `(uri, added at)`.
    contribution: Option<(&'a str, Option<i64>)>,
    more_contributions: Vec<(&'a str, Option<i64>)>,
    /// The entry's new contributors, when they differ from the old entry's.
    new_contributors: Option<BTreeMap<String, Option<i64>>>,
    wanted: bool,
    kept: bool,
    queued: bool,
    placed: bool,
    next: u32,
    final_written: bool,
}

impl<'a> Slot<'a> {
    fn new(key: Cow<'a, str>, old: Option<&'a Entry>) -> Slot<'a> {
        Slot {
            key,
            old,
            new_track: None,
            exists: old.is_some(),
            written: old.is_some_and(|e| e.written),
            direct: old.is_some_and(|e| e.direct),
            suppressed: old.is_some_and(|e| e.suppressed),
            in_target: false,
            excluded: false,
            seen: 0,
            first_src: NONE,
            first_pos: NONE,
            contribution: None,
            more_contributions: Vec::new(),
            new_contributors: None,
            wanted: false,
            kept: false,
            queued: false,
            placed: false,
            next: NONE,
            final_written: false,
        }
    }

    fn track(&self) -> Option<&'a Track> {
        self.old.map(|e| &e.track).or(self.new_track)
    }

    fn contribute(&mut self, uri: &'a str, at: Option<i64>) {
        if self.contribution.is_none() {
            self.contribution = Some((uri, at));
        } else {
            self.more_contributions.push((uri, at));
        }
    }

    fn contributions(&self) -> impl Iterator<Item = &(&'a str, Option<i64>)> {
        self.contribution.iter().chain(&self.more_contributions)
    }

    /// Works out the entry's contributors: replaced by this sync's (or, in archive mode,
    /// extended with them); kept in `new_contributors` only when they change.
    fn settle_contributors(&mut self, archive: bool) {
        let empty = BTreeMap::new();
        let old = self.old.map_or(&empty, |e| &e.contributors);
        let count = self.contributions().count();
        let differs = self
            .contributions()
            .any(|(uri, at)| old.get(*uri) != Some(at));
        if archive {
            if differs {
                let mut now = old.clone();
                now.extend(self.contributions().map(|(u, at)| ((*u).to_owned(), *at)));
                self.new_contributors = Some(now);
            }
        } else if differs || count != old.len() {
            self.new_contributors = Some(
                self.contributions()
                    .map(|(u, at)| ((*u).to_owned(), *at))
                    .collect(),
            );
        }
    }

    fn contributors(&self) -> &BTreeMap<String, Option<i64>> {
        static EMPTY: BTreeMap<String, Option<i64>> = BTreeMap::new();
        match (&self.new_contributors, self.old) {
            (Some(now), _) => now,
            (None, Some(e)) => &e.contributors,
            (None, None) => &EMPTY,
        }
    }

    /// The rule, for an entry.
    fn is_wanted(&self, options: &crate::model::Options, now_ms: i64) -> bool {
        if self.suppressed {
            return false;
        }
        if self.direct || (options.archive && self.written) {
            return true;
        }
        let contributors = self.contributors();
        if contributors.is_empty() || self.excluded {
            return false;
        }
        let added_at = contributors.values().flatten().max().copied();
        let track = self.track().expect("an entry");
        options.filters.pass(track, added_at, now_ms)
    }

    /// Writes the entry's new state to the ledger: nothing if unchanged, removed if idle.
    fn write_to(self, entries: &mut Entries) {
        let idle = self.contributors().is_empty()
            && !self.direct
            && !self.suppressed
            && !self.final_written;
        match self.old {
            Some(old) => {
                if idle {
                    entries.remove(self.key.as_ref());
                } else if old.written != self.final_written
                    || old.direct != self.direct
                    || old.suppressed != self.suppressed
                    || self.new_contributors.is_some()
                {
                    let entry = entries.get_mut(self.key.as_ref()).expect("an old entry");
                    entry.written = self.final_written;
                    entry.direct = self.direct;
                    entry.suppressed = self.suppressed;
                    if let Some(now) = self.new_contributors {
                        entry.contributors = now;
                    }
                }
            }
            None => {
                if !idle {
                    let track = self.new_track.expect("a new entry").clone();
                    entries.insert(
                        self.key.into_owned(),
                        Entry {
                            track,
                            contributors: self.new_contributors.unwrap_or_default(),
                            direct: self.direct,
                            suppressed: self.suppressed,
                            written: self.final_written,
                        },
                    );
                }
            }
        }
    }
}

/// The slots of one sync, by key.
struct Table<'a> {
    slots: Vec<Slot<'a>>,
    index: FxHashMap<Cow<'a, str>, u32>,
}

impl<'a> Table<'a> {
    fn with_capacity(n: usize) -> Table<'a> {
        Table {
            slots: Vec::with_capacity(n),
            index: FxHashMap::with_capacity_and_hasher(n, Default::default()),
        }
    }

    fn push_entry(&mut self, key: &'a str, entry: &'a Entry) {
        let s = self.slots.len() as u32;
        self.slots.push(Slot::new(Cow::Borrowed(key), Some(entry)));
        self.index.insert(Cow::Borrowed(key), s);
    }

    fn find(&self, key: &str) -> Option<u32> {
        self.index.get(key).copied()
    }

    /// The slot of `key`, made if new.
    fn slot(&mut self, key: &str) -> u32 {
        if let Some(&s) = self.index.get(key) {
            return s;
        }
        let s = self.slots.len() as u32;
        self.slots.push(Slot::new(Cow::Owned(key.to_owned()), None));
        self.index.insert(Cow::Owned(key.to_owned()), s);
        s
    }
}

/// Newcomer slots in source order: sources as configured, items as in each source; for
/// `interleave`, one from each source in turn.
fn order_newcomers(
    composite: &Composite,
    table: &mut Table<'_>,
    uris: &[SourceState<'_>],
) -> Vec<u32> {
    let is_new = |slot: &Slot<'_>| slot.exists && !slot.kept && slot.wanted;
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
        if !slot.queued {
            slot.queued = true;
            out.push(s);
        }
    };
    if composite.options.ordering == Ordering::Interleave {
        let longest = per_source.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..longest {
            for list in &per_source {
                if let Some(&s) = list.get(i) {
                    push(s);
                }
            }
        }
    } else {
        per_source.iter().flatten().for_each(|&s| push(s));
    }
    // Contributors no longer configured (archive mode keeps them) come last, in key order.
    let mut rest: Vec<u32> = (0..table.slots.len() as u32)
        .filter(|&s| {
            let slot = &table.slots[s as usize];
            !slot.queued && is_new(slot)
        })
        .collect();
    rest.sort_by(|&a, &b| {
        table.slots[a as usize]
            .key
            .cmp(&table.slots[b as usize].key)
    });
    for s in rest {
        table.slots[s as usize].queued = true;
        out.push(s);
    }
    out
}

/// The final order of slots: kept items in their order, newcomers placed by the option.
fn place(
    composite: &Composite,
    table: &mut Table<'_>,
    uris: &[SourceState<'_>],
    kept: &[u32],
    newcomers: &[u32],
) -> Vec<u32> {
    if composite.options.ordering != Ordering::SourceOrder || newcomers.is_empty() {
        let mut out = Vec::with_capacity(kept.len() + newcomers.len());
        out.extend_from_slice(kept);
        out.extend_from_slice(newcomers);
        return out;
    }
    // A linked list through the slots: kept items in order, each newcomer inserted right after
    // the nearest item before it in its first source that is already placed (or first).
    let slots = &mut table.slots;
    let mut head = NONE;
    for &s in kept.iter().rev() {
        slots[s as usize].next = head;
        slots[s as usize].placed = true;
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
                .find(|&k| k != NONE && slots[k as usize].placed)
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
        slots[s as usize].placed = true;
    }
    let mut out = Vec::with_capacity(kept.len() + newcomers.len());
    let mut at = head;
    while at != NONE {
        out.push(at);
        at = slots[at as usize].next;
    }
    out
}
