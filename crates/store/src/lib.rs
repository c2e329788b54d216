//! Medley's storage: the traits every component uses to read and write data, and the SQL
//! backend that implements them on SQLite (embedded default) and PostgreSQL (scale-out).
//!
//! Layout:
//! - [`sql`]: connecting, pools, migrations, the backend choice from the URL.
//! - [`users`], [`catalog`], [`playlists`], [`library`], [`composites`], [`jobs`], [`plays`],
//!   [`imports`], [`connections`], [`shows`], [`audio`] (files behind tracks), [`scans`]
//!   (library scans), [`covers`] (album covers), [`subsonic`] (what the OpenSubsonic API
//!   keeps), [`collection`] (saved albums, followed artists): one trait per area, with its SQL.
//! - [`account_deletion`]: an account and everything of it, in one transaction.
//! - [`testing`]: fresh databases for tests (a temporary SQLite file, or a new PostgreSQL
//!   database on the server named by `MEDLEY_TEST_DATABASE_URL`).
//!
//! The conformance suite (`tests/conformance/`, one file per area) runs the same scenarios on
//! both backends.
#![forbid(unsafe_code)]

pub mod account_deletion;
pub mod audio;
pub mod catalog;
pub mod collection;
pub mod composites;
pub mod connections;
pub mod covers;
mod error;
pub mod imports;
pub mod jobs;
pub mod library;
pub mod playlists;
pub mod plays;
pub mod scans;
pub mod settings;
pub mod shows;
pub mod spotify_logins;
pub mod sql;
pub mod subsonic;
pub mod testing;
pub mod users;

pub use account_deletion::{AccountDeletionStore, DeletedAccount};
pub use audio::{
    AudioFile, AudioOrigin, AudioStatus, AudioStore, TitleCandidate, TrackChoice, TrackToAdd,
};
pub use catalog::CatalogStore;
pub use collection::CollectionStore;
pub use composites::{CompositeStore, StoredComposite, SyncWrite};
pub use connections::{
    CollectionState, Connection, ConnectionStatus, ConnectionStore, NewConnection,
    PendingAuthorization, Usage,
};
pub use covers::{AlbumCover, CoverStore};
pub use error::{Result, StoreError};
pub use imports::{ImportStatus, ImportStore, StoredImport};
pub use jobs::{JobKind, JobStore, PauseReason, QueuedJob, SyncJob, SyncRun, Trigger};
pub use library::LibraryStore;
pub use playlists::covers::{PlaylistCover, PlaylistCoverStore};
pub use playlists::{DetailsChange, EditOutcome, ItemsEdit, NewPlaylist, PlaylistStore};
pub use plays::{
    ItemRef, NewPlay, PlayStamp, PlayStore, PlayVersion, PlayWriter, PlayedItem, PlayedKind,
    Precision, StatItem, StatPlay,
};
pub use scans::{ScanStatus, ScanStore, StoredScan};
pub use settings::SettingsStore;
pub use shows::{
    HistoryEntry, LiveEvent, LiveState, LiveWrite, NewShow, SessionChange, ShowBan, ShowChange,
    ShowComment, ShowState, ShowStore, ShowVisibility, StoredShow,
};
pub use spotify_logins::{PendingSignIn, SpotifyLoginStore};
pub use sql::{Backend, SqlStore};
pub use subsonic::{LibraryVersion, NowPlaying, SubsonicKey, SubsonicStore};
pub use users::{ApiToken, NewToken, NewUser, UserStore, TOKEN_USE_PRECISION_MS};

/// Everything Medley stores, behind one object-safe trait.
pub trait Store:
    UserStore
    + AccountDeletionStore
    + CatalogStore
    + PlaylistStore
    + LibraryStore
    + CompositeStore
    + JobStore
    + PlayStore
    + ImportStore
    + ConnectionStore
    + SpotifyLoginStore
    + ShowStore
    + AudioStore
    + ScanStore
    + SubsonicStore
    + CollectionStore
    + CoverStore
    + PlaylistCoverStore
    + SettingsStore
{
}

impl<T> Store for T where
    T: UserStore
        + AccountDeletionStore
        + CatalogStore
        + PlaylistStore
        + LibraryStore
        + CompositeStore
        + JobStore
        + PlayStore
        + ImportStore
        + ConnectionStore
        + SpotifyLoginStore
        + ShowStore
        + AudioStore
        + ScanStore
        + SubsonicStore
        + CollectionStore
        + CoverStore
        + PlaylistCoverStore
        + SettingsStore
{
}
