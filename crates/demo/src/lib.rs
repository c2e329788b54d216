//! Medley's demo catalog: the Chinook sample database as ready-to-insert tracks, with
//! believable invented metadata, plus demo users, playlists and load-test catalogs of any
//! size. Everything is a pure function of the embedded data: the same call always returns
//! the same value, on every machine, with no randomness and no I/O.
//!
//! Layout:
//! - `data/chinook.tsv`: the Chinook tracks (artist, album, name, duration, genre, composer),
//!   converted once by `tools/convert_chinook.py` and embedded with `include_str!`;
//!   licence and origin in `data/LICENSE-chinook.md`.
//! - [`source`](crate::source()): the parsed rows, untouched.
//! - `hash`: FNV-1a + SplitMix64, the only source of variety.
//! - `meta`: artist profiles (country, birth date, status), album release dates, track
//!   numbers, explicit flags and ISRCs.
//! - [`chinook`]: the 3,503 Chinook tracks as [`NewTrack`]s.
//! - [`scaled`]: `n` tracks, Chinook first, then re-release rounds (`scale` module).
//! - [`users`], [`playlists`]: what `medley serve --demo` creates besides the catalog.
//! - [`clips`]: a short synthesised WAV clip per demo track, so the demo plays.
//!
//! This crate depends on `medley-domain` only: no storage, no HTTP, no clock.
#![forbid(unsafe_code)]

pub mod clips;
mod hash;
mod meta;
mod playlists;
mod scale;
mod source;

use std::collections::BTreeMap;

use medley_domain::catalog::NewTrack;

pub use playlists::{playlists, users, DemoPlaylist, DemoUser, DEMO_PASSWORD};
pub use source::{source, SourceTrack, CHINOOK_TRACKS};

use meta::{explicit, isrc, Derived};

/// The Chinook catalog as [`NewTrack`]s (3,503), in Chinook order, with metadata derived
/// from a hash of the names:
///
/// - `artists`: the Chinook artist alone (composers are never artists);
/// - `isrc`: artist country + 3-character registrant + 2-digit release year + 5 digits,
///   unique per track;
/// - `release_date`: `YYYY-MM-DD` per album, 1960 to 2013, within the artist's career;
/// - `explicit`: about 8 % of tracks, by genre (never classical, jazz or spoken word);
/// - `track_number`: position within the album in Chinook order, from 1;
/// - `artist_details`: birth or founding date, ISO country and `active` / `disbanded` /
///   `hiatus` for the track's artist — the same for every track of that artist.
pub fn chinook() -> Vec<NewTrack> {
    let rows = source();
    let derived = Derived::new(rows);
    originals(&derived)
}

fn originals(derived: &Derived) -> Vec<NewTrack> {
    source()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let artist = derived.artist(t.artist);
            let (year, release_date) = &derived.albums[t.album];
            NewTrack {
                name: t.name.to_string(),
                artists: vec![t.artist.to_string()],
                album: Some(t.album.to_string()),
                duration_ms: t.duration_ms,
                isrc: Some(isrc(artist.country, artist.label, *year, i as u64)),
                release_date: Some(release_date.clone()),
                explicit: explicit(t),
                track_number: Some(derived.track_numbers[i]),
                spotify_id: None,
                external_ids: BTreeMap::new(),
                artist_details: derived.artist_details(t.artist),
            }
        })
        .collect()
}

/// `n` tracks for load tests: the Chinook tracks first (so `scaled(n)` for `n <= 3503` is a
/// prefix of [`chinook`]), then round after round of re-releases of the whole catalog —
/// `<Album> (Live at Budokan)` with `Name (Live)`, `<Album> (2011 Remaster)` with
/// `Name (Remastered 2011)`, `<Album> (Deluxe Edition)`, `<Album> (Demos)` with
/// `Name (Demo)`, `<Album> (Acoustic Sessions)` with `Name (Acoustic)` — numbered from the
/// second cycle on (`Name (Live 2)`, `<Album> (Deluxe Edition 3)`).
///
/// Artists stay the Chinook artists; every round adds new albums (unique names, one release
/// date each). Every track has a distinct ISRC, up to 1.3 billion tracks (more panics).
/// The same `n` always yields the same list, and `scaled(n)` is a prefix of `scaled(n + k)`.
pub fn scaled(n: usize) -> Vec<NewTrack> {
    let rows = source();
    let derived = Derived::new(rows);
    let base = originals(&derived);
    (0..n)
        .map(|serial| {
            let (round, i) = (serial / base.len(), serial % base.len());
            if round == 0 {
                base[i].clone()
            } else {
                scale::variant(&derived, &base[i], &rows[i], round, serial)
            }
        })
        .collect()
}
