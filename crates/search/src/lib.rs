//! Medley's catalog search: ranked ids of tracks, artists and albums for a user's query,
//! tolerant of case, accents and punctuation ("beyonce" finds "Beyoncé", "acdc" finds "AC/DC").
//!
//! Design:
//! - One in-memory tantivy index per [`Kind`], all with the same schema (`schema.rs`): the
//!   object's own name, and the names of related objects (a track's artists and album, an
//!   album's artists). Separate indexes keep term statistics per kind and make counts free.
//!   The index is not persisted: the server rebuilds it from the database at start.
//! - `normalize.rs` folds text identically on both sides: tokens split on anything but letters
//!   and digits, lower-cased and ASCII-folded, plus "squashed" forms with the punctuation and
//!   spaces removed, so "AC/DC", "ac dc", "AC-DC" and "acdc" meet.
//! - `query.rs` builds the query programmatically (term, phrase and prefix queries in a boolean
//!   query), never through tantivy's query parser, so no user text is a syntax error. Constant
//!   score tiers put whole-name matches first, then documents by the number of query terms they
//!   match, own-name matches before related-name ones; BM25 orders the rest. The last term
//!   also matches as a prefix, for search-as-you-type (`prefix.rs`). Each word is one part,
//!   scored from one cursor per field (`word.rs`); the union of a query's parts is ranked by
//!   WAND (`top.rs`): a document is looked at only where parts worth the page meet on it.
//!   With several terms the documents matching all of them are ranked first and alone; the
//!   whole union only when they do not fill the page. The total is counted from the
//!   postings, unscored (`count.rs`).
//! - [`SearchIndex::index_tracks`] upserts by id (delete by id, then add), deduplicates the
//!   artists and albums the tracks name, commits and reloads the readers before returning.
//!   A bulk load pauses background merges and merges each kind into one segment at the end
//!   ([`SearchIndex::pause_merges`], [`SearchIndex::merge_segments`]).
//!
//! This crate knows nothing of storage or HTTP: callers hand it [`TrackDoc`]s and get ids back.
#![forbid(unsafe_code)]

mod constant;
mod count;
mod error;
mod index;
pub mod normalize;
mod prefix;
mod query;
#[cfg(test)]
mod sample;
mod schema;
mod sum_where;
mod top;
mod word;

pub use error::SearchError;
pub use index::SearchIndex;

/// What is indexed for one track: the track, its artists and its album.
#[derive(Clone, Debug)]
pub struct TrackDoc {
    pub track_id: String,
    pub track_name: String,
    /// `(id, name)` of each of the track's artists.
    pub artists: Vec<(String, String)>,
    pub album_id: String,
    pub album_name: String,
    /// Names of the album's artists.
    pub album_artists: Vec<String>,
}

impl From<&medley_domain::catalog::Track> for TrackDoc {
    fn from(track: &medley_domain::catalog::Track) -> TrackDoc {
        TrackDoc {
            track_id: track.id.to_string(),
            track_name: track.name.clone(),
            artists: track
                .artists
                .iter()
                .map(|a| (a.id.to_string(), a.name.clone()))
                .collect(),
            album_id: track.album.id.to_string(),
            album_name: track.album.name.clone(),
            album_artists: track.album.artists.iter().map(|a| a.name.clone()).collect(),
        }
    }
}

/// The kind of object a search returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Track,
    Artist,
    Album,
}

/// One page of search results.
#[derive(Debug, Default)]
pub struct Hits {
    /// Ids of the matching objects on this page, best first.
    pub ids: Vec<String>,
    /// Number of matching objects in all.
    pub total: usize,
}
