//! What the work queue holds: the kinds of background work and what triggered a sync run.
//! The queue stores them as text; only this file (and, for triggers, the store) spells them.

use std::fmt;

use crate::error::AppResult;
use crate::App;

/// A kind of queued work. The queue holds at most one pending job per kind and subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// A run of a scheduled sync job; the subject is the job's id.
    SyncJob,
    /// A resync of a composite playlist; the subject is the playlist's id.
    Composite,
    /// A check of a Spotify connection's collections in use; the subject is the connection.
    SpotifyWatch,
    /// A poll of a Spotify connection's recently played; the subject is the connection.
    SpotifyPlays,
    /// An uploaded export to import; the subject is the import's id.
    Import,
    /// A scan of library folders; the subject is the scan's id.
    LibraryScan,
}

impl JobKind {
    pub const ALL: [JobKind; 6] = [
        JobKind::SyncJob,
        JobKind::Composite,
        JobKind::SpotifyWatch,
        JobKind::SpotifyPlays,
        JobKind::Import,
        JobKind::LibraryScan,
    ];

    /// The name stored in the queue (and so fixed: queued work outlives a release).
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::SyncJob => "sync_job",
            JobKind::Composite => medley_store::COMPOSITE_JOB,
            JobKind::SpotifyWatch => "spotify_watch",
            JobKind::SpotifyPlays => "spotify_plays",
            JobKind::Import => "import",
            JobKind::LibraryScan => "library_scan",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
        .enqueue(kind.as_str(), subject, detail, run_at_ms, crate::now_ms())
        .await?;
    app.wake_worker.notify_one();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_stored_name() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(JobKind::parse("nonsense"), None);
    }
}
