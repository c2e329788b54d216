//! The ledger: what Medley knows about every track of one composite, and about its sources.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use medley_domain::TrackId;
use serde::{Deserialize, Serialize};

use crate::model::Track;

mod basis;

pub(crate) use basis::{basis_allowed, Basis};

/// The ledger's entries by identity key: a persistent ordered map, so that a sync's new ledger
/// shares every entry it does not change with the previous one (cloning is O(1)).
pub type Entries = imbl::OrdMap<String, Entry>;

/// What Medley knows of one track (one identity key) of a composite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The track Medley writes for this key (the first one seen).
    pub track: Track,
    /// Include sources that hold it, each with when it was added there (if known).
    pub contributors: BTreeMap<String, Option<i64>>,
    /// The owner added it to the composite themselves.
    pub direct: bool,
    /// The owner removed it from the composite themselves (a tombstone).
    pub suppressed: bool,
    /// It is in the target as Medley last left it.
    pub written: bool,
}

impl Entry {
    pub fn new(track: Track) -> Entry {
        Entry {
            track,
            contributors: BTreeMap::new(),
            direct: false,
            suppressed: false,
            written: false,
        }
    }

    /// Nothing worth remembering: no contributor, no owner decision, not in the target.
    pub fn is_idle(&self) -> bool {
        self.contributors.is_empty() && !self.direct && !self.suppressed && !self.written
    }
}

/// A source's read as a memo keeps it: keys in source order, each with when it was added.
pub(crate) type Read = Arc<Vec<(Arc<str>, Option<i64>)>>;

/// The last good read of a source, and its health.
///
/// Serialized as `{keys, added_at, healthy, last_ok_ms, last_error}`. The read itself is shared
/// (cloning a memo is O(1)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "MemoWire", into = "MemoWire")]
pub struct SourceMemo {
    /// Keys of the last complete read, in source order (frozen while the source fails), each
    /// with when it was added to the source, as of that read.
    items: Read,
    pub healthy: bool,
    pub last_ok_ms: Option<i64>,
    pub last_error: Option<String>,
}

impl SourceMemo {
    /// Keys of the last complete read, in source order (no duplicates).
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + DoubleEndedIterator + '_ {
        self.items.iter().map(|(k, _)| &**k)
    }

    /// When `key` was added to the source, as of the last complete read.
    pub fn added_at(&self, key: &str) -> Option<i64> {
        self.items
            .iter()
            .find(|(k, _)| &**k == key)
            .and_then(|(_, at)| *at)
    }

    /// The keys of the last complete read, each with when it was added.
    pub fn items(&self) -> &[(Arc<str>, Option<i64>)] {
        &self.items
    }

    /// Replaces the read: keys in source order (no duplicates), each with when it was added.
    pub fn set_items(&mut self, items: Vec<(Arc<str>, Option<i64>)>) {
        self.items = Arc::new(items);
    }

    /// The shared read itself: two memos whose reads are the same allocation hold the same read.
    pub(crate) fn shared_items(&self) -> &Read {
        &self.items
    }
}

/// The stored form of [`SourceMemo`].
#[derive(Clone, Serialize, Deserialize)]
struct MemoWire {
    keys: Vec<String>,
    added_at: BTreeMap<String, Option<i64>>,
    healthy: bool,
    last_ok_ms: Option<i64>,
    last_error: Option<String>,
}

impl From<MemoWire> for SourceMemo {
    fn from(w: MemoWire) -> SourceMemo {
        let items = w
            .keys
            .into_iter()
            .map(|k| {
                let at = w.added_at.get(&k).copied().flatten();
                (Arc::from(k), at)
            })
            .collect();
        SourceMemo {
            items: Arc::new(items),
            healthy: w.healthy,
            last_ok_ms: w.last_ok_ms,
            last_error: w.last_error,
        }
    }
}

impl From<SourceMemo> for MemoWire {
    fn from(m: SourceMemo) -> MemoWire {
        MemoWire {
            keys: m.items.iter().map(|(k, _)| k.to_string()).collect(),
            added_at: m.items.iter().map(|(k, at)| (k.to_string(), *at)).collect(),
            healthy: m.healthy,
            last_ok_ms: m.last_ok_ms,
            last_error: m.last_error,
        }
    }
}

/// Everything the engine remembers about one composite between syncs.
///
/// A ledger returned by `sync()` also carries, in memory only, what that sync worked
/// out (its configuration, the target as it left it): the next sync from this very ledger, if
/// nothing was changed in it since, then does work in proportion to what changed in the sources
/// rather than to the composite's size. That basis is not stored (a ledger read back from
/// storage syncs the full way, with the same outcome) and takes no part in equality.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Ledger {
    pub entries: Entries,
    pub sources: BTreeMap<String, SourceMemo>,
    #[serde(skip)]
    pub(crate) basis: Option<Arc<Basis>>,
}

impl PartialEq for Ledger {
    fn eq(&self, other: &Ledger) -> bool {
        self.entries == other.entries && self.sources == other.sources
    }
}

impl Eq for Ledger {}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("entries", &self.entries)
            .field("sources", &self.sources)
            .finish()
    }
}

impl Ledger {
    /// The tombstones: tracks the owner removed and sources would otherwise bring back.
    pub fn suppressed(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.entries.iter().filter(|(_, e)| e.suppressed)
    }

    /// Clears tombstones for these track ids; returns how many were cleared. The next sync
    /// brings a restored track back if the rule says so.
    pub fn restore(&mut self, track_ids: &[TrackId]) -> usize {
        let keys: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, e)| e.suppressed && track_ids.contains(&e.track.id))
            .map(|(k, _)| k.clone())
            .collect();
        for key in &keys {
            if let Some(e) = self.entries.get_mut(key) {
                e.suppressed = false;
            }
        }
        keys.len()
    }

    /// Drops the entries that carry nothing ([`Entry::is_idle`]).
    pub fn forget_idle(&mut self) {
        let idle: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, e)| e.is_idle())
            .map(|(k, _)| k.clone())
            .collect();
        for key in &idle {
            self.entries.remove(key);
        }
    }
}
