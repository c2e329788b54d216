//! What the work queue and the sync jobs store as text: kinds of queued work, why Medley
//! paused a job, what triggered a run. Each spelling is fixed (stored rows outlive a release).

medley_domain::text_enum! {
    /// A kind of queued work, stored in the queue as this text (and so fixed: queued work
    /// outlives a release). The queue holds at most one pending job per kind and subject.
    pub enum JobKind {
        /// A run of a scheduled sync job; the subject is the job's id.
        SyncJob = "sync_job",
        /// A resync of a composite playlist; the subject is the playlist's id. The store
        /// queues it itself, in the transaction of every change to a playlist a composite
        /// reads ([`queue_dependents`](super::queue_dependents)).
        Composite = "composite",
        /// A check of a Spotify connection's collections in use; the subject is the connection.
        SpotifyWatch = "spotify_watch",
        /// A poll of a Spotify connection's recently played; the subject is the connection.
        SpotifyPlays = "spotify_plays",
        /// An uploaded export to import; the subject is the import's id.
        Import = "import",
        /// A scan of library folders; the subject is the scan's id.
        LibraryScan = "library_scan",
    }
}

medley_domain::text_enum! {
    /// Why Medley paused a sync job (stored as this text); a job its owner paused has none.
    pub enum PauseReason {
        /// A Spotify account the job reaches through must be connected again.
        SpotifyReconnect = "spotify_reconnect",
    }
}

medley_domain::text_enum! {
    /// Why a sync job ran (stored with the run, and as the detail of its queued work).
    pub enum Trigger {
        /// Its schedule came due.
        Schedule = "schedule",
        /// Its owner asked (`POST /v1/sync-jobs/{id}/run`, `medley sync-jobs run`).
        Manual = "manual",
    }
}

#[cfg(test)]
mod tests {
    use medley_domain::text::TextEnum;

    use super::*;

    #[test]
    fn stored_names_stay_as_they_were() {
        let names: Vec<&str> = Trigger::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            names,
            ["schedule", "manual"],
            "rows already stored use these names"
        );
        let kinds: Vec<&str> = JobKind::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "sync_job",
                "composite",
                "spotify_watch",
                "spotify_plays",
                "import",
                "library_scan"
            ],
            "queued work already stored uses these names"
        );
        assert_eq!(PauseReason::SpotifyReconnect.as_str(), "spotify_reconnect");
    }
}
