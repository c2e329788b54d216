//! The ledger: what Medley knows about every track of one composite, and about its sources.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Track;

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

/// The last good read of a source, and its health.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMemo {
    /// Keys of the last complete read, in source order (frozen while the source fails).
    pub keys: Vec<String>,
    /// When each key was added to the source, as of the last complete read.
    pub added_at: BTreeMap<String, Option<i64>>,
    pub healthy: bool,
    pub last_ok_ms: Option<i64>,
    pub last_error: Option<String>,
}

/// Everything the engine remembers about one composite between syncs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub entries: BTreeMap<String, Entry>,
    pub sources: BTreeMap<String, SourceMemo>,
}

impl Ledger {
    /// The tombstones: tracks the owner removed and sources would otherwise bring back.
    pub fn suppressed(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.entries.iter().filter(|(_, e)| e.suppressed)
    }

    /// Clears tombstones for these track ids; returns how many were cleared. The next sync
    /// brings a restored track back if the rule says so.
    pub fn restore(&mut self, track_ids: &[String]) -> usize {
        let mut n = 0;
        for e in self.entries.values_mut() {
            if e.suppressed && track_ids.contains(&e.track.id) {
                e.suppressed = false;
                n += 1;
            }
        }
        n
    }
}
