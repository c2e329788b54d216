//! The library as a player browses it: the catalog tracks that have a present audio file (the
//! catalog also holds tracks known only from listening history or Spotify, which no player
//! could play), grouped by album and by the album's artist, with what the files' tags add
//! (genres, year, cover art, replay gain).
//!
//! Players walk the whole library (Symfonium pages through `search3` with an empty query to
//! sync), so it is built once in memory and kept while the store's library version (count and
//! latest change of audio files, count of tracks) stays the same; other catalog edits of a
//! track (a renamed title) show within [`MAX_AGE`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use medley_audio::{AudioTags, Format};
use medley_domain::catalog::{ArtistRef, Cover, Track};
use medley_domain::{ArtistId, AudioFileId, Id, TrackId};
use medley_store::{AudioFile, LibraryVersion};
use tokio::sync::Mutex;

use crate::error::AppResult;
use crate::App;

/// Longest a built library is kept without being built again.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// Tracks read from the store per query while building.
const BATCH: usize = 500;

/// A song: a catalog track with its best present file.
#[derive(Clone, Debug)]
pub struct Song {
    /// The catalog track's id, which is also the song's OpenSubsonic id.
    pub id: TrackId,
    pub title: String,
    pub album_id: Id,
    pub album: String,
    /// The track's own artists, first one first.
    pub artists: Vec<ArtistRef>,
    /// The album's artist, under whom the song is browsed.
    pub album_artist: ArtistRef,
    pub track: i64,
    pub disc: i64,
    pub duration_ms: i64,
    pub year: Option<i64>,
    pub genres: Vec<String>,
    pub isrc: Option<String>,
    pub musicbrainz_id: Option<String>,
    pub file_id: AudioFileId,
    /// `flac`, `mp3`…: the file's format, used as its suffix.
    pub suffix: String,
    pub content_type: &'static str,
    pub size: i64,
    pub bitrate_kbps: Option<i64>,
    pub sample_rate_hz: Option<i64>,
    pub channels: Option<i64>,
    pub bit_depth: Option<i64>,
    /// Its album's cover, if the album has one.
    pub cover: Option<Cover>,
    pub replay_gain: medley_audio::tags::ReplayGain,
    /// When the file was added to the library.
    pub created_ms: i64,
}

impl Song {
    /// A path for display, as Subsonic players show one: `Artist/Album/01 - Title.flac`.
    pub fn path(&self) -> String {
        let clean = |s: &str| s.replace('/', "_");
        format!(
            "{}/{}/{:02} - {}.{}",
            clean(&self.album_artist.name),
            clean(&self.album),
            self.track,
            clean(&self.title),
            self.suffix
        )
    }
}

#[derive(Clone, Debug)]
pub struct AlbumEntry {
    pub id: Id,
    pub name: String,
    pub artist: ArtistRef,
    pub year: Option<i64>,
    pub genres: Vec<String>,
    /// In disc and track order.
    pub songs: Vec<TrackId>,
    pub duration_ms: i64,
    /// When its first file was added.
    pub created_ms: i64,
    /// The album's cover picture, if it has one.
    pub cover: Option<Cover>,
}

#[derive(Clone, Debug)]
pub struct ArtistEntry {
    pub id: Id,
    pub name: String,
    /// By year, then name.
    pub albums: Vec<Id>,
    /// An album of theirs with a cover.
    pub cover_album: Option<Id>,
}

#[derive(Clone, Debug)]
pub struct GenreEntry {
    pub name: String,
    pub songs: i64,
    pub albums: i64,
}

/// The whole library, built at one version.
#[derive(Debug, Default)]
pub struct Library {
    /// By track id; looked up by the text of an OpenSubsonic id as well.
    pub songs: HashMap<TrackId, Song>,
    pub albums: HashMap<Id, AlbumEntry>,
    pub artists: HashMap<Id, ArtistEntry>,
    /// Songs by album artist, album, disc and track: the order a full walk pages through.
    pub song_order: Vec<TrackId>,
    /// Albums by name.
    pub album_order: Vec<Id>,
    /// Artists by name.
    pub artist_order: Vec<Id>,
    /// By name.
    pub genres: Vec<GenreEntry>,
    pub version: LibraryVersion,
    /// The latest change seen (a file added or changed), for `lastModified`.
    pub last_modified_ms: i64,
}

/// The key by which names sort: case and accents folded.
pub fn sort_key(name: &str) -> String {
    let folded = medley_search::normalize::tokens(name).join(" ");
    if folded.is_empty() {
        name.to_lowercase()
    } else {
        folded
    }
}

fn year_of(date: Option<&str>) -> Option<i64> {
    let y: i64 = date?.get(..4)?.parse().ok()?;
    (1..=9999).contains(&y).then_some(y)
}

impl Library {
    /// Builds the library from the present files and their tracks.
    pub fn build(files: Vec<AudioFile>, tracks: Vec<Track>, version: LibraryVersion) -> Library {
        let by_id: HashMap<&str, &Track> = tracks.iter().map(|t| (t.id.as_str(), t)).collect();
        let mut lib = Library {
            version,
            ..Library::default()
        };
        for file in &files {
            // Files come best first for each track: the first one plays.
            if lib.songs.contains_key(&file.track_id) {
                continue;
            }
            let Some(track) = by_id.get(file.track_id.as_str()) else {
                continue;
            };
            let tags: AudioTags = serde_json::from_str(&file.tags).unwrap_or_default();
            let album_artist = track
                .album
                .artists
                .first()
                .or(track.artists.first())
                .cloned()
                .unwrap_or(ArtistRef {
                    id: ArtistId::from(String::new()),
                    name: "Unknown artist".into(),
                });
            let format = Format::parse(&file.format);
            lib.last_modified_ms = lib.last_modified_ms.max(file.updated_at_ms);
            let song = Song {
                id: track.id.clone(),
                title: track.name.clone(),
                // The library names albums and artists by their text: the OpenSubsonic
                // API's ids are one namespace over every kind.
                album_id: track.album.id.to_string(),
                album: track.album.name.clone(),
                artists: track.artists.clone(),
                album_artist,
                track: track.track_number,
                disc: track.disc_number,
                duration_ms: if track.duration_ms > 0 {
                    track.duration_ms
                } else {
                    file.duration_ms
                },
                year: year_of(track.album.release_date.as_deref())
                    .or(year_of(tags.date.as_deref())),
                genres: tags.genres.clone(),
                isrc: track.isrc.clone(),
                musicbrainz_id: tags.musicbrainz.recording_id.clone(),
                file_id: file.id.clone(),
                suffix: format.map_or(file.format.clone(), |f| f.extension().to_owned()),
                content_type: format.map_or("application/octet-stream", Format::mime),
                size: file.size,
                bitrate_kbps: file.bitrate_kbps,
                sample_rate_hz: file.sample_rate_hz,
                channels: file.channels,
                bit_depth: file.bit_depth,
                cover: track.album.cover.clone(),
                replay_gain: tags.replay_gain.clone(),
                created_ms: file.created_at_ms,
            };
            lib.songs.insert(song.id.clone(), song);
        }
        lib.group();
        lib
    }

    /// Albums, artists, genres and orders, from the songs.
    fn group(&mut self) {
        let mut songs: Vec<&Song> = self.songs.values().collect();
        songs.sort_by(|a, b| {
            (a.disc, a.track, sort_key(&a.title), &a.id).cmp(&(
                b.disc,
                b.track,
                sort_key(&b.title),
                &b.id,
            ))
        });
        for song in songs {
            let album = self
                .albums
                .entry(song.album_id.clone())
                .or_insert_with(|| AlbumEntry {
                    id: song.album_id.clone(),
                    name: song.album.clone(),
                    artist: song.album_artist.clone(),
                    year: song.year,
                    genres: vec![],
                    songs: vec![],
                    duration_ms: 0,
                    created_ms: song.created_ms,
                    cover: song.cover.clone(),
                });
            album.songs.push(song.id.clone());
            album.duration_ms += song.duration_ms;
            album.created_ms = album.created_ms.min(song.created_ms);
            album.year = album.year.or(song.year);
            for g in &song.genres {
                if !album.genres.contains(g) {
                    album.genres.push(g.clone());
                }
            }
        }
        let mut albums: Vec<&AlbumEntry> = self.albums.values().collect();
        albums.sort_by_key(|a| (a.year, sort_key(&a.name), a.id.clone()));
        for album in &albums {
            let artist = self
                .artists
                .entry(album.artist.id.to_string())
                .or_insert_with(|| ArtistEntry {
                    id: album.artist.id.to_string(),
                    name: album.artist.name.clone(),
                    albums: vec![],
                    cover_album: None,
                });
            artist.albums.push(album.id.clone());
            if album.cover.is_some() && artist.cover_album.is_none() {
                artist.cover_album = Some(album.id.clone());
            }
        }
        let mut artist_order: Vec<(String, Id)> = self
            .artists
            .values()
            .map(|a| (sort_key(&a.name), a.id.clone()))
            .collect();
        artist_order.sort();
        self.artist_order = artist_order.into_iter().map(|(_, id)| id).collect();
        let mut album_order: Vec<(String, Id)> = self
            .albums
            .values()
            .map(|a| (sort_key(&a.name), a.id.clone()))
            .collect();
        album_order.sort();
        self.album_order = album_order.into_iter().map(|(_, id)| id).collect();
        let mut song_order = Vec::with_capacity(self.songs.len());
        for artist in &self.artist_order {
            for album in &self.artists[artist].albums {
                song_order.extend(self.albums[album].songs.iter().cloned());
            }
        }
        self.song_order = song_order;
        let mut genres: HashMap<String, (i64, BTreeSet<&str>)> = HashMap::new();
        for song in self.songs.values() {
            for g in &song.genres {
                let e = genres.entry(g.clone()).or_default();
                e.0 += 1;
                e.1.insert(song.album_id.as_str());
            }
        }
        let mut genres: Vec<GenreEntry> = genres
            .into_iter()
            .map(|(name, (songs, albums))| GenreEntry {
                name,
                songs,
                albums: albums.len() as i64,
            })
            .collect();
        genres.sort_by_key(|g| (sort_key(&g.name), g.name.clone()));
        self.genres = genres;
    }

    pub fn song(&self, id: &str) -> Option<&Song> {
        self.songs.get(id)
    }

    pub fn album(&self, id: &str) -> Option<&AlbumEntry> {
        self.albums.get(id)
    }

    pub fn artist(&self, id: &str) -> Option<&ArtistEntry> {
        self.artists.get(id)
    }

    /// The cover art `id` names: a song's (its album's), an album's, or an artist's (one of
    /// their albums').
    pub fn cover(&self, id: &str) -> Option<&Cover> {
        if let Some(song) = self.songs.get(id) {
            return song.cover.as_ref();
        }
        if let Some(album) = self.albums.get(id) {
            return album.cover.as_ref();
        }
        let album = self.artists.get(id)?.cover_album.as_deref()?;
        self.albums.get(album)?.cover.as_ref()
    }

    /// The cover art id of a song: its album's, when the album has a cover.
    pub fn song_cover(&self, song: &Song) -> Option<Id> {
        song.cover.as_ref().map(|_| song.album_id.clone())
    }
}

/// The library kept between requests.
#[derive(Default)]
pub struct LibraryCache {
    kept: Mutex<Option<(Arc<Library>, Instant)>>,
}

/// The library as it is now.
pub async fn current(app: &App) -> AppResult<Arc<Library>> {
    let version = app.store.library_version().await?;
    let mut kept = app.subsonic.kept.lock().await;
    if let Some((lib, built)) = kept.as_ref() {
        if lib.version == version && built.elapsed() < MAX_AGE {
            return Ok(lib.clone());
        }
    }
    let files = app.store.present_audio_files().await?;
    let ids: Vec<TrackId> = files
        .iter()
        .map(|f| f.track_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut tracks = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BATCH) {
        tracks.extend(app.store.tracks(chunk).await?);
    }
    let lib = Arc::new(Library::build(files, tracks, version));
    *kept = Some((lib.clone(), Instant::now()));
    Ok(lib)
}
