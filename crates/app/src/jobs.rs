//! What the work queue holds: the kinds of background work and what triggered a sync run.
//! Both are stored as text, so both are the store's ([`JobKind`], [`Trigger`]); this module
//! queues work and wakes the worker.

use crate::error::AppResult;
use crate::App;

/// A kind of queued work: the store queues composite resyncs itself, in the transaction of
/// the change that needs them, so it owns the kinds.
pub use medley_store::JobKind;
/// Why a sync job ran: stored with each run, so it is the store's.
pub use medley_store::Trigger;

/// Queues work (or asks again for pending work) and wakes this node's worker.
pub async fn enqueue(
    app: &App,
    kind: JobKind,
    subject: &str,
    detail: &str,
    run_at_ms: i64,
) -> AppResult<()> {
    app.store
        .enqueue(kind, subject, detail, run_at_ms, crate::now_ms())
        .await?;
    app.wake_worker.notify_one();
    Ok(())
}
