//! One sync of a composite: learn the owner's edits from the target, take in the sources'
//! reads, apply the rule, and plan the smallest edit that makes the target follow it.
//!
//! Two paths give the same outcome: `full` (every key of the ledger, the target and the reads)
//! and `incremental` (only what the reads changed since the sync that made the ledger). Both
//! decide with the one rule (`rule`), hand newcomers over in the same order (`order`) and look
//! keys up the same way (`key_index`).

use std::collections::BTreeMap;

use medley_domain::TrackId;
use serde::{Deserialize, Serialize};

use crate::ledger::Ledger;
use crate::model::{Composite, Read, Track};
use crate::plan::Plan;

use full::full;

mod full;
mod incremental;
mod key_index;
mod order;
mod rule;

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
    pub added: Vec<TrackId>,
    /// Track ids removed (duplicates included).
    pub removed: Vec<TrackId>,
    /// Track ids the rule wants but the cap leaves out.
    pub overflow: Vec<TrackId>,
    /// Track ids the owner added behind Medley's back, learned now.
    pub learned_direct: Vec<TrackId>,
    /// Track ids the owner removed behind Medley's back, learned now.
    pub learned_suppressed: Vec<TrackId>,
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
