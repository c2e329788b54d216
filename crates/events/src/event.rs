//! The events Medley publishes.

use medley_domain::{Id, ImportId, PlaylistId, SyncJobId, TrackId, UserId};
use serde::{Deserialize, Serialize};

/// What happened to a playlist's items in one committed change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsChange {
    pub playlist_id: PlaylistId,
    pub owner_id: UserId,
    /// The user whose request made the change.
    pub actor_id: UserId,
    /// The snapshot the change produced.
    pub snapshot_id: String,
    /// Track ids added, in the order they were inserted.
    pub added: Vec<TrackId>,
    /// Track ids removed (one entry per removed item).
    pub removed: Vec<TrackId>,
    /// Whether existing items changed places (reorder or insertion in the middle).
    pub reordered: bool,
    /// Number of items after the change.
    pub item_count: i64,
    /// Made by Medley itself (a composite following its sources), not by a person.
    pub automatic: bool,
}

/// A fact some component may react to. Published only after the change is committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    PlaylistCreated {
        playlist_id: PlaylistId,
        owner_id: UserId,
    },
    /// Name, description, visibility or collaborators changed.
    PlaylistDetailsChanged {
        playlist_id: PlaylistId,
        snapshot_id: String,
    },
    PlaylistItemsChanged(ItemsChange),
    /// Tracks were added to or changed in the catalog.
    TracksUpserted {
        track_ids: Vec<TrackId>,
    },
    UserCreated {
        user_id: UserId,
    },
    /// A scheduled sync finished a run (successfully or not).
    SyncRunFinished {
        job_id: SyncJobId,
        run_id: Id,
    },
    /// A user's liked songs changed.
    SavedTracksChanged {
        user_id: UserId,
        added: Vec<TrackId>,
        removed: Vec<TrackId>,
    },
    /// Plays were added to a user's listening history (an import's file, or live plays).
    PlaysRecorded {
        user_id: UserId,
        added: u64,
    },
    /// An import ended (`failed` or `done`).
    ImportFinished {
        user_id: UserId,
        import_id: ImportId,
        status: String,
    },
    /// A library scan ended (`failed` or `done`).
    LibraryScanFinished {
        scan_id: Id,
        status: String,
    },
    /// A node dropped entries of its caches after a write; the other nodes drop theirs. Sent
    /// only to other nodes ([`crate::Bus::publish_to_others`]).
    CachesInvalidated {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        playlists: Vec<PlaylistId>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tracks: Vec<TrackId>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        ledgers: Vec<PlaylistId>,
        /// Every cached token (a logout, a password change, a revoked token).
        #[serde(default)]
        tokens: bool,
        /// Every track's audio files (a scan, an upload or its deletion, a file found
        /// missing).
        #[serde(default)]
        audio: bool,
    },
    /// Spotify paused the app (rate limit or daily quota) until these times (Unix ms).
    SpotifyPaused {
        client_id: String,
        rate_until_ms: i64,
        quota_until_ms: i64,
    },
    /// Tokens of a user were revoked (a password change, a logout): every node drops the
    /// tokens it cached.
    SessionsEnded {
        user_id: UserId,
    },
    /// An account was deleted with everything of it (its playlists named here): every node
    /// drops what it kept in memory of the user and of those playlists.
    UserDeleted {
        user_id: UserId,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        playlists: Vec<PlaylistId>,
    },
}

impl Event {
    /// A short stable name, used in logs and metrics labels.
    pub fn name(&self) -> &'static str {
        match self {
            Event::PlaylistCreated { .. } => "playlist_created",
            Event::PlaylistDetailsChanged { .. } => "playlist_details_changed",
            Event::PlaylistItemsChanged(_) => "playlist_items_changed",
            Event::TracksUpserted { .. } => "tracks_upserted",
            Event::UserCreated { .. } => "user_created",
            Event::SavedTracksChanged { .. } => "saved_tracks_changed",
            Event::SyncRunFinished { .. } => "sync_run_finished",
            Event::PlaysRecorded { .. } => "plays_recorded",
            Event::ImportFinished { .. } => "import_finished",
            Event::LibraryScanFinished { .. } => "library_scan_finished",
            Event::CachesInvalidated { .. } => "caches_invalidated",
            Event::SpotifyPaused { .. } => "spotify_paused",
            Event::SessionsEnded { .. } => "sessions_ended",
            Event::UserDeleted { .. } => "user_deleted",
        }
    }
}
