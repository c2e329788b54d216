//! The catalog: tracks (with availability and relinking) and podcast episodes.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{World, WorldError, WorldResult};
use crate::ids::{id_from_name, is_base62_id, new_id};

/// An artist, album or show reference: id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

impl Named {
    pub fn from_name(kind: &str, name: &str) -> Named {
        Named {
            id: id_from_name(kind, name),
            name: name.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    pub id: String,
    pub name: String,
    pub artists: Vec<Named>,
    pub album: Named,
    pub album_release_date: String,
    pub duration_ms: u64,
    pub isrc: String,
    pub explicit: bool,
    pub track_number: u32,
    /// False once the track is no longer playable; playlist reads show it as `null`.
    pub available: bool,
    /// The playable track that stands in for this one (relinking).
    pub relinked_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Episode {
    pub id: String,
    pub name: String,
    pub show: Named,
    pub publisher: String,
    pub description: String,
    pub duration_ms: u64,
    pub release_date: String,
    pub explicit: bool,
}

/// How a stored track reads back.
pub enum Resolved<'a> {
    /// Playable as itself.
    Playable(&'a Track),
    /// Relinked: `shown` is played instead of `original`.
    Relinked {
        shown: &'a Track,
        original: &'a Track,
    },
    /// Gone; playlists show `null`.
    Unavailable(&'a Track),
    Missing,
}

impl World {
    pub fn add_track(&mut self, track: Track) -> WorldResult<String> {
        if !is_base62_id(&track.id) {
            return Err(WorldError::bad(format!(
                "track id {:?} is not a 22-character base62 id",
                track.id
            )));
        }
        let id = track.id.clone();
        self.tracks.insert(id.clone(), track);
        Ok(id)
    }

    pub fn add_episode(&mut self, episode: Episode) -> WorldResult<String> {
        if !is_base62_id(&episode.id) {
            return Err(WorldError::bad(format!(
                "episode id {:?} is not a 22-character base62 id",
                episode.id
            )));
        }
        let id = episode.id.clone();
        self.episodes.insert(id.clone(), episode);
        Ok(id)
    }

    pub fn fresh_id(&mut self) -> String {
        new_id(&mut self.rng)
    }

    pub fn set_available(&mut self, id: &str, available: bool) -> WorldResult<()> {
        let track = self.track_mut(id)?;
        track.available = available;
        if available {
            track.relinked_to = None;
        }
        Ok(())
    }

    /// Relinks `id` to `to`: `id` becomes unplayable and reads show `to` with `linked_from`.
    pub fn relink(&mut self, id: &str, to: &str) -> WorldResult<()> {
        if !self.tracks.contains_key(to) {
            return Err(WorldError::not_found(format!("no track {to}")));
        }
        if id == to {
            return Err(WorldError::bad("a track cannot be relinked to itself"));
        }
        let track = self.track_mut(id)?;
        track.available = false;
        track.relinked_to = Some(to.to_string());
        Ok(())
    }

    fn track_mut(&mut self, id: &str) -> WorldResult<&mut Track> {
        self.tracks
            .get_mut(id)
            .ok_or_else(|| WorldError::not_found(format!("no track {id}")))
    }

    pub fn resolve_track(&self, id: &str) -> Resolved<'_> {
        let Some(track) = self.tracks.get(id) else {
            return Resolved::Missing;
        };
        if track.available {
            return Resolved::Playable(track);
        }
        match track
            .relinked_to
            .as_deref()
            .and_then(|b| self.tracks.get(b))
        {
            Some(shown) if shown.available => Resolved::Relinked {
                shown,
                original: track,
            },
            _ => Resolved::Unavailable(track),
        }
    }

    /// Adds `count` generated tracks; the same seed always yields the same tracks.
    pub fn generate_tracks(&mut self, count: usize, seed: u64) -> Vec<String> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut ids = Vec::with_capacity(count);
        for n in 0..count {
            let track = generated_track(&mut rng, seed, n);
            ids.push(track.id.clone());
            self.tracks.insert(track.id.clone(), track);
        }
        ids
    }
}

const ADJECTIVES: &[&str] = &[
    "Silver", "Quiet", "Electric", "Golden", "Midnight", "Paper", "Velvet", "Broken", "Neon",
    "Distant", "Hollow", "Crimson", "Gentle", "Wild", "Frozen", "Amber",
];
const NOUNS: &[&str] = &[
    "Harbour", "Signal", "Garden", "Engine", "River", "Window", "Echo", "Lantern", "Orbit",
    "Meadow", "Static", "Compass", "Tide", "Canyon", "Mirror", "Horizon",
];
const BANDS: &[&str] = &[
    "The Pale Lights",
    "Nora Vell",
    "Kite District",
    "Otto Marsh",
    "Glass Animals Club",
    "Juniper & Ash",
    "Saint Ferro",
    "Lowfield",
    "Mara Quinn",
    "The Overlooks",
    "Hexa",
    "Bellwether",
];

fn generated_track(rng: &mut ChaCha8Rng, seed: u64, n: usize) -> Track {
    let pick = |rng: &mut ChaCha8Rng, list: &[&'static str]| list[rng.gen_range(0..list.len())];
    let name = format!("{} {}", pick(rng, ADJECTIVES), pick(rng, NOUNS));
    let artist = pick(rng, BANDS);
    let album = format!("{} {}", pick(rng, NOUNS), pick(rng, NOUNS));
    let year = rng.gen_range(1965..2026);
    Track {
        id: new_id(rng),
        name,
        artists: vec![Named::from_name("artist", artist)],
        album: Named::from_name("album", &format!("{artist}/{album}")).renamed(&album),
        album_release_date: format!(
            "{year}-{:02}-{:02}",
            rng.gen_range(1..13),
            rng.gen_range(1..29)
        ),
        duration_ms: rng.gen_range(95_000..420_000),
        isrc: format!("QZ{:03}{:02}{:05}", seed % 1000, year % 100, n % 100_000),
        explicit: rng.gen_bool(0.15),
        track_number: rng.gen_range(1..13),
        available: true,
        relinked_to: None,
    }
}

impl Named {
    fn renamed(mut self, name: &str) -> Named {
        self.name = name.to_string();
        self
    }
}
