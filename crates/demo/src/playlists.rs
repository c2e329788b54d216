//! Demo users and the genre-themed playlists created for them.

use std::collections::{HashMap, HashSet};

use medley_domain::catalog::name_key;

use crate::hash::hash;
use crate::meta::Derived;
use crate::source::source;

/// Password of every demo user. Well known on purpose: only for `medley serve --demo`.
pub const DEMO_PASSWORD: &str = "medley-demo";

/// A user to create in demo mode; log in with [`DEMO_PASSWORD`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
}

/// A playlist to create in demo mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoPlaylist {
    pub name: &'static str,
    pub description: String,
    pub public: bool,
    /// Username (from [`users`]) of the owner.
    pub owner: &'static str,
    /// Indices into [`crate::chinook`], in playlist order.
    pub tracks: Vec<usize>,
}

/// The demo users: `demo` owns most playlists, `ana` owns one, so that following and
/// browsing other users' public playlists can be shown.
pub fn users() -> Vec<DemoUser> {
    vec![
        DemoUser {
            username: "demo",
            display_name: "Demo Listener",
        },
        DemoUser {
            username: "ana",
            display_name: "Ana Souza",
        },
    ]
}

struct Theme {
    name: &'static str,
    blurb: &'static str,
    genres: &'static [&'static str],
    /// Only albums released in or before this (invented) year.
    until: Option<i32>,
    size: usize,
    per_artist: usize,
    public: bool,
    owner: &'static str,
}

const THEMES: &[Theme] = &[
    Theme {
        name: "Rock Classics",
        blurb: "rock from albums released up to 1985",
        genres: &["Rock"],
        until: Some(1985),
        size: 50,
        per_artist: 3,
        public: true,
        owner: "demo",
    },
    Theme {
        name: "Jazz Evening",
        blurb: "jazz for a quiet evening",
        genres: &["Jazz"],
        until: None,
        size: 30,
        per_artist: 4,
        public: true,
        owner: "demo",
    },
    Theme {
        name: "Late Night Latin",
        blurb: "Brazilian Latin and bossa nova after midnight",
        genres: &["Latin", "Bossa Nova"],
        until: None,
        size: 40,
        per_artist: 3,
        public: false,
        owner: "demo",
    },
    Theme {
        name: "Metal Workout",
        blurb: "metal and heavy metal to lift to",
        genres: &["Metal", "Heavy Metal"],
        until: None,
        size: 45,
        per_artist: 4,
        public: true,
        owner: "ana",
    },
];

/// The demo playlists, each drawn deterministically from one theme's genres: candidates are
/// ordered by a hash of playlist and track, then taken with at most a few tracks per artist
/// and no repeated song title.
pub fn playlists() -> Vec<DemoPlaylist> {
    let rows = source();
    let derived = Derived::new(rows);
    THEMES
        .iter()
        .map(|theme| {
            let mut candidates: Vec<(u64, usize)> = rows
                .iter()
                .enumerate()
                .filter(|(_, t)| theme.genres.contains(&t.genre))
                .filter(|(_, t)| theme.until.is_none_or(|y| derived.albums[t.album].0 <= y))
                .map(|(i, t)| {
                    (
                        hash(&["playlist", theme.name, t.artist, t.album, t.name]),
                        i,
                    )
                })
                .collect();
            candidates.sort_unstable();
            let mut per_artist: HashMap<&str, usize> = HashMap::new();
            let mut titles = HashSet::new();
            let mut tracks = Vec::with_capacity(theme.size);
            for (_, i) in candidates {
                let t = &rows[i];
                let count = per_artist.entry(t.artist).or_insert(0);
                if *count >= theme.per_artist || !titles.insert(name_key(t.name)) {
                    continue;
                }
                *count += 1;
                tracks.push(i);
                if tracks.len() == theme.size {
                    break;
                }
            }
            let artists = per_artist.values().filter(|&&c| c > 0).count();
            DemoPlaylist {
                name: theme.name,
                description: format!(
                    "{} tracks of {} by {artists} artists. Medley demo playlist.",
                    tracks.len(),
                    theme.blurb
                ),
                public: theme.public,
                owner: theme.owner,
                tracks,
            }
        })
        .collect()
}
