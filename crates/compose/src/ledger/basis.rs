//! What a sync worked out, kept by the ledger it returns so that the next sync can skip what
//! did not change. It lives beside the ledger (rather than in `sync`) because the ledger holds
//! it: the sync paths read and build it, and the ledger depends on nothing of theirs.

use std::sync::Arc;

use super::{Entries, Read};
use crate::model::{Composite, Identity};

/// What a sync worked out, carried (in memory only) by the ledger it returns, so that the next
/// sync from that ledger can skip what did not change. It exists only when all of these hold,
/// which the next sync relies on while the ledger's entries and reads are still these very
/// ones (pointer equality) and the configuration is this one:
///
/// 1. Identity is `id` or `isrc` (a key depends on its track alone), no filter depends on the
///    time (`added_within_days`), and no source URI is configured twice.
/// 2. Every key of every include source's read has an entry, whose contributors name that
///    source with the read's `added_at`; outside archive mode, they name exactly those sources.
/// 3. Nothing overflowed the cap: an entry is `written` exactly when the rule wants it.
/// 4. `target` is the target as the sync left it (its plan applied), key by key: the written
///    entries, each once.
pub(crate) struct Basis {
    pub(crate) entries: Entries,
    pub(crate) composite: Composite,
    /// Each configured source's read, in configuration order.
    pub(crate) reads: Vec<Read>,
    pub(crate) target: Arc<Vec<Arc<str>>>,
}

/// Whether a sync of `composite` may leave a [`Basis`] (its condition 1).
pub(crate) fn basis_allowed(composite: &Composite) -> bool {
    let options = &composite.options;
    options.identity != Identity::Fuzzy
        && options.filters.added_within_days.is_none()
        && composite
            .sources
            .iter()
            .enumerate()
            .all(|(i, s)| composite.sources[..i].iter().all(|t| t.uri != s.uri))
}
