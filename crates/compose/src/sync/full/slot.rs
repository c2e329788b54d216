//! What the full sync knows of one key: a slot, with its state in flags.

use crate::ledger::Entry;
use crate::model::Track;

/// No slot, source, position or index.
pub(super) const NONE: u32 = u32::MAX;

pub(super) const EXISTS: u16 = 1;
pub(super) const WRITTEN: u16 = 1 << 1;
pub(super) const DIRECT: u16 = 1 << 2;
pub(super) const SUPPRESSED: u16 = 1 << 3;
pub(super) const IN_TARGET: u16 = 1 << 4;
pub(super) const EXCLUDED: u16 = 1 << 5;
pub(super) const WANTED: u16 = 1 << 6;
pub(super) const KEPT: u16 = 1 << 7;
pub(super) const QUEUED: u16 = 1 << 8;
pub(super) const PLACED: u16 = 1 << 9;
/// In the target after this sync.
pub(super) const FINAL: u16 = 1 << 10;
/// The first contribution has a time.
pub(super) const HAS_AT: u16 = 1 << 11;
/// The old entry's state: `written`, `direct`, `suppressed`, and whether it had contributors.
pub(super) const OLD_WRITTEN: u16 = 1 << 12;
pub(super) const OLD_DIRECT: u16 = 1 << 13;
pub(super) const OLD_SUPPRESSED: u16 = 1 << 14;
pub(super) const OLD_CONTRIBUTED: u16 = 1 << 15;

/// What one sync knows of one key (the key itself is in the table's arena).
pub(super) struct Slot<'a> {
    /// The previous ledger's entry.
    pub(super) old: Option<&'a Entry>,
    /// The track of an entry this sync creates (the first one seen).
    pub(super) new_track: Option<&'a Track>,
    /// When the first contribution's source added it.
    pub(super) at: i64,
    pub(super) flags: u16,
    /// The last read (a mark) that listed it, to skip duplicates in a read.
    pub(super) seen: u32,
    /// The first include source (index in `uris`) holding it, and its position there.
    pub(super) first_src: u32,
    pub(super) first_pos: u32,
    /// Further contributions: index in the table's `more`.
    pub(super) more: u32,
    /// New contributors, when they differ from the old entry's: index in the table's `now`.
    pub(super) now: u32,
    /// The next slot in the final order (source order placement).
    pub(super) next: u32,
}

impl<'a> Slot<'a> {
    pub(super) fn new(old: Option<&'a Entry>) -> Slot<'a> {
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

    pub(super) fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    pub(super) fn set(&mut self, flag: u16) {
        self.flags |= flag;
    }

    pub(super) fn clear(&mut self, flag: u16) {
        self.flags &= !flag;
    }

    pub(super) fn track(&self) -> Option<&'a Track> {
        self.old.map(|e| &e.track).or(self.new_track)
    }

    pub(super) fn first_at(&self) -> Option<i64> {
        self.has(HAS_AT).then_some(self.at)
    }
}
