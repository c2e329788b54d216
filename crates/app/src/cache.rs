//! The hot-item caches of seed 002 that the use cases keep: what nearly every request needs,
//! kept in memory. (The HTTP edge keeps its own of rendered JSON.)
//!
//! - **tokens**: token hash → user, so authentication costs no query. Logout and password
//!   changes remove entries at once; entries also expire after [`TOKEN_TTL`], which bounds how
//!   long another node may honour a revoked token.
//! - **playlists**: playlist metadata (owner, visibility, snapshot). Every write through the
//!   services drops the entry before answering; entries expire after [`PLAYLIST_TTL`].
//! - **ledgers**: a composite's ledger as this node's last sync of it left it, with the
//!   version that sync wrote. It is used only while the store still holds that very version
//!   (and the composite was not made again since), so a sync of a large composite neither
//!   reads and parses its ledger again nor loses what the engine worked out last time (which
//!   lets it work in proportion to what changed). Another node's sync moves the version on.
//!
//! - **tracks**: a track's rendering at the HTTP edge (its JSON), kept here because only the
//!   catalog's writes know when it changes: they drop the entry.
//! - **artists** and **albums**: the catalog's artists and albums by id, for the hits of a
//!   search. Any catalog write that drops tracks drops them all (an artist or album changes
//!   only with its tracks, and such writes are rare next to searches); entries also expire
//!   after [`CATALOG_TTL`], for writes that change an album without a track (a history
//!   import's track count).
//! - **audio**: a track's audio files (which plays first, where its bytes are), so a stream
//!   costs no query. Every write to the audio files (a scan, an upload or its deletion, a
//!   file found missing, an account deleted) drops them all: such writes are rare next to
//!   streams, and a scan's writes name files, not tracks. Entries also expire after
//!   [`CATALOG_TTL`].
//!
//! Loads that raced with an invalidation are not cached: [`Generation`] tells a loader whether
//! any invalidation happened since it started reading.
//!
//! With several nodes, every invalidation is also sent to the other nodes
//! (`Event::CachesInvalidated`, through [`Caches::announce_to`]), which drop the same entries
//! ([`Caches::apply_remote`]) within the delay of one NATS message, well before the TTLs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use medley_compose::Ledger;
use medley_domain::catalog::{Album, Artist};
use medley_domain::playlist::Playlist;
use medley_domain::user::User;
use medley_domain::{AlbumId, ArtistId, PlaylistId, TrackId};
use medley_events::{Bus, Event};
use medley_store::AudioFile;
use moka::sync::Cache;
use serde_json::value::RawValue;

/// A track rendered as JSON, shared by every response that embeds it.
pub type TrackJson = Arc<RawValue>;

pub const TOKEN_TTL: Duration = Duration::from_secs(30);
pub const PLAYLIST_TTL: Duration = Duration::from_secs(5);
pub const CATALOG_TTL: Duration = Duration::from_secs(60);

/// Counts invalidations, so a load that overlapped one is not cached.
#[derive(Default)]
pub struct Generation {
    counter: AtomicU64,
    /// Held while inserting and while invalidating, so neither interleaves with the other.
    lock: Mutex<()>,
}

impl Generation {
    pub fn current(&self) -> u64 {
        self.counter.load(Ordering::Acquire)
    }

    /// Inserts only if no invalidation happened since `seen`.
    fn insert_if_unchanged(&self, seen: u64, insert: impl FnOnce()) {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if self.current() == seen {
            insert();
        }
    }

    fn invalidate(&self, remove: impl FnOnce()) {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.counter.fetch_add(1, Ordering::AcqRel);
        remove();
    }
}

pub struct Caches {
    tokens: Cache<String, User>,
    token_generation: Generation,
    playlists: Cache<PlaylistId, Playlist>,
    playlist_generation: Generation,
    ledgers: Cache<PlaylistId, Arc<KeptLedger>>,
    pub tracks: Cache<TrackId, TrackJson>,
    artists: Cache<ArtistId, Artist>,
    albums: Cache<AlbumId, Album>,
    catalog_generation: Generation,
    audio: Cache<TrackId, Arc<[AudioFile]>>,
    audio_generation: Generation,
    /// The bus that tells other nodes what this one dropped (set with several nodes).
    others: OnceLock<Bus>,
}

/// What a node dropped, for the other nodes to drop too.
#[derive(Default)]
struct ToTell {
    playlists: Vec<PlaylistId>,
    tracks: Vec<TrackId>,
    ledgers: Vec<PlaylistId>,
    tokens: bool,
    audio: bool,
}

/// What another node dropped (or what a change another node made implies), to drop here.
#[derive(Default)]
pub struct Dropped<'a> {
    pub playlists: &'a [PlaylistId],
    pub tracks: &'a [TrackId],
    pub ledgers: &'a [PlaylistId],
    /// Every cached token.
    pub tokens: bool,
    /// Every track's audio files.
    pub audio: bool,
}

/// About how much memory the kept ledgers of all composites may take.
pub const KEPT_LEDGER_BYTES: u64 = 256 * 1024 * 1024;
/// Rough sizes, for weighing: a ledger entry (its track, contributors and key) and one
/// remembered item of a source's last read.
const ENTRY_BYTES: usize = 768;
const MEMO_ITEM_BYTES: usize = 64;

/// A composite's ledger as a sync on this node wrote it.
pub struct KeptLedger {
    /// The ledger version the sync's write produced.
    pub version: i64,
    pub created_at_ms: i64,
    pub ledger: Ledger,
}

impl Caches {
    /// The ledger of composite `id` at `version`, if this node holds it.
    pub fn ledger(&self, id: &PlaylistId, version: i64, created_at_ms: i64) -> Option<Ledger> {
        let kept = self.ledgers.get(id)?;
        (kept.version == version && kept.created_at_ms == created_at_ms)
            .then(|| kept.ledger.clone())
    }

    /// Keeps the ledger a sync of composite `id` wrote, as `version`.
    pub fn keep_ledger(&self, id: &PlaylistId, kept: KeptLedger) {
        self.ledgers.insert(id.to_owned(), Arc::new(kept));
    }

    pub fn forget_ledger(&self, id: &PlaylistId) {
        self.ledgers.invalidate(id);
        self.tell_others(ToTell {
            ledgers: vec![id.to_owned()],
            ..ToTell::default()
        });
    }

    /// From now on, tells the other nodes on `bus` about every entry this node drops.
    pub fn announce_to(&self, bus: Bus) {
        let _ = self.others.set(bus);
    }

    fn tell_others(&self, dropped: ToTell) {
        if let Some(bus) = self.others.get() {
            bus.publish_to_others(Event::CachesInvalidated {
                playlists: dropped.playlists,
                tracks: dropped.tracks,
                ledgers: dropped.ledgers,
                tokens: dropped.tokens,
                audio: dropped.audio,
            });
        }
    }

    /// Drops what another node dropped (without telling anyone).
    pub fn apply_remote(&self, dropped: Dropped<'_>) {
        let Dropped {
            playlists,
            tracks,
            ledgers,
            tokens,
            audio,
        } = dropped;
        if audio {
            self.drop_audio();
        }
        if tokens {
            self.token_generation
                .invalidate(|| self.tokens.invalidate_all());
        }
        for id in playlists {
            self.playlist_generation
                .invalidate(|| self.playlists.invalidate(id));
        }
        for id in tracks {
            self.tracks.invalidate(id);
        }
        if !tracks.is_empty() {
            self.forget_artists_and_albums();
        }
        for id in ledgers {
            self.ledgers.invalidate(id);
        }
    }

    /// Drops everything (after events from other nodes may have been missed).
    pub fn forget_all_local(&self) {
        self.token_generation
            .invalidate(|| self.tokens.invalidate_all());
        self.playlist_generation
            .invalidate(|| self.playlists.invalidate_all());
        self.tracks.invalidate_all();
        self.forget_artists_and_albums();
        self.ledgers.invalidate_all();
        self.drop_audio();
    }
}

fn ledger_weight(_: &PlaylistId, kept: &Arc<KeptLedger>) -> u32 {
    let remembered: usize = kept.ledger.sources.values().map(|m| m.keys().len()).sum();
    (ENTRY_BYTES * (kept.ledger.entries.len() + 1) + MEMO_ITEM_BYTES * remembered)
        .try_into()
        .unwrap_or(u32::MAX)
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            tokens: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(TOKEN_TTL)
                .build(),
            token_generation: Generation::default(),
            playlists: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(PLAYLIST_TTL)
                .build(),
            playlist_generation: Generation::default(),
            ledgers: Cache::builder()
                .weigher(ledger_weight)
                .max_capacity(KEPT_LEDGER_BYTES)
                .build(),
            tracks: Cache::builder().max_capacity(200_000).build(),
            artists: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CATALOG_TTL)
                .build(),
            albums: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CATALOG_TTL)
                .build(),
            catalog_generation: Generation::default(),
            audio: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CATALOG_TTL)
                .build(),
            audio_generation: Generation::default(),
            others: OnceLock::new(),
        }
    }
}

impl Caches {
    pub fn token(&self, hash: &str) -> Option<User> {
        self.tokens.get(hash)
    }

    pub fn token_generation(&self) -> u64 {
        self.token_generation.current()
    }

    pub fn remember_token(&self, seen: u64, hash: String, user: User) {
        self.token_generation
            .insert_if_unchanged(seen, || self.tokens.insert(hash, user));
    }

    /// Forgets every cached token (after a logout or a password change).
    pub fn forget_tokens(&self) {
        self.token_generation
            .invalidate(|| self.tokens.invalidate_all());
        self.tell_others(ToTell {
            tokens: true,
            ..ToTell::default()
        });
    }

    pub fn playlist(&self, id: &PlaylistId) -> Option<Playlist> {
        self.playlists.get(id)
    }

    pub fn playlist_generation(&self) -> u64 {
        self.playlist_generation.current()
    }

    pub fn remember_playlist(&self, seen: u64, playlist: Playlist) {
        self.playlist_generation.insert_if_unchanged(seen, || {
            self.playlists.insert(playlist.id.clone(), playlist)
        });
    }

    /// Drops a playlist's metadata after any change to it.
    pub fn forget_playlist(&self, id: &PlaylistId) {
        self.playlist_generation
            .invalidate(|| self.playlists.invalidate(id));
        self.tell_others(ToTell {
            playlists: vec![id.to_owned()],
            ..ToTell::default()
        });
    }

    /// Drops rendered tracks after the catalog changed them, and the artists and albums.
    pub fn forget_tracks(&self, ids: &[TrackId]) {
        for id in ids {
            self.tracks.invalidate(id);
        }
        if !ids.is_empty() {
            self.forget_artists_and_albums();
            self.tell_others(ToTell {
                tracks: ids.to_vec(),
                ..ToTell::default()
            });
        }
    }
}

impl Caches {
    /// The audio files of track `id`, best first, if this node holds them.
    pub fn track_audio(&self, id: &TrackId) -> Option<Arc<[AudioFile]>> {
        self.audio.get(id)
    }

    /// Counts the writes that dropped audio files: read it before loading them.
    pub fn audio_generation(&self) -> u64 {
        self.audio_generation.current()
    }

    pub fn remember_track_audio(&self, seen: u64, id: &TrackId, files: Arc<[AudioFile]>) {
        self.audio_generation
            .insert_if_unchanged(seen, || self.audio.insert(id.clone(), files));
    }

    /// Drops every track's audio files, here and on the other nodes, after any write to them.
    pub fn forget_audio(&self) {
        self.drop_audio();
        self.tell_others(ToTell {
            audio: true,
            ..ToTell::default()
        });
    }

    fn drop_audio(&self) {
        self.audio_generation
            .invalidate(|| self.audio.invalidate_all());
    }
}

impl Caches {
    pub fn artist(&self, id: &ArtistId) -> Option<Artist> {
        self.artists.get(id)
    }

    pub fn album(&self, id: &AlbumId) -> Option<Album> {
        self.albums.get(id)
    }

    /// Counts the catalog writes that dropped artists and albums: read it before loading them.
    pub fn catalog_generation(&self) -> u64 {
        self.catalog_generation.current()
    }

    pub fn remember_artists(&self, seen: u64, artists: &[Artist]) {
        self.catalog_generation.insert_if_unchanged(seen, || {
            for a in artists {
                self.artists.insert(a.id.clone(), a.clone());
            }
        });
    }

    pub fn remember_albums(&self, seen: u64, albums: &[Album]) {
        self.catalog_generation.insert_if_unchanged(seen, || {
            for a in albums {
                self.albums.insert(a.id.clone(), a.clone());
            }
        });
    }

    fn forget_artists_and_albums(&self) {
        self.catalog_generation.invalidate(|| {
            self.artists.invalidate_all();
            self.albums.invalidate_all();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            id: "u".into(),
            username: "u".into(),
            display_name: None,
            is_admin: false,
            created_at_ms: 0,
            image_url: None,
        }
    }

    fn artist(id: &str) -> Artist {
        Artist {
            id: id.into(),
            name: id.into(),
            birth_date: None,
            country: None,
            status: None,
            spotify_id: None,
        }
    }

    #[test]
    fn catalog_writes_drop_artists_and_albums_and_overlapping_loads() {
        let caches = Caches::default();
        let seen = caches.catalog_generation();
        caches.remember_artists(seen, &[artist("a1")]);
        assert_eq!(
            caches.artist(&ArtistId::from("a1")).map(|a| a.id),
            Some("a1".into())
        );
        // A load that started before a catalog write is not kept.
        let seen = caches.catalog_generation();
        caches.forget_tracks(&[TrackId::from("t1")]);
        assert!(caches.artist(&ArtistId::from("a1")).is_none());
        caches.remember_artists(seen, &[artist("a2")]);
        assert!(caches.artist(&ArtistId::from("a2")).is_none());
        // Another node's catalog write drops them too.
        caches.remember_artists(caches.catalog_generation(), &[artist("a3")]);
        caches.apply_remote(Dropped {
            tracks: &[TrackId::from("t2")],
            ..Dropped::default()
        });
        assert!(caches.artist(&ArtistId::from("a3")).is_none());
    }

    #[test]
    fn a_load_that_overlapped_an_invalidation_is_not_cached() {
        let caches = Caches::default();
        let seen = caches.token_generation();
        caches.forget_tokens();
        caches.remember_token(seen, "h".into(), user());
        assert!(caches.token("h").is_none());
        let seen = caches.token_generation();
        caches.remember_token(seen, "h".into(), user());
        assert_eq!(caches.token("h").map(|u| u.id), Some("u".into()));
        caches.forget_tokens();
        assert!(caches.token("h").is_none());
    }
}
