//! Deterministic re-releases of the Chinook catalog for load tests: live albums, remasters,
//! deluxe editions, demo collections and acoustic sessions, round after round.

use medley_domain::catalog::NewTrack;

use crate::hash::{hash, pick};
use crate::meta::{date, isrc, Derived, LAST_RERELEASE_YEAR};
use crate::source::SourceTrack;

/// Kinds of re-release, used in turn: round 1 is live, round 2 remastered, …, round 6 live
/// again (numbered 2), and so on.
const EDITIONS: usize = 5;

const VENUES: &[&str] = &[
    "at the Apollo",
    "at Wembley",
    "at the Fillmore",
    "at Red Rocks",
    "at Budokan",
    "in Berlin",
    "in Rio",
    "in Montreux",
    "in Paris",
    "in Sydney",
    "at the Roxy",
    "in Dublin",
];

/// Round `round` (1-based) of `t`, whose original is `base`, as track number `serial` of
/// [`crate::scaled`].
pub(crate) fn variant(
    derived: &Derived,
    base: &NewTrack,
    t: &SourceTrack,
    round: usize,
    serial: usize,
) -> NewTrack {
    let kind = (round - 1) % EDITIONS;
    let cycle = (round - 1) / EDITIONS + 1;
    let n = if cycle == 1 {
        String::new()
    } else {
        format!(" {cycle}")
    };
    let original_year = derived.albums[t.album].0;
    // Album-level choices hash only album and round, so every track of an edition agrees.
    let ah = hash(&["edition", t.artist, t.album, &round.to_string()]);
    let th = hash(&["take", t.artist, t.album, t.name, &serial.to_string()]);
    let later = |min: i32, spread: u64| {
        (original_year + min + pick(ah, 2, spread) as i32).min(LAST_RERELEASE_YEAR)
    };
    // (album label, track-name suffix, release year, duration factor range in per mille)
    let (label, suffix, year, (lo, hi)): (String, Option<String>, i32, (i64, i64)) = match kind {
        0 => {
            let venue = VENUES[pick(ah, 1, VENUES.len() as u64) as usize];
            let label = format!("Live {venue}");
            (label, Some(format!("Live{n}")), later(1, 6), (1030, 1150))
        }
        1 => {
            let y = later(10, 15);
            (
                format!("{y} Remaster"),
                Some(format!("Remastered {y}")),
                y,
                (1000, 1000),
            )
        }
        2 => (
            "Deluxe Edition".to_string(),
            None,
            later(1, 12),
            (1000, 1000),
        ),
        3 => (
            "Demos".to_string(),
            Some(format!("Demo{n}")),
            later(15, 16),
            (850, 1000),
        ),
        _ => {
            let label = "Acoustic Sessions".to_string();
            (
                label,
                Some(format!("Acoustic{n}")),
                later(2, 14),
                (900, 1050),
            )
        }
    };
    let factor = lo + pick(th, 3, (hi - lo + 1) as u64) as i64;
    let artist = derived.artist(t.artist);
    NewTrack {
        name: match suffix {
            Some(s) => format!("{} ({s})", t.name),
            None => t.name.to_string(),
        },
        album: Some(format!("{} ({label}{n})", t.album)),
        duration_ms: (base.duration_ms * factor / 1000).max(1),
        isrc: Some(isrc(artist.country, artist.label, year, serial as u64)),
        release_date: Some(date(year, ah, 3)),
        ..base.clone()
    }
}
