//! The composite-playlist engine, as pure code: no I/O, no clock it is not given.
//!
//! A composite playlist C has sources (playlists in `include` or `exclude` mode) and options.
//! For every track t Medley keeps a ledger entry for (C, t): the include sources that hold it
//! (`contributors`), whether the owner added it (`direct`), whether the owner removed it
//! (`suppressed`), and whether it is in the target as Medley last knew it (`written`).
//!
//! **The rule**: t is in C exactly when it is not suppressed and either it is direct, or it has
//! at least one contributor, no exclude source holds it, and it passes C's filters. In archive
//! mode nothing leaves C because a source dropped it.
//!
//! [`sync()`] takes the ledger, each source's read (a complete snapshot or a failure, which
//! freezes that source's contributions), and the target's current items; it learns the owner's
//! edits by three-way comparison (items Medley did not write are `direct`; items Medley wrote
//! that are gone are `suppressed`), applies the rule, and returns the new ledger with the minimal
//! edit plan: removals, and insertions placed by the ordering option, never moving items that
//! are already there. A sync from the very ledger an earlier sync returned, with the target as
//! that sync left it, does work in proportion to what changed in the sources (see [`Ledger`]).
//!
//! Layout: [`model`] (tracks, sources, options), [`identity`] (what "the same track" means),
//! [`ledger`], [`intent`] (writes to targets outside Medley's transactions), [`sync`](mod@sync) (reconcile and plan), [`plan`] (applying a plan to a list),
//! [`graph`] (cycles among composites).
#![forbid(unsafe_code)]

pub mod graph;
pub mod identity;
pub mod intent;
pub mod ledger;
pub mod model;
pub mod plan;
pub mod sync;

pub use intent::Intent;
pub use ledger::{Entry, Ledger, SourceMemo};
pub use model::{
    Composite, Filters, Identity, Mode, Options, Ordering, Read, Source, SourceItem, Track,
};
pub use plan::Plan;
pub use sync::{sync, Outcome, Report, SyncInput};
