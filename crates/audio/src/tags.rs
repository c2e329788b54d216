//! The tags of an audio file as Medley keeps them, read from whichever tag formats the file
//! carries (ID3v2, Vorbis comments, MP4 atoms, APE, RIFF INFO…): for each field, the file's
//! primary tag first, then the others.

use lofty::tag::{Accessor, ItemKey, Tag};
use serde::{Deserialize, Serialize};

/// What the tags say. Everything is optional: a file without tags is still music.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AudioTags {
    pub title: Option<String>,
    /// Every artist of the track, in order (several values, or one split on `;`).
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_number: Option<u32>,
    pub track_total: Option<u32>,
    pub disc_number: Option<u32>,
    pub disc_total: Option<u32>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: Option<String>,
    pub genres: Vec<String>,
    /// Upper case, without hyphens.
    pub isrc: Option<String>,
    pub musicbrainz: MusicBrainzIds,
    pub replay_gain: ReplayGain,
    /// The embedded cover picture, if any (its bytes stay in the file).
    pub cover: Option<Cover>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MusicBrainzIds {
    pub recording_id: Option<String>,
    pub track_id: Option<String>,
    pub release_id: Option<String>,
    pub release_group_id: Option<String>,
    pub artist_ids: Vec<String>,
    pub release_artist_ids: Vec<String>,
}

/// ReplayGain, in dB for gains and as a linear factor for peaks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplayGain {
    pub track_gain_db: Option<f64>,
    pub track_peak: Option<f64>,
    pub album_gain_db: Option<f64>,
    pub album_peak: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cover {
    /// `image/jpeg`, `image/png`…, when the file says.
    pub mime: Option<String>,
    pub bytes: u64,
}

/// Reads the fields from `tags`, the primary one first.
pub(crate) fn read(tags: &[&Tag]) -> AudioTags {
    let text = |key: ItemKey| -> Option<String> {
        tags.iter()
            .find_map(|t| t.get_string(key).map(clean).filter(|s| !s.is_empty()))
    };
    let many = |key: ItemKey| -> Vec<String> {
        let values = tags
            .iter()
            .map(|t| t.get_strings(key).collect::<Vec<_>>())
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        split_values(values)
    };
    let number = |get: fn(&Tag) -> Option<u32>| tags.iter().find_map(|t| get(t));
    let mut artists = many(ItemKey::TrackArtists);
    if artists.is_empty() {
        artists = many(ItemKey::TrackArtist);
    }
    AudioTags {
        title: text(ItemKey::TrackTitle),
        artists,
        album: text(ItemKey::AlbumTitle),
        album_artist: text(ItemKey::AlbumArtist),
        track_number: number(|t| t.track()).filter(|n| *n > 0),
        track_total: number(|t| t.track_total()).filter(|n| *n > 0),
        disc_number: number(|t| t.disk()).filter(|n| *n > 0),
        disc_total: number(|t| t.disk_total()).filter(|n| *n > 0),
        date: date(tags),
        genres: many(ItemKey::Genre),
        isrc: text(ItemKey::Isrc).and_then(|s| isrc(&s)),
        musicbrainz: MusicBrainzIds {
            recording_id: text(ItemKey::MusicBrainzRecordingId),
            track_id: text(ItemKey::MusicBrainzTrackId),
            release_id: text(ItemKey::MusicBrainzReleaseId),
            release_group_id: text(ItemKey::MusicBrainzReleaseGroupId),
            artist_ids: many(ItemKey::MusicBrainzArtistId),
            release_artist_ids: many(ItemKey::MusicBrainzReleaseArtistId),
        },
        replay_gain: ReplayGain {
            track_gain_db: text(ItemKey::ReplayGainTrackGain).and_then(|s| decimal(&s)),
            track_peak: text(ItemKey::ReplayGainTrackPeak).and_then(|s| decimal(&s)),
            album_gain_db: text(ItemKey::ReplayGainAlbumGain).and_then(|s| decimal(&s)),
            album_peak: text(ItemKey::ReplayGainAlbumPeak).and_then(|s| decimal(&s)),
        },
        cover: tags
            .iter()
            .find_map(|t| t.pictures().first())
            .map(|p| Cover {
                mime: p.mime_type().map(|m| m.as_str().to_owned()),
                bytes: p.data().len() as u64,
            }),
    }
}

/// Trims and drops the NULs some writers leave at the end.
fn clean(s: &str) -> String {
    s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_owned()
}

/// Several values of one field: separate items, or one item listing them with NUL (ID3v2.4),
/// `;` or ` / ` between them. A bare `/` is kept: it is part of names such as AC/DC.
pub fn split_values<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        for part in value
            .split(['\0', ';'])
            .flat_map(|p| p.split(" / "))
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if !out.iter().any(|o| o == part) {
                out.push(part.to_owned());
            }
        }
    }
    out
}

/// The recording date, or failing that the release or original date, as `YYYY[-MM[-DD]]`.
fn date(tags: &[&Tag]) -> Option<String> {
    if let Some(ts) = tags.iter().find_map(|t| t.date()) {
        if (1..=9999).contains(&ts.year) {
            let mut out = format!("{:04}", ts.year);
            if let Some(m) = ts.month.filter(|m| (1..=12).contains(m)) {
                out.push_str(&format!("-{m:02}"));
                if let Some(d) = ts.day.filter(|d| (1..=31).contains(d)) {
                    out.push_str(&format!("-{d:02}"));
                }
            }
            return Some(out);
        }
    }
    [
        ItemKey::RecordingDate,
        ItemKey::Year,
        ItemKey::ReleaseDate,
        ItemKey::OriginalReleaseDate,
    ]
    .into_iter()
    .find_map(|key| tags.iter().find_map(|t| t.get_string(key)))
    .and_then(date_prefix)
}

/// The longest `YYYY`, `YYYY-MM` or `YYYY-MM-DD` at the start of `s`.
pub fn date_prefix(s: &str) -> Option<String> {
    let s = s.trim();
    let digits = |part: &str, n: usize| part.len() == n && part.bytes().all(|b| b.is_ascii_digit());
    let year = s.get(..4).filter(|y| digits(y, 4) && *y != "0000")?;
    let month = s
        .get(4..7)
        .and_then(|m| m.strip_prefix('-'))
        .filter(|m| digits(m, 2) && ("01"..="12").contains(m));
    let Some(month) = month else {
        return Some(year.to_owned());
    };
    let day = s
        .get(7..10)
        .and_then(|d| d.strip_prefix('-'))
        .filter(|d| digits(d, 2) && ("01"..="31").contains(d));
    Some(match day {
        Some(day) => format!("{year}-{month}-{day}"),
        None => format!("{year}-{month}"),
    })
}

/// An ISRC (`US-RC1-76-07839` or `usrc17607839`) as 12 upper-case characters, if it is one.
pub fn isrc(s: &str) -> Option<String> {
    let code: String = s
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    (code.len() == 12 && code.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(code)
}

/// The number at the start of `-6.50 dB` or `0.988547`.
fn decimal(s: &str) -> Option<f64> {
    s.split_whitespace()
        .next()?
        .trim_end_matches("dB")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_artists_are_split_but_names_with_a_slash_are_kept() {
        assert_eq!(
            split_values(["Alpha; Beta", "Beta", "AC/DC", "Gamma\0Delta", "One / Two"]),
            ["Alpha", "Beta", "AC/DC", "Gamma", "Delta", "One", "Two"]
        );
    }

    #[test]
    fn dates_keep_their_precision() {
        assert_eq!(date_prefix("2019").as_deref(), Some("2019"));
        assert_eq!(date_prefix("2019-05").as_deref(), Some("2019-05"));
        assert_eq!(
            date_prefix("2019-05-03T10:00").as_deref(),
            Some("2019-05-03")
        );
        assert_eq!(date_prefix("2019-13-03").as_deref(), Some("2019"));
        assert_eq!(date_prefix("19"), None);
    }

    #[test]
    fn isrcs_are_normalised_or_dropped() {
        assert_eq!(isrc("us-rc1-76-07839").as_deref(), Some("USRC17607839"));
        assert_eq!(isrc("not an isrc"), None);
    }

    #[test]
    fn gains_read_with_or_without_their_unit() {
        assert_eq!(decimal("-6.50 dB"), Some(-6.5));
        assert_eq!(decimal("+1.2dB"), Some(1.2));
        assert_eq!(decimal("0.988547"), Some(0.988547));
        assert_eq!(decimal("loud"), None);
    }
}
