//! The catalog: artists, albums and tracks (seed 002's "song" and "author"), and the shape in
//! which new tracks arrive.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::id::{AlbumId, ArtistId, TrackId};

/// An artist as embedded in tracks and albums.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtistRef {
    pub id: ArtistId,
    pub name: String,
}

/// A full artist record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artist {
    pub id: ArtistId,
    pub name: String,
    /// `YYYY-MM-DD` for people, founding date for groups.
    pub birth_date: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Free text such as `active` or `disbanded`.
    pub status: Option<String>,
    pub spotify_id: Option<String>,
}

/// An album, with its primary artist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Album {
    pub id: AlbumId,
    pub name: String,
    pub artists: Vec<ArtistRef>,
    pub release_date: Option<String>,
    pub album_type: String,
    pub total_tracks: i64,
    pub spotify_id: Option<String>,
    /// The album's cover picture, when one was found (embedded in a file, or beside it).
    #[serde(default)]
    pub cover: Option<Cover>,
}

/// A cover picture as the catalog knows it: the album it is the cover of, the SHA-256 of its
/// bytes (which names the stored picture and goes into its URLs, so they never change) and
/// its size in pixels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cover {
    pub album_id: AlbumId,
    pub hash: String,
    pub width: i64,
    pub height: i64,
}

impl Cover {
    /// Width and height when the picture is fitted within `size`×`size` pixels, keeping its
    /// aspect; never larger than the picture itself.
    pub fn fitted(&self, size: i64) -> (i64, i64) {
        fit(self.width, self.height, size)
    }
}

/// `width`×`height` fitted within `size`×`size`, keeping the aspect (at least 1×1), never
/// enlarged.
pub fn fit(width: i64, height: i64, size: i64) -> (i64, i64) {
    let (w, h) = (width.max(1), height.max(1));
    if w <= size && h <= size {
        return (w, h);
    }
    if w >= h {
        (size, ((h * size + w / 2) / w).max(1))
    } else {
        (((w * size + h / 2) / h).max(1), size)
    }
}

/// A track with everything needed to render Spotify's track object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    pub id: TrackId,
    pub name: String,
    pub album: Album,
    pub artists: Vec<ArtistRef>,
    pub duration_ms: i64,
    pub isrc: Option<String>,
    pub explicit: bool,
    pub track_number: i64,
    pub disc_number: i64,
    pub popularity: i64,
    pub spotify_id: Option<String>,
    /// Other external ids (`upc`, `ean`, …); `isrc` lives in its own field.
    pub external_ids: BTreeMap<String, String>,
}

/// Most tracks one `POST /v1/library/tracks` may carry.
pub const MAX_TRACKS_PER_WRITE: usize = 1000;

/// A track to add to the catalog; artists and album are found or created by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTrack {
    pub name: String,
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub duration_ms: i64,
    pub isrc: Option<String>,
    pub release_date: Option<String>,
    pub explicit: bool,
    pub track_number: Option<i64>,
    pub spotify_id: Option<String>,
    pub external_ids: BTreeMap<String, String>,
    /// Optional artist metadata, keyed by artist name, applied when the artist is created.
    pub artist_details: BTreeMap<String, ArtistDetails>,
}

/// Descriptive fields of an artist that a catalog write may carry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtistDetails {
    pub birth_date: Option<String>,
    pub country: Option<String>,
    pub status: Option<String>,
}

/// Why a new track was refused; the text is shown to the user with the item's index.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TrackError {
    #[error("`name` must be 1 to 500 characters")]
    Name,
    #[error("`artists` must name 1 to 20 artists of 1 to 300 characters each")]
    Artists,
    #[error("`album` must be 1 to 500 characters when given")]
    AlbumName,
    #[error("`duration_ms` must be between 1 and 86400000 (one day)")]
    Duration,
    #[error("`isrc` must be 12 letters and digits, such as `USRC17607839`")]
    Isrc,
    #[error("`release_date` must be `YYYY`, `YYYY-MM` or `YYYY-MM-DD`")]
    ReleaseDate,
    #[error("`track_number` must be between 1 and 10000")]
    TrackNumber,
    #[error("`external_ids.spotify` must be a Spotify track id (letters and digits)")]
    SpotifyId,
    #[error("`name`, `artists` and `album` must not contain control characters (such as NUL, tabs or line breaks)")]
    Control,
}

impl NewTrack {
    /// Checks every field; the first problem found is returned.
    pub fn validate(&self) -> Result<(), TrackError> {
        let mut names = std::iter::once(&self.name)
            .chain(&self.artists)
            .chain(&self.album);
        if !names.all(|n| crate::names::name_is_clean(n)) {
            return Err(TrackError::Control);
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 500 {
            return Err(TrackError::Name);
        }
        if self.artists.is_empty()
            || self.artists.len() > 20
            || self
                .artists
                .iter()
                .any(|a| a.trim().is_empty() || a.chars().count() > 300)
        {
            return Err(TrackError::Artists);
        }
        if let Some(album) = &self.album {
            if album.trim().is_empty() || album.chars().count() > 500 {
                return Err(TrackError::AlbumName);
            }
        }
        if !(1..=86_400_000).contains(&self.duration_ms) {
            return Err(TrackError::Duration);
        }
        if let Some(isrc) = &self.isrc {
            if isrc.len() != 12 || !isrc.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(TrackError::Isrc);
            }
        }
        if let Some(date) = &self.release_date {
            date_precision(date).ok_or(TrackError::ReleaseDate)?;
        }
        if let Some(n) = self.track_number {
            if !(1..=10_000).contains(&n) {
                return Err(TrackError::TrackNumber);
            }
        }
        if let Some(id) = &self.spotify_id {
            if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(TrackError::SpotifyId);
            }
        }
        Ok(())
    }
}

/// `year`, `month` or `day` for a valid release date, as Spotify's `release_date_precision`.
pub fn date_precision(date: &str) -> Option<&'static str> {
    let parts: Vec<&str> = date.split('-').collect();
    let num = |s: &str, len: usize, max: u32| {
        s.len() == len
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n))
    };
    match parts.as_slice() {
        [y] if num(y, 4, 9999) => Some("year"),
        [y, m] if num(y, 4, 9999) && num(m, 2, 12) => Some("month"),
        [y, m, d] if num(y, 4, 9999) && num(m, 2, 12) && num(d, 2, 31) => Some("day"),
        _ => None,
    }
}

/// The key under which names are matched when artists and albums are "found or created by
/// name": case-insensitive, surrounding and repeated white space ignored.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_fit_keeping_their_aspect_and_are_never_enlarged() {
        assert_eq!(fit(1000, 1000, 300), (300, 300));
        assert_eq!(fit(1200, 600, 300), (300, 150));
        assert_eq!(fit(600, 1200, 64), (32, 64));
        assert_eq!(fit(200, 100, 640), (200, 100));
        assert_eq!(fit(5000, 1, 64), (64, 1));
    }

    fn track() -> NewTrack {
        NewTrack {
            name: "Song".into(),
            artists: vec!["Band".into()],
            duration_ms: 1000,
            ..Default::default()
        }
    }

    #[test]
    fn a_minimal_track_is_valid() {
        assert_eq!(track().validate(), Ok(()));
    }

    #[test]
    fn each_bad_field_is_named() {
        type Mutation = Box<dyn Fn(&mut NewTrack)>;
        let cases: Vec<(Mutation, TrackError)> = vec![
            (Box::new(|t| t.name = " ".into()), TrackError::Name),
            (Box::new(|t| t.artists.clear()), TrackError::Artists),
            (Box::new(|t| t.name = "a\0b".into()), TrackError::Control),
            (
                Box::new(|t| t.album = Some("x\u{1b}".into())),
                TrackError::Control,
            ),
            (Box::new(|t| t.duration_ms = 0), TrackError::Duration),
            (Box::new(|t| t.isrc = Some("XX".into())), TrackError::Isrc),
            (
                Box::new(|t| t.release_date = Some("2020-13".into())),
                TrackError::ReleaseDate,
            ),
            (
                Box::new(|t| t.track_number = Some(0)),
                TrackError::TrackNumber,
            ),
        ];
        for (mutate, expected) in cases {
            let mut t = track();
            mutate(&mut t);
            assert_eq!(t.validate(), Err(expected));
        }
    }

    #[test]
    fn release_date_precision_follows_spotify() {
        assert_eq!(date_precision("1999"), Some("year"));
        assert_eq!(date_precision("1999-02"), Some("month"));
        assert_eq!(date_precision("1999-02-28"), Some("day"));
        assert_eq!(date_precision("99-02-28"), None);
        assert_eq!(date_precision("1999-2-28"), None);
    }

    #[test]
    fn name_keys_fold_case_and_space() {
        assert_eq!(name_key("  The   Beatles "), name_key("the beatles"));
    }
}
