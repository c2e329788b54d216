//! The objects of Subsonic responses (`Child`, `AlbumID3`, `ArtistID3`, `Playlist`…), with
//! OpenSubsonic's additions, built from the library and the user's marks. Serialized with
//! serde into the one value `response.rs` renders as XML or JSON.

use medley_app::clock::timestamp;
use medley_app::subsonic::browse::Marks;
use medley_app::subsonic::{AlbumEntry, ArtistEntry, Library, Song};
use medley_domain::playlist::Playlist;
use medley_domain::TrackId;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
pub struct NamedId {
    pub id: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct GenreName {
    pub name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayGain {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_gain: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_peak: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_gain: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_peak: Option<f64>,
}

/// A song or a directory (`Child`).
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Child {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub is_dir: bool,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artist: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_art: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_depth: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampling_rate: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_video: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub played: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disc_number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starred: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_rating: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artist_id: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub music_brainz_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genres: Option<Vec<GenreName>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artists: Option<Vec<NamedId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_artists: Option<Vec<NamedId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_artist: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_album_artist: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_gain: Option<ReplayGain>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isrc: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumId3 {
    pub id: String,
    pub name: String,
    pub artist: String,
    pub artist_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_art: Option<String>,
    pub song_count: i64,
    pub duration: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub played: Option<String>,
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starred: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_rating: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    pub genres: Vec<GenreName>,
    pub artists: Vec<NamedId>,
    pub display_artist: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub song: Option<Vec<Child>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtistId3 {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_art: Option<String>,
    pub album_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starred: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_rating: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album: Option<Vec<AlbumId3>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaylistObject {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub owner: String,
    pub public: bool,
    pub song_count: i64,
    pub duration: i64,
    pub created: String,
    pub changed: String,
    /// Whether the caller may not change its songs.
    pub readonly: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_art: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<Vec<Child>>,
}

/// Builds objects for one user.
pub struct View<'a> {
    pub lib: &'a Library,
    pub marks: &'a Marks,
}

fn seconds(ms: i64) -> i64 {
    (ms + 500) / 1000
}

impl View<'_> {
    fn starred(&self, id: &str) -> Option<String> {
        self.marks.starred.get(id).map(|ms| timestamp(*ms))
    }

    pub fn song(&self, s: &Song) -> Child {
        let display = s
            .artists
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let rg = &s.replay_gain;
        let has_gain = rg.track_gain_db.is_some() || rg.album_gain_db.is_some();
        Child {
            id: s.id.to_string(),
            parent: Some(s.album_id.clone()),
            is_dir: false,
            title: s.title.clone(),
            album: Some(s.album.clone()),
            artist: Some(display.clone()),
            track: Some(s.track),
            year: s.year,
            genre: s.genres.first().cloned(),
            cover_art: self.lib.song_cover(s),
            size: Some(s.size),
            content_type: Some(s.content_type.to_owned()),
            suffix: Some(s.suffix.clone()),
            duration: Some(seconds(s.duration_ms)),
            bit_rate: s.bitrate_kbps,
            bit_depth: s.bit_depth,
            sampling_rate: s.sample_rate_hz,
            channel_count: s.channels,
            path: Some(s.path()),
            is_video: Some(false),
            play_count: Some(self.marks.play_count(&s.id).unwrap_or(0)),
            played: self.marks.last_played(&s.id).map(timestamp),
            disc_number: Some(s.disc),
            created: Some(timestamp(s.created_ms)),
            starred: self.starred(&s.id),
            user_rating: self.marks.ratings.get(s.id.as_str()).copied(),
            album_id: Some(s.album_id.clone()),
            artist_id: s.artists.first().map(|a| a.id.to_string()),
            kind: Some("music"),
            media_type: Some("song"),
            music_brainz_id: s.musicbrainz_id.clone(),
            genres: Some(
                s.genres
                    .iter()
                    .map(|g| GenreName { name: g.clone() })
                    .collect(),
            ),
            artists: Some(
                s.artists
                    .iter()
                    .map(|a| NamedId {
                        id: a.id.to_string(),
                        name: a.name.clone(),
                    })
                    .collect(),
            ),
            album_artists: Some(vec![NamedId {
                id: s.album_artist.id.to_string(),
                name: s.album_artist.name.clone(),
            }]),
            display_artist: Some(display),
            display_album_artist: Some(s.album_artist.name.clone()),
            replay_gain: has_gain.then_some(ReplayGain {
                track_gain: rg.track_gain_db,
                track_peak: rg.track_peak,
                album_gain: rg.album_gain_db,
                album_peak: rg.album_peak,
            }),
            isrc: s.isrc.clone().map(|i| vec![i]),
        }
    }

    pub fn songs<'b>(&self, ids: impl IntoIterator<Item = &'b TrackId>) -> Vec<Child> {
        ids.into_iter()
            .filter_map(|id| self.lib.song(id))
            .map(|s| self.song(s))
            .collect()
    }

    /// An album as a directory (`getMusicDirectory` of an artist).
    pub fn album_dir(&self, a: &AlbumEntry) -> Child {
        Child {
            id: a.id.clone(),
            parent: Some(a.artist.id.to_string()),
            is_dir: true,
            title: a.name.clone(),
            album: Some(a.name.clone()),
            artist: Some(a.artist.name.clone()),
            year: a.year,
            genre: a.genres.first().cloned(),
            cover_art: a.cover.as_ref().map(|_| a.id.clone()),
            duration: Some(seconds(a.duration_ms)),
            play_count: self.marks.play_count(&a.id),
            created: Some(timestamp(a.created_ms)),
            starred: self.starred(&a.id),
            user_rating: self.marks.ratings.get(&a.id).copied(),
            album_id: Some(a.id.clone()),
            artist_id: Some(a.artist.id.to_string()),
            ..Child::default()
        }
    }

    pub fn album(&self, a: &AlbumEntry, with_songs: bool) -> AlbumId3 {
        AlbumId3 {
            id: a.id.clone(),
            name: a.name.clone(),
            artist: a.artist.name.clone(),
            artist_id: a.artist.id.to_string(),
            cover_art: a.cover.as_ref().map(|_| a.id.clone()),
            song_count: a.songs.len() as i64,
            duration: seconds(a.duration_ms),
            play_count: Some(self.marks.play_count(&a.id).unwrap_or(0)),
            played: self.marks.last_played(&a.id).map(timestamp),
            created: timestamp(a.created_ms),
            starred: self.starred(&a.id),
            user_rating: self.marks.ratings.get(&a.id).copied(),
            year: a.year,
            genre: a.genres.first().cloned(),
            genres: a
                .genres
                .iter()
                .map(|g| GenreName { name: g.clone() })
                .collect(),
            artists: vec![NamedId {
                id: a.artist.id.to_string(),
                name: a.artist.name.clone(),
            }],
            display_artist: a.artist.name.clone(),
            song: with_songs.then(|| self.songs(&a.songs)),
        }
    }

    pub fn albums<'b>(&self, ids: impl IntoIterator<Item = &'b String>) -> Vec<AlbumId3> {
        ids.into_iter()
            .filter_map(|id| self.lib.album(id))
            .map(|a| self.album(a, false))
            .collect()
    }

    pub fn artist(&self, a: &ArtistEntry, with_albums: bool) -> ArtistId3 {
        ArtistId3 {
            id: a.id.clone(),
            name: a.name.clone(),
            cover_art: a.cover_album.clone(),
            album_count: a.albums.len() as i64,
            starred: self.starred(&a.id),
            user_rating: self.marks.ratings.get(&a.id).copied(),
            album: with_albums.then(|| self.albums(&a.albums)),
        }
    }

    pub fn artists<'b>(&self, ids: impl IntoIterator<Item = &'b String>) -> Vec<ArtistId3> {
        ids.into_iter()
            .filter_map(|id| self.lib.artist(id))
            .map(|a| self.artist(a, false))
            .collect()
    }

    /// A playlist; `entry` lists its songs when given.
    pub fn playlist(
        &self,
        p: &Playlist,
        songs: &[TrackId],
        readonly: bool,
        with_entries: bool,
    ) -> PlaylistObject {
        let duration: i64 = songs
            .iter()
            .filter_map(|id| self.lib.song(id))
            .map(|s| s.duration_ms)
            .sum();
        PlaylistObject {
            id: p.id.to_string(),
            name: p.name.clone(),
            comment: p.description.clone().filter(|d| !d.is_empty()),
            owner: p.owner_name.clone(),
            public: p.public,
            song_count: songs.len() as i64,
            duration: seconds(duration),
            created: timestamp(p.created_at_ms),
            changed: timestamp(p.updated_at_ms),
            readonly,
            cover_art: songs
                .iter()
                .filter_map(|id| self.lib.song(id))
                .find_map(|s| self.lib.song_cover(s)),
            entry: with_entries.then(|| self.songs(songs)),
        }
    }
}

/// Any serializable object as the value a response carries.
pub fn value(v: impl Serialize) -> Value {
    serde_json::to_value(v).expect("response objects serialize")
}
