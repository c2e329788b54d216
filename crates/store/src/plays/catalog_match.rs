//! The rule that matches a played item to the catalog, written once for both play writers.
//! It is pure: a writer looks up the candidate rows its own way (SQLite one item at a time,
//! PostgreSQL in bulk) and this module chooses among them, so that both backends resolve
//! every play alike, ties included.
//!
//! A played track is matched:
//! 1. by Spotify id: the track with the play's Spotify id (unique in the catalog);
//! 2. else by first artist and title (their name keys, [`name_key`]). When the play has a
//!    Spotify id, a track with another one is another recording of the title and is passed
//!    over. Ties between the remaining tracks are broken, in this order, by:
//!    1. the album: a track on the play's album (by name key) comes first; for a play that
//!       names no album, one on an album named as the title (where a track created from such
//!       a play goes, as its own single);
//!    2. age: the earliest created (`created_at`), so that a track added to the catalog
//!       later never takes plays away from the one that had them;
//!    3. the smallest id, compared byte by byte, for tracks created in the same millisecond.
//!
//!    The chosen track takes the play's Spotify id when it has none;
//! 3. else it is a new track.
//!
//! A played episode is matched by Spotify id, else by show and title (the catalog keeps one
//! episode per show and title, which takes the play's Spotify id when it has none), else it
//! is a new episode.
//!
//! [`name_key`]: medley_domain::catalog::name_key

use medley_domain::catalog::name_key;
use medley_domain::Id;

/// A track to find or create, borrowed from a [`super::PlayedItem::Track`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct WantedTrack<'a> {
    pub(crate) spotify_id: Option<&'a str>,
    pub(crate) name: &'a str,
    pub(crate) artist: &'a str,
    pub(crate) album: Option<&'a str>,
}

impl WantedTrack<'_> {
    /// The album a new track of this play goes on: the play's, or a single named as the track.
    pub(crate) fn album_name(&self) -> &str {
        self.album.unwrap_or(self.name)
    }
}

/// A catalog track that may be the one a play names: the writers pass the track with the
/// play's Spotify id if there is one, else the tracks with its first artist and title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrackRow {
    pub(crate) id: Id,
    pub(crate) spotify_id: Option<String>,
    /// The name key of the track's album.
    pub(crate) album_key: String,
    pub(crate) created_at_ms: i64,
}

/// A catalog episode that may be the one a play names: the one with the play's Spotify id,
/// or the one with its show and title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EpisodeRow {
    pub(crate) id: Id,
    pub(crate) spotify_id: Option<String>,
}

/// What a writer does with a played item: `T` is the chosen catalog row (or its id).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Choice<T> {
    /// This catalog item, as it is.
    Take(T),
    /// This catalog item, which has no Spotify id: it takes the play's.
    Adopt(T),
    /// None fits: a new catalog item.
    Create,
}

impl<T> Choice<T> {
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Choice<U> {
        match self {
            Choice::Take(t) => Choice::Take(f(t)),
            Choice::Adopt(t) => Choice::Adopt(f(t)),
            Choice::Create => Choice::Create,
        }
    }
}

/// The track `play` names among `candidates` (see the module documentation). A candidate
/// with the play's Spotify id is taken whatever else is passed, so a writer that found one
/// need not look up names.
pub(crate) fn choose_track<'r>(
    play: &WantedTrack,
    candidates: &'r [TrackRow],
) -> Choice<&'r TrackRow> {
    let album_key = name_key(play.album_name());
    let best = |rows: &mut dyn Iterator<Item = &'r TrackRow>| {
        rows.min_by_key(|row| {
            (
                row.album_key != album_key,
                row.created_at_ms,
                row.id.as_str(),
            )
        })
    };
    if let Some(sid) = play.spotify_id {
        let mut same_id = candidates
            .iter()
            .filter(|row| row.spotify_id.as_deref() == Some(sid));
        if let Some(row) = best(&mut same_id) {
            return Choice::Take(row);
        }
    }
    let mut open = candidates
        .iter()
        .filter(|row| row.spotify_id.is_none() || play.spotify_id.is_none());
    match best(&mut open) {
        Some(row) if row.spotify_id.is_none() && play.spotify_id.is_some() => Choice::Adopt(row),
        Some(row) => Choice::Take(row),
        None => Choice::Create,
    }
}

/// The episode a play with `spotify_id` names among `candidates` (see the module
/// documentation). Like [`choose_track`], a candidate with the play's Spotify id wins.
pub(crate) fn choose_episode<'r>(
    spotify_id: Option<&str>,
    candidates: &'r [EpisodeRow],
) -> Choice<&'r EpisodeRow> {
    let smallest = |rows: &mut dyn Iterator<Item = &'r EpisodeRow>| rows.min_by_key(|r| &r.id);
    if let Some(sid) = spotify_id {
        let mut same_id = candidates
            .iter()
            .filter(|row| row.spotify_id.as_deref() == Some(sid));
        if let Some(row) = smallest(&mut same_id) {
            return Choice::Take(row);
        }
    }
    match smallest(&mut candidates.iter()) {
        Some(row) if row.spotify_id.is_none() && spotify_id.is_some() => Choice::Adopt(row),
        Some(row) => Choice::Take(row),
        None => Choice::Create,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, spotify_id: Option<&str>, album: &str, created_at_ms: i64) -> TrackRow {
        TrackRow {
            id: id.into(),
            spotify_id: spotify_id.map(Into::into),
            album_key: album.into(),
            created_at_ms,
        }
    }

    fn play<'a>(spotify_id: Option<&'a str>, album: Option<&'a str>) -> WantedTrack<'a> {
        WantedTrack {
            spotify_id,
            name: "Song",
            artist: "Band",
            album,
        }
    }

    /// The chosen id, and whether it adopts the play's Spotify id.
    fn chosen<R>(choice: Choice<&R>, id: impl Fn(&R) -> &str) -> Option<(String, bool)> {
        match choice.map(|row| id(row).to_owned()) {
            Choice::Take(id) => Some((id, false)),
            Choice::Adopt(id) => Some((id, true)),
            Choice::Create => None,
        }
    }

    fn track(choice: Choice<&TrackRow>) -> Option<(String, bool)> {
        chosen(choice, |row| &row.id)
    }

    fn some(id: &str, adopts: bool) -> Option<(String, bool)> {
        Some((id.to_owned(), adopts))
    }

    #[test]
    fn the_spotify_id_wins_over_everything_else() {
        let rows = [
            row("a", None, "album", 1),
            row("b", Some("sp2"), "other", 9),
            row("c", Some("sp1"), "other", 5),
        ];
        let choice = choose_track(&play(Some("sp1"), Some("Album")), &rows);
        assert_eq!(track(choice), some("c", false));
    }

    #[test]
    fn ties_go_to_the_album_then_the_oldest_then_the_smallest_id() {
        let rows = [
            row("d", None, "live", 1),
            row("c", None, "album", 7),
            row("b", None, "album", 3),
            row("a", None, "album", 3),
        ];
        let no_id = play(None, Some("  ALBUM "));
        assert_eq!(track(choose_track(&no_id, &rows)), some("a", false));
        // Another album: the oldest.
        let elsewhere = play(None, Some("Best of"));
        assert_eq!(track(choose_track(&elsewhere, &rows)), some("d", false));
        // The order of the rows changes nothing.
        let mut reversed = rows.to_vec();
        reversed.reverse();
        assert_eq!(track(choose_track(&no_id, &reversed)), some("a", false));
        assert_eq!(track(choose_track(&elsewhere, &reversed)), some("d", false));
    }

    #[test]
    fn a_play_without_an_album_prefers_the_single_named_as_the_track() {
        let rows = [row("a", None, "album", 1), row("b", None, "song", 2)];
        assert_eq!(
            track(choose_track(&play(None, None), &rows)),
            some("b", false)
        );
    }

    #[test]
    fn tracks_with_another_spotify_id_are_other_recordings() {
        let rows = [
            row("a", Some("sp2"), "album", 1),
            row("b", None, "other", 5),
            row("c", None, "other", 4),
        ];
        // The play's id goes to the oldest track without one, even on another album.
        let with_id = play(Some("sp1"), Some("Album"));
        assert_eq!(track(choose_track(&with_id, &rows)), some("c", true));
        // Only tracks with other ids: a new recording.
        assert_eq!(track(choose_track(&with_id, &rows[..1])), None);
        // A play without an id takes any of them, by album first.
        let no_id = play(None, Some("Album"));
        assert_eq!(track(choose_track(&no_id, &rows)), some("a", false));
    }

    #[test]
    fn nothing_found_means_a_new_track() {
        assert_eq!(track(choose_track(&play(None, None), &[])), None);
        assert_eq!(track(choose_track(&play(Some("sp1"), None), &[])), None);
    }

    #[test]
    fn episodes_by_spotify_id_then_by_show_and_title() {
        let ep = |id: &str, sid: Option<&str>| EpisodeRow {
            id: id.into(),
            spotify_id: sid.map(Into::into),
        };
        let id_of = |choice| chosen(choice, |row: &EpisodeRow| &row.id);
        let rows = [ep("b", None), ep("a", Some("e1"))];
        assert_eq!(id_of(choose_episode(Some("e1"), &rows)), some("a", false));
        assert_eq!(
            id_of(choose_episode(Some("e2"), &rows[..1])),
            some("b", true)
        );
        // The one episode of a show and title is kept whatever its Spotify id.
        assert_eq!(
            id_of(choose_episode(Some("e2"), &rows[1..])),
            some("a", false)
        );
        assert_eq!(id_of(choose_episode(None, &rows[..1])), some("b", false));
        assert_eq!(id_of(choose_episode(None, &[])), None);
    }
}
