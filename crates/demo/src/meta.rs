//! Invented but believable metadata for the Chinook catalog, derived only from names:
//! artist profiles (country, birth or founding date, status), album release dates, track
//! numbers, explicit flags and ISRCs.

use std::collections::{BTreeMap, HashMap, HashSet};

use medley_domain::catalog::ArtistDetails;

use crate::hash::{hash, pick};
use crate::source::SourceTrack;

/// Latest release year the demo invents for an original Chinook album.
pub(crate) const LAST_ALBUM_YEAR: i32 = 2013;
/// Latest release year for a re-release made up by [`crate::scaled`].
pub(crate) const LAST_RERELEASE_YEAR: i32 = 2024;

/// What the demo knows about one artist.
pub(crate) struct ArtistProfile {
    /// ISO 3166-1 alpha-2; also the ISRC country code.
    pub country: &'static str,
    /// Release year of the artist's first album; later albums fall in the following 15 years.
    pub career_start: i32,
    /// `YYYY-MM-DD`: birth date of a person, founding date of a group.
    pub birth_date: String,
    /// `active`, `disbanded` or `hiatus`.
    pub status: &'static str,
    /// Two letters that start every ISRC registrant code of this artist ("the label").
    pub label: [u8; 2],
}

impl ArtistProfile {
    fn new(name: &str, genre: &str) -> Self {
        let h = hash(&["artist", name]);
        let (first, last) = career_window(genre);
        let career_start = first + pick(h, 1, (last - first + 1) as u64) as i32;
        let group = is_group(name);
        let birth_year = if group {
            career_start - 1 - pick(h, 2, 3) as i32
        } else {
            career_start - 19 - pick(h, 2, 12) as i32
        };
        let status = match (group, pick(h, 3, 100)) {
            (true, 0..=54) | (false, 0..=79) => "active",
            (true, 55..=84) => "disbanded",
            _ => "hiatus",
        };
        ArtistProfile {
            country: country(genre, h),
            career_start,
            birth_date: date(birth_year, h, 4),
            status,
            label: [b'A' + pick(h, 6, 26) as u8, b'A' + pick(h, 7, 26) as u8],
        }
    }

    pub fn details(&self) -> ArtistDetails {
        ArtistDetails {
            birth_date: Some(self.birth_date.clone()),
            country: Some(self.country.to_string()),
            status: Some(self.status.to_string()),
        }
    }
}

/// Years in which an artist of this (first-seen) genre plausibly started recording.
fn career_window(genre: &str) -> (i32, i32) {
    match genre {
        "Rock And Roll" | "Bossa Nova" => (1960, 1966),
        "Jazz" | "Blues" | "Easy Listening" => (1960, 1992),
        "Rock" => (1962, 2000),
        "Metal" | "Heavy Metal" => (1970, 2000),
        "Alternative & Punk" => (1976, 2003),
        "Alternative" | "Hip Hop/Rap" | "Electronica/Dance" => (1985, 2005),
        "TV Shows" | "Drama" | "Comedy" | "Sci Fi & Fantasy" | "Science Fiction" => (2000, 2008),
        _ => (1965, 2005),
    }
}

/// Country lists by genre; repeats weight the draw.
fn country(genre: &str, h: u64) -> &'static str {
    const DEFAULT: &[&str] = &[
        "US", "US", "US", "US", "US", "GB", "GB", "GB", "GB", "CA", "AU", "IE", "SE", "DE", "FR",
        "NL", "NZ",
    ];
    const METAL: &[&str] = &[
        "US", "US", "US", "GB", "GB", "GB", "DE", "SE", "FI", "NO", "CA",
    ];
    const CLASSICAL: &[&str] = &[
        "DE", "AT", "GB", "GB", "IT", "FR", "US", "NL", "RU", "CZ", "HU",
    ];
    const REGGAE: &[&str] = &["JM", "JM", "JM", "JM", "GB"];
    const SCREEN: &[&str] = &["US"];
    const BRAZIL: &[&str] = &["BR"];
    let list = match genre {
        "Latin" | "Bossa Nova" => BRAZIL,
        "Reggae" => REGGAE,
        "Metal" | "Heavy Metal" => METAL,
        "Classical" | "Opera" => CLASSICAL,
        "TV Shows" | "Drama" | "Comedy" | "Sci Fi & Fantasy" | "Science Fiction" => SCREEN,
        _ => DEFAULT,
    };
    list[pick(h, 5, list.len() as u64) as usize]
}

/// A rough guess at whether a name is a group (founding date) rather than a person (birth
/// date): one word, "The …", or an ensemble word.
fn is_group(name: &str) -> bool {
    const GROUP_WORDS: &[&str] = &[
        "&",
        "Band",
        "Orchestra",
        "Ensemble",
        "Quartet",
        "Trio",
        "Choir",
        "Brothers",
        "Os",
        "Banda",
        "Various",
    ];
    let words: Vec<&str> = name.split_whitespace().collect();
    words.len() == 1
        || words.first() == Some(&"The")
        || words.iter().any(|w| GROUP_WORDS.contains(w))
}

/// `YYYY-MM-DD` for `year` with month and day drawn from `h` (days 1 to 28 only).
pub(crate) fn date(year: i32, h: u64, salt: u32) -> String {
    let month = 1 + pick(h, salt, 12);
    let day = 1 + pick(h, salt + 1, 28);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Per mille of tracks flagged explicit, by genre (about 8 % of Chinook overall).
fn explicit_per_mille(genre: &str) -> u64 {
    match genre {
        "Hip Hop/Rap" => 450,
        "Comedy" => 300,
        "Metal" | "Heavy Metal" => 150,
        "Alternative & Punk" => 140,
        "Alternative" => 120,
        "R&B/Soul" => 100,
        "Rock" | "Pop" | "Electronica/Dance" => 80,
        "Reggae" => 60,
        "Latin" => 40,
        "Soundtrack" => 30,
        "World" => 20,
        _ => 0,
    }
}

/// Whether a track is explicit; depends only on its names and genre.
pub(crate) fn explicit(t: &SourceTrack) -> bool {
    pick(hash(&["explicit", t.artist, t.album, t.name]), 0, 1000) < explicit_per_mille(t.genre)
}

/// Largest number of tracks [`isrc`] can number uniquely: 36 blocks of 100,000 with the
/// artist's label letters, then 12,960 blocks with all-numeric-led registrants.
pub(crate) const MAX_ISRC_SERIAL: u64 = (36 + 12_960) * 100_000;

const BASE36: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// ISRC `CC` + registrant (3) + year (2) + designation (5) for the track with global serial
/// `serial` (its position in [`crate::scaled`]).
///
/// Unique per serial whatever the country, label and year: the designation is a bijection
/// of `serial % 100_000`, and the registrant encodes `serial / 100_000` — the label letters
/// plus one base-36 digit for the first 36 blocks, a digit-led base-36 number after that
/// (letters and digits never collide in the first position).
pub(crate) fn isrc(country: &str, label: [u8; 2], year: i32, serial: u64) -> String {
    assert!(
        serial < MAX_ISRC_SERIAL,
        "medley-demo numbers at most {MAX_ISRC_SERIAL} tracks"
    );
    let block = serial / 100_000;
    // 7919 is prime and coprime to 100_000, so this permutes 0..100_000.
    let designation = ((serial % 100_000) * 7_919 + 31_337) % 100_000;
    let registrant = if block < 36 {
        [label[0], label[1], BASE36[block as usize]]
    } else {
        let b = (block - 36) as usize;
        [BASE36[b / 1296], BASE36[(b / 36) % 36], BASE36[b % 36]]
    };
    let registrant = std::str::from_utf8(&registrant).expect("ascii");
    format!(
        "{country}{registrant}{:02}{designation:05}",
        year.rem_euclid(100)
    )
}

/// Everything derived once for the whole Chinook table.
pub(crate) struct Derived {
    pub artists: HashMap<&'static str, ArtistProfile>,
    /// Album title → (release year, release date).
    pub albums: HashMap<&'static str, (i32, String)>,
    /// 1-based position of each track within its album, in Chinook order.
    pub track_numbers: Vec<i64>,
}

impl Derived {
    pub fn new(rows: &'static [SourceTrack]) -> Self {
        let mut artists = HashMap::new();
        let mut albums = HashMap::new();
        let mut counts: HashMap<&str, i64> = HashMap::new();
        let mut debuted = HashSet::new();
        let mut track_numbers = Vec::with_capacity(rows.len());
        for t in rows {
            let profile = artists
                .entry(t.artist)
                .or_insert_with(|| ArtistProfile::new(t.artist, t.genre));
            albums.entry(t.album).or_insert_with(|| {
                let h = hash(&["album", t.artist, t.album]);
                // The artist's first album (in Chinook order) opens the career; later ones
                // fall in the following 15 years.
                let year = if debuted.insert(t.artist) {
                    profile.career_start
                } else {
                    let span = (LAST_ALBUM_YEAR - profile.career_start).clamp(0, 15);
                    profile.career_start + pick(h, 1, span as u64 + 1) as i32
                };
                (year, date(year, h, 2))
            });
            let n = counts.entry(t.album).or_insert(0);
            *n += 1;
            track_numbers.push(*n);
        }
        Derived {
            artists,
            albums,
            track_numbers,
        }
    }

    pub fn artist(&self, name: &str) -> &ArtistProfile {
        &self.artists[name]
    }

    pub fn artist_details(&self, name: &str) -> BTreeMap<String, ArtistDetails> {
        BTreeMap::from([(name.to_string(), self.artist(name).details())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isrcs_are_unique_across_block_boundaries() {
        // Worst case: same country, label and year for every serial.
        let ranges = [
            0..250_000,
            3_550_000..3_650_000,
            MAX_ISRC_SERIAL - 150_000..MAX_ISRC_SERIAL,
        ];
        let mut seen = HashSet::new();
        for serial in ranges.into_iter().flatten() {
            let code = isrc("US", *b"AB", 1999, serial);
            assert_eq!(code.len(), 12, "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_alphanumeric()), "{code}");
            assert!(seen.insert(code.clone()), "duplicate {code} at {serial}");
        }
    }

    #[test]
    fn isrc_has_the_documented_shape() {
        assert_eq!(isrc("GB", *b"XY", 1987, 0), "GBXY08731337");
        assert!(isrc("GB", *b"XY", 2003, 100_000).starts_with("GBXY103"));
    }

    #[test]
    fn group_guess() {
        assert!(is_group("AC/DC"));
        assert!(is_group("The Police"));
        assert!(is_group("Antal Doráti & London Symphony Orchestra"));
        assert!(!is_group("Eric Clapton"));
    }
}
