//! Medley's application layer: the use cases every front end calls (the HTTP API, the CLI),
//! the background worker, and the clock. It authorizes, validates, reads and writes through the
//! storage interface, and announces what it committed on the event bus. It knows nothing of
//! HTTP: errors are [`AppError`]s, which the edge maps to statuses in one place.
//!
//! Layout, bottom-up (a module imports only from the layers below it):
//! 1. [`clock`], [`error`], [`config`], [`jobs`] (kinds of queued work), [`cache`] (hot items),
//!    [`sealing`] (secrets at rest), [`logins`] (password-hashing slots, sign-in throttles),
//!    [`settings`] (what administrators change while the server runs: registration).
//! 2. [`accounts`], [`catalog`], [`playlists`], [`plays`], [`stats`], [`imports`], [`library`]
//!    (audio files: scans, uploads, streams), [`saved`] (liked songs, saved albums),
//!    [`following`] (users and artists), [`playlist_covers`].
//! 3. [`spotify`]: connections, sessions, Spotify collections read and written.
//! 4. [`sources`]: where a composite or a sync job reads and writes (a Medley playlist, a
//!    Spotify playlist, Liked Songs), behind one trait.
//! 5. [`compositions`] and [`sync_jobs`]; [`shows`] (live shows and their actors);
//!    [`subsonic`] (what existing music players do through `/rest`); [`account_deletion`]
//!    (an account and everything of it, its live shows ended first).
//! 6. [`worker`]: leases queued work and runs it, until its cancellation token fires;
//!    [`remote`]: with several nodes, applies what the other nodes publish (caches, search).
//!
//! Must not import: `axum` or anything of HTTP, `medley-api`, the binary's configuration.
#![forbid(unsafe_code)]

use std::sync::Arc;

use medley_events::Bus;
use medley_search::SearchIndex;
use medley_store::Store;

pub mod account_deletion;
pub mod accounts;
pub mod admin;
pub mod cache;
pub mod catalog;
pub mod clock;
pub mod compositions;
pub mod config;
pub mod error;
pub mod following;
pub mod imports;
pub mod jobs;
pub mod library;
pub mod logins;
pub mod playlist_covers;
pub mod playlists;
pub mod plays;
pub mod remote;
pub mod saved;
pub mod sealing;
pub mod settings;
pub mod shows;
pub mod sources;
pub mod spotify;
pub mod stats;
pub mod stream_plays;
pub mod subsonic;
pub mod sync_jobs;
pub mod tokens;
pub mod worker;

pub use clock::now_ms;
pub use config::AppConfig;
pub use error::{AppError, AppResult};

/// Everything a use case can reach: storage, the bus, the search index, caches, settings.
/// Cheap to clone; one per process.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub bus: Bus,
    pub search: Arc<SearchIndex>,
    pub config: Arc<AppConfig>,
    pub caches: Arc<cache::Caches>,
    /// Wakes the worker when work is queued (it also looks on its own every second).
    pub wake_worker: Arc<tokio::sync::Notify>,
    /// This node's name when it leases queued work: random, unless the node is given a name
    /// that lasts across restarts (`medley serve` keeps one in its data folder), so that a
    /// restarted node takes back at once the work its killed process held.
    pub node_id: String,
    /// Imports running at once on this node (each uses a core to parse).
    pub import_slots: Arc<tokio::sync::Semaphore>,
    /// Sign-ins: the password-hashing slots and the throttles of failed attempts.
    pub logins: Arc<logins::Logins>,
    /// Users' listening histories kept in memory for statistics.
    pub histories: Arc<stats::Histories>,
    /// Spotify, when an app is configured (`MEDLEY_SPOTIFY_CLIENT_ID`).
    pub spotify: Option<Arc<spotify::Spotify>>,
    /// The live shows running on this node (their actors).
    pub shows: Arc<shows::live::Shows>,
    /// Audio storage, stream URL signing and upload rules. `new` gives a folder in the
    /// temporary directory and a random key; the binary sets the configured ones.
    pub audio: Arc<library::Audio>,
    /// Seals secrets at rest that are not Spotify's (Subsonic passwords). `new` gives a random
    /// key; the binary sets the server's.
    pub sealer: Arc<sealing::Sealer>,
    /// The library as Subsonic players browse it, kept while it does not change.
    pub subsonic: Arc<subsonic::library::LibraryCache>,
    /// Each user's current playback, counted as a play when it lasts (`stream_plays`).
    pub playbacks: Arc<stream_plays::Playbacks>,
    /// Where compositions find their sources by URI: `new` gives the server's
    /// ([`sources::UriEnds`]); a test may give in-memory ones.
    pub ends: Arc<dyn sources::Ends>,
}

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        bus: Bus,
        search: Arc<SearchIndex>,
        config: AppConfig,
    ) -> App {
        App {
            store,
            bus,
            search,
            logins: Arc::new(logins::Logins::new(&config.logins)),
            config: Arc::new(config),
            caches: Arc::default(),
            wake_worker: Arc::default(),
            node_id: medley_domain::new_id(),
            import_slots: Arc::new(tokio::sync::Semaphore::new(1)),
            histories: Arc::default(),
            spotify: None,
            shows: Arc::default(),
            audio: Arc::new(library::Audio::local(
                &std::env::temp_dir().join("medley-audio"),
            )),
            sealer: Arc::new(sealing::Sealer::random().0),
            subsonic: Arc::default(),
            playbacks: Arc::default(),
            ends: Arc::new(sources::UriEnds),
        }
    }

    /// Spotify, or the answer to give when no app is configured.
    pub fn spotify(&self) -> AppResult<&Arc<spotify::Spotify>> {
        self.spotify.as_ref().ok_or_else(|| {
            AppError::Unavailable(
                "Spotify is not configured on this server: its operator must set \
                 MEDLEY_SPOTIFY_CLIENT_ID (see the README)"
                    .into(),
            )
        })
    }
}
