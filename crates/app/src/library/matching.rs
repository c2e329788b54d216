//! Which catalog track a file is the audio of: the track with its ISRC; else a track with the
//! same title, an artist in common and a duration within two seconds (the closest one); else a
//! track the same batch of files is adding; else a new track. So a track already in playlists
//! gains its audio, and two files of one recording share one track.
//!
//! Pure: callers read the candidates (by ISRC and by title) and write the outcome.

use std::collections::HashMap;

use medley_domain::TrackId;
use medley_store::{TitleCandidate, TrackChoice};

/// Durations within this much are the same recording.
pub const DURATION_TOLERANCE_MS: i64 = 2_000;

/// What a file is matched by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub isrc: Option<String>,
    /// `name_key` of the title.
    pub title: String,
    /// `name_key`s of its artists.
    pub artists: Vec<String>,
    pub duration_ms: i64,
}

impl Key {
    fn same_recording(&self, title: &str, artists: &[String], duration_ms: i64) -> bool {
        self.title == title
            && self.artists.iter().any(|a| artists.contains(a))
            && (self.duration_ms - duration_ms).abs() <= DURATION_TOLERANCE_MS
    }
}

/// Matches the files of one batch, remembering the tracks the batch adds.
#[derive(Default)]
pub struct Matcher {
    by_isrc: HashMap<String, TrackId>,
    by_title: HashMap<String, Vec<TitleCandidate>>,
    added: Vec<Key>,
}

impl Matcher {
    /// A matcher over the catalog tracks read for the batch: `(isrc, track)` pairs (the first of
    /// several tracks with one ISRC wins) and tracks by title.
    pub fn new(isrcs: Vec<(String, TrackId)>, titles: Vec<TitleCandidate>) -> Matcher {
        let mut by_isrc = HashMap::new();
        for (isrc, id) in isrcs {
            by_isrc.entry(isrc).or_insert(id);
        }
        let mut by_title: HashMap<String, Vec<TitleCandidate>> = HashMap::new();
        for c in titles {
            by_title.entry(c.name_key.clone()).or_default().push(c);
        }
        Matcher {
            by_isrc,
            by_title,
            added: Vec::new(),
        }
    }

    /// The track of a file with `key`: a catalog track, or one this batch adds. `None`: the
    /// caller adds a track and calls [`Matcher::adding`].
    pub fn find(&self, key: &Key) -> Option<TrackChoice> {
        if let Some(isrc) = &key.isrc {
            if let Some(id) = self.by_isrc.get(isrc) {
                return Some(TrackChoice::Existing(id.clone()));
            }
        }
        let closest = self
            .by_title
            .get(&key.title)
            .into_iter()
            .flatten()
            .filter(|c| key.same_recording(&c.name_key, &c.artist_keys, c.duration_ms))
            .min_by_key(|c| ((key.duration_ms - c.duration_ms).abs(), c.track_id.clone()));
        if let Some(c) = closest {
            return Some(TrackChoice::Existing(c.track_id.clone()));
        }
        if let Some(isrc) = &key.isrc {
            if let Some(i) = self
                .added
                .iter()
                .position(|a| a.isrc.as_ref() == Some(isrc))
            {
                return Some(TrackChoice::New(i));
            }
        }
        self.added
            .iter()
            .enumerate()
            .filter(|(_, a)| key.same_recording(&a.title, &a.artists, a.duration_ms))
            .min_by_key(|(_, a)| (key.duration_ms - a.duration_ms).abs())
            .map(|(i, _)| TrackChoice::New(i))
    }

    /// Records that the batch adds a track for `key`; returns its index among the added.
    pub fn adding(&mut self, key: Key) -> usize {
        self.added.push(key);
        self.added.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(isrc: Option<&str>, title: &str, artists: &[&str], duration_ms: i64) -> Key {
        Key {
            isrc: isrc.map(str::to_owned),
            title: title.into(),
            artists: artists.iter().map(|a| a.to_string()).collect(),
            duration_ms,
        }
    }

    fn candidate(id: &str, title: &str, artists: &[&str], duration_ms: i64) -> TitleCandidate {
        TitleCandidate {
            track_id: id.into(),
            name_key: title.into(),
            duration_ms,
            artist_keys: artists.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn existing(id: &str) -> Option<TrackChoice> {
        Some(TrackChoice::Existing(id.into()))
    }

    #[test]
    fn an_isrc_wins_over_everything_else() {
        let m = Matcher::new(
            vec![("USRC17607839".into(), "by-isrc".into())],
            vec![candidate("by-title", "song", &["band"], 200_000)],
        );
        let k = key(Some("USRC17607839"), "song", &["band"], 200_000);
        assert_eq!(m.find(&k), existing("by-isrc"));
        let other_isrc = key(Some("GBAAA0000001"), "song", &["band"], 200_000);
        assert_eq!(m.find(&other_isrc), existing("by-title"));
    }

    #[test]
    fn title_artist_and_duration_within_two_seconds_match_the_closest() {
        let m = Matcher::new(
            vec![],
            vec![
                candidate("far", "song", &["band"], 201_900),
                candidate("near", "song", &["band", "guest"], 200_500),
                candidate("other-artist", "song", &["someone"], 200_000),
            ],
        );
        assert_eq!(
            m.find(&key(None, "song", &["guest"], 200_000)),
            existing("near")
        );
        assert_eq!(
            m.find(&key(None, "song", &["band"], 202_500)),
            existing("far")
        );
        assert_eq!(m.find(&key(None, "song", &["band"], 204_000)), None);
        assert_eq!(m.find(&key(None, "song", &["nobody"], 200_000)), None);
        assert_eq!(m.find(&key(None, "other", &["band"], 200_000)), None);
    }

    #[test]
    fn two_seconds_is_the_limit() {
        let m = Matcher::new(vec![], vec![candidate("t", "song", &["band"], 202_000)]);
        assert_eq!(
            m.find(&key(None, "song", &["band"], 200_000)),
            existing("t")
        );
        assert_eq!(
            m.find(&key(None, "song", &["band"], 204_000)),
            existing("t")
        );
        assert_eq!(m.find(&key(None, "song", &["band"], 199_999)), None);
        assert_eq!(m.find(&key(None, "song", &["band"], 204_001)), None);
    }

    #[test]
    fn files_of_one_batch_share_the_track_they_add() {
        let mut m = Matcher::new(vec![], vec![]);
        let first = key(Some("USRC17607839"), "song", &["band"], 200_000);
        assert_eq!(m.find(&first), None);
        assert_eq!(m.adding(first), 0);
        let same_isrc = key(Some("USRC17607839"), "renamed", &["x"], 1);
        assert_eq!(m.find(&same_isrc), Some(TrackChoice::New(0)));
        let same_song = key(None, "song", &["band"], 201_000);
        assert_eq!(m.find(&same_song), Some(TrackChoice::New(0)));
        let other = key(None, "song", &["band"], 260_000);
        assert_eq!(m.find(&other), None);
        assert_eq!(m.adding(other), 1);
        assert_eq!(
            m.find(&key(None, "song", &["band"], 259_000)),
            Some(TrackChoice::New(1))
        );
    }
}
