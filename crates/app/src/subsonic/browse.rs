//! Browsing the library: what the user marked (stars, ratings, plays), album lists, random
//! songs, search, starred items. Pure functions over a built [`Library`], plus the loading of
//! the user's marks.

use std::collections::HashMap;

use medley_domain::user::User;
use medley_domain::{Id, TrackId};
use medley_stats::{Kind, DEFAULT_MIN_MS};
use rand::seq::SliceRandom;

use super::library::{sort_key, Library};
use crate::error::{AppError, AppResult};
use crate::App;

/// Most items one list answers (Subsonic's own limit for album lists and random songs).
pub const MAX_SIZE: usize = 500;

/// What one user marked: stars (liked songs; starred albums and artists), ratings, plays.
#[derive(Debug, Default)]
pub struct Marks {
    /// Item id → when it was starred (ms).
    pub starred: HashMap<Id, i64>,
    /// Item id → rating, 1 to 5.
    pub ratings: HashMap<Id, i64>,
    /// Song or album id → (plays, last played ms).
    pub plays: HashMap<Id, (i64, i64)>,
}

impl Marks {
    pub fn play_count(&self, id: &str) -> Option<i64> {
        self.plays.get(id).map(|p| p.0)
    }

    pub fn last_played(&self, id: &str) -> Option<i64> {
        self.plays.get(id).map(|p| p.1)
    }
}

/// Loads the user's marks; `lib` gives each played song's album.
pub async fn marks(app: &App, user: &User, lib: &Library) -> AppResult<Marks> {
    let mut marks = Marks::default();
    let (saved, _) = app.store.saved_tracks(&user.id, i64::MAX, 0).await?;
    marks
        .starred
        .extend(saved.into_iter().map(|(id, at)| (id.into_string(), at)));
    for kind in ["album", "artist"] {
        marks.starred.extend(app.store.stars(&user.id, kind).await?);
    }
    for (_, id, rating) in app.store.ratings(&user.id).await? {
        marks.ratings.insert(id, rating);
    }
    let history = app.histories.get(app, &user.id).await?;
    let h = &history.history;
    let mut plays: HashMap<u32, (i64, i64)> = HashMap::new();
    for i in 0..h.len() {
        let l = h.get(i);
        if l.kind != Kind::Track || !(l.confirmed || l.ms_played >= DEFAULT_MIN_MS) {
            continue;
        }
        let e = plays.entry(l.item).or_default();
        e.0 += 1;
        e.1 = e.1.max(l.started_at_ms + i64::from(l.ms_played));
    }
    for (item, (count, last)) in plays {
        let id = history.items.id(item);
        let Some(song) = lib.song(id) else { continue };
        let album = marks.plays.entry(song.album_id.clone()).or_default();
        album.0 += count;
        album.1 = album.1.max(last);
        marks.plays.insert(id.to_owned(), (count, last));
    }
    Ok(marks)
}

/// Why an album list cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// A parameter the type needs is missing.
    #[error("{0}")]
    Missing(&'static str),
    #[error("{0}")]
    Unknown(String),
}

/// The kinds of album list (`getAlbumList2`'s `type`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlbumList {
    Random,
    Newest,
    Highest,
    Frequent,
    Recent,
    AlphabeticalByName,
    AlphabeticalByArtist,
    Starred,
    /// From one year to another; listed backwards when `from > to`.
    ByYear {
        from: i64,
        to: i64,
    },
    ByGenre(String),
}

impl AlbumList {
    /// The list a `type` names, with its own parameters; the message says what is wrong.
    pub fn parse(
        kind: &str,
        from_year: Option<i64>,
        to_year: Option<i64>,
        genre: Option<&str>,
    ) -> Result<AlbumList, ListError> {
        Ok(match kind {
            "random" => AlbumList::Random,
            "newest" => AlbumList::Newest,
            "highest" => AlbumList::Highest,
            "frequent" => AlbumList::Frequent,
            "recent" => AlbumList::Recent,
            "alphabeticalByName" => AlbumList::AlphabeticalByName,
            "alphabeticalByArtist" => AlbumList::AlphabeticalByArtist,
            "starred" => AlbumList::Starred,
            "byYear" => match (from_year, to_year) {
                (Some(from), Some(to)) => AlbumList::ByYear { from, to },
                _ => {
                    return Err(ListError::Missing(
                        "type `byYear` needs `fromYear` and `toYear`",
                    ))
                }
            },
            "byGenre" => match genre {
                Some(g) if !g.is_empty() => AlbumList::ByGenre(g.to_owned()),
                _ => return Err(ListError::Missing("type `byGenre` needs `genre`")),
            },
            other => {
                return Err(ListError::Unknown(format!(
                    "unknown album list type `{other}`: use random, newest, highest, frequent, \
                     recent, alphabeticalByName, alphabeticalByArtist, starred, byYear or byGenre"
                )))
            }
        })
    }
}

/// A page of albums of a list.
pub fn album_list(
    lib: &Library,
    marks: &Marks,
    list: &AlbumList,
    size: usize,
    offset: usize,
) -> Vec<Id> {
    let mut albums: Vec<&super::AlbumEntry> =
        lib.album_order.iter().map(|id| &lib.albums[id]).collect();
    match list {
        AlbumList::Random => albums.shuffle(&mut rand::thread_rng()),
        AlbumList::Newest => albums.sort_by_key(|a| std::cmp::Reverse(a.created_ms)),
        AlbumList::Highest => {
            albums.retain(|a| marks.ratings.contains_key(&a.id));
            albums.sort_by_key(|a| std::cmp::Reverse(marks.ratings[&a.id]));
        }
        AlbumList::Frequent => {
            albums.retain(|a| marks.plays.contains_key(&a.id));
            albums.sort_by_key(|a| std::cmp::Reverse(marks.plays[&a.id].0));
        }
        AlbumList::Recent => {
            albums.retain(|a| marks.plays.contains_key(&a.id));
            albums.sort_by_key(|a| std::cmp::Reverse(marks.plays[&a.id].1));
        }
        AlbumList::AlphabeticalByName => {}
        AlbumList::AlphabeticalByArtist => {
            albums.sort_by_cached_key(|a| (sort_key(&a.artist.name), sort_key(&a.name)))
        }
        AlbumList::Starred => {
            albums.retain(|a| marks.starred.contains_key(&a.id));
            albums.sort_by_key(|a| std::cmp::Reverse(marks.starred[&a.id]));
        }
        AlbumList::ByYear { from, to } => {
            let (lo, hi) = (*from.min(to), *from.max(to));
            albums.retain(|a| a.year.is_some_and(|y| (lo..=hi).contains(&y)));
            if from > to {
                albums.sort_by_key(|a| std::cmp::Reverse(a.year));
            } else {
                albums.sort_by_key(|a| a.year);
            }
        }
        AlbumList::ByGenre(genre) => {
            albums.retain(|a| a.genres.iter().any(|g| g.eq_ignore_ascii_case(genre)))
        }
    }
    albums
        .into_iter()
        .skip(offset)
        .take(size.min(MAX_SIZE))
        .map(|a| a.id.clone())
        .collect()
}

/// Random songs, optionally of a genre and within years.
pub fn random_songs(
    lib: &Library,
    size: usize,
    genre: Option<&str>,
    from_year: Option<i64>,
    to_year: Option<i64>,
) -> Vec<TrackId> {
    let mut songs: Vec<&TrackId> = lib
        .song_order
        .iter()
        .filter(|id| {
            let s = &lib.songs[*id];
            genre.is_none_or(|g| s.genres.iter().any(|sg| sg.eq_ignore_ascii_case(g)))
                && from_year.is_none_or(|f| s.year.is_some_and(|y| y >= f))
                && to_year.is_none_or(|t| s.year.is_some_and(|y| y <= t))
        })
        .collect();
    songs.shuffle(&mut rand::thread_rng());
    songs
        .into_iter()
        .take(size.min(MAX_SIZE))
        .cloned()
        .collect()
}

/// Pages of a `search3`: how many of each kind, from where.
#[derive(Clone, Copy, Debug)]
pub struct SearchPages {
    pub artists: (usize, usize),
    pub albums: (usize, usize),
    pub songs: (usize, usize),
}

/// What a search found, each kind in library order.
#[derive(Debug, Default)]
pub struct Found {
    pub artists: Vec<Id>,
    pub albums: Vec<Id>,
    pub songs: Vec<TrackId>,
}

/// Searches names: every word of the query must start a word of the artist's name, of the
/// album's or its artist's, or of the song's title, artists or album. An empty query (or
/// `""`, which some players send) matches everything, so that a player can page through the
/// whole library.
pub fn search(lib: &Library, query: &str, pages: SearchPages) -> Found {
    let query = query.trim().trim_matches('"').trim();
    let words = medley_search::normalize::tokens(query);
    let matches = |texts: &[&str]| -> bool {
        if words.is_empty() {
            return true;
        }
        let have: Vec<String> = texts
            .iter()
            .flat_map(|t| medley_search::normalize::tokens(t))
            .collect();
        words
            .iter()
            .all(|w| have.iter().any(|h| h.starts_with(w.as_str())))
    };
    fn page<'a, T: Clone + 'a>(
        ids: impl Iterator<Item = &'a T>,
        (count, offset): (usize, usize),
    ) -> Vec<T> {
        ids.skip(offset)
            .take(count.min(MAX_SIZE))
            .cloned()
            .collect()
    }
    // A query of punctuation only finds nothing rather than everything.
    if words.is_empty() && !(query.is_empty() || query == "*") {
        return Found::default();
    }
    Found {
        artists: page(
            lib.artist_order
                .iter()
                .filter(|id| matches(&[lib.artists[*id].name.as_str()])),
            pages.artists,
        ),
        albums: page(
            lib.album_order.iter().filter(|id| {
                let a = &lib.albums[*id];
                matches(&[a.name.as_str(), a.artist.name.as_str()])
            }),
            pages.albums,
        ),
        songs: page(
            lib.song_order.iter().filter(|id| {
                let s = &lib.songs[*id];
                let mut texts: Vec<&str> = vec![s.title.as_str(), s.album.as_str()];
                texts.extend(s.artists.iter().map(|a| a.name.as_str()));
                matches(&texts)
            }),
            pages.songs,
        ),
    }
}

/// The user's starred artists, albums and songs present in the library, latest first.
pub fn starred(lib: &Library, marks: &Marks) -> Found {
    let mut found: Vec<(&Id, i64)> = marks.starred.iter().map(|(id, at)| (id, *at)).collect();
    found.sort_by_key(|(id, at)| (std::cmp::Reverse(*at), (*id).clone()));
    let mut out = Found::default();
    for (id, _) in found {
        if lib.artists.contains_key(id) {
            out.artists.push(id.clone());
        } else if lib.albums.contains_key(id) {
            out.albums.push(id.clone());
        } else if let Some(song) = lib.songs.get(id.as_str()) {
            out.songs.push(song.id.clone());
        }
    }
    out
}

/// "Not found" in the words Subsonic players show.
pub fn not_found(what: &str, id: &str) -> AppError {
    AppError::NotFound(format!("{what} `{id}` is not in the library"))
}
