//! The JSON objects of the API, in Spotify's shapes (see `spotify/openapi.yml`), plus the
//! few Medley fields Spotify has no word for. Built from domain types by [`Render`], which
//! knows the server's public URL for `href`s.

use std::collections::BTreeMap;
use std::sync::Arc;

use medley_domain::catalog::{date_precision, Album, Artist, ArtistRef, Cover, Track};
use medley_domain::paging::Page;
use medley_domain::playlist::Playlist;
use medley_domain::user::User;
use serde::Serialize;
use utoipa::ToSchema;

pub type ExternalUrls = BTreeMap<&'static str, String>;

#[derive(Serialize, ToSchema)]
pub struct Followers {
    pub href: Option<String>,
    pub total: i64,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct Image {
    pub url: String,
    pub height: Option<i64>,
    pub width: Option<i64>,
}

/// A page of results (Spotify's paging object); `next`/`previous` are absolute URLs.
#[derive(Serialize, ToSchema, Clone)]
pub struct Paging<T> {
    pub href: String,
    pub items: Vec<T>,
    pub limit: i64,
    pub next: Option<String>,
    pub offset: i64,
    pub previous: Option<String>,
    pub total: i64,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct SimplifiedArtist {
    pub external_urls: ExternalUrls,
    pub href: String,
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uri: String,
}

#[derive(Serialize, ToSchema)]
pub struct ArtistObject {
    #[serde(flatten)]
    pub base: SimplifiedArtist,
    pub followers: Followers,
    pub genres: Vec<String>,
    pub images: Vec<Image>,
    pub popularity: i64,
    /// Medley: birth (or founding) date, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// Medley: country of birth, ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Medley: `active`, `disbanded`, …
    pub status: Option<String>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct SimplifiedAlbum {
    pub album_type: String,
    pub total_tracks: i64,
    pub available_markets: Vec<String>,
    pub external_urls: ExternalUrls,
    pub href: String,
    pub id: String,
    pub images: Vec<Image>,
    pub name: String,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; `0000` (precision `year`) when unknown, as Spotify
    /// does for albums without a date.
    pub release_date: String,
    /// `year`, `month` or `day`.
    pub release_date_precision: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uri: String,
    pub artists: Vec<SimplifiedArtist>,
}

#[derive(Serialize, ToSchema)]
pub struct AlbumObject {
    #[serde(flatten)]
    pub base: SimplifiedAlbum,
    pub tracks: Paging<TrackObject>,
    /// Always empty: Medley keeps no copyright notices.
    pub copyrights: Vec<Copyright>,
    /// Known codes of the album (`upc`, `ean`); often none.
    pub external_ids: BTreeMap<String, String>,
    pub genres: Vec<String>,
    /// The record label; empty when unknown.
    pub label: String,
    pub popularity: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Copyright {
    pub text: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// An album in an artist's discography: `album_group` says how the artist took part
/// (`album` when they are one of its artists, `appears_on` otherwise).
#[derive(Serialize, ToSchema)]
pub struct DiscographyAlbum {
    #[serde(flatten)]
    pub album: SimplifiedAlbum,
    pub album_group: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ExternalIds {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isrc: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct TrackObject {
    pub album: SimplifiedAlbum,
    pub artists: Vec<SimplifiedArtist>,
    pub available_markets: Vec<String>,
    pub disc_number: i64,
    pub duration_ms: i64,
    pub explicit: bool,
    pub external_ids: ExternalIds,
    pub external_urls: ExternalUrls,
    pub href: String,
    pub id: String,
    pub is_playable: bool,
    pub is_local: bool,
    pub name: String,
    pub popularity: i64,
    pub preview_url: Option<String>,
    pub track_number: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uri: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicUser {
    pub display_name: Option<String>,
    pub external_urls: ExternalUrls,
    pub followers: Followers,
    pub href: String,
    pub id: String,
    pub images: Vec<Image>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uri: String,
    /// Medley: the login name.
    pub username: String,
}

/// `GET /v1/me`: the public profile plus what only its owner sees.
#[derive(Serialize, ToSchema)]
pub struct PrivateUser {
    #[serde(flatten)]
    pub public: PublicUser,
    /// The account's id (the same as `id` on Medley).
    pub account_id: String,
    pub product: &'static str,
    /// Medley: whether the user administers this server.
    pub is_admin: bool,
    /// Medley: whether the account has a password (one made by signing in with Spotify has
    /// none): what confirms deleting it (`DELETE /v1/me`).
    pub has_password: bool,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct PlaylistUser {
    pub external_urls: ExternalUrls,
    pub href: String,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct PlaylistTrack {
    pub added_at: String,
    pub added_by: PlaylistUser,
    pub is_local: bool,
    /// The track (Spotify's current field).
    #[schema(value_type = TrackObject)]
    pub item: medley_app::cache::TrackJson,
    /// The same track under the deprecated field older clients read.
    #[schema(value_type = TrackObject)]
    pub track: medley_app::cache::TrackJson,
    /// Medley, on composite playlists: where the item came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// Why an item is in a composite: the sources that hold it, and whether the owner added it.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub sources: Vec<String>,
    pub direct: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ItemsRef {
    pub href: String,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SimplifiedPlaylist {
    pub collaborative: bool,
    /// Empty when the playlist has none (Spotify's simplified playlist always has a string).
    pub description: String,
    pub external_urls: ExternalUrls,
    pub href: String,
    pub id: String,
    pub images: Vec<Image>,
    pub name: String,
    pub owner: PlaylistUser,
    pub public: bool,
    pub snapshot_id: String,
    /// Medley: built from other playlists (see `/v1/playlists/{id}/composition`).
    pub composite: bool,
    pub items: ItemsRef,
    pub tracks: ItemsRef,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uri: String,
}

#[derive(Serialize, ToSchema)]
pub struct PlaylistObject {
    pub collaborative: bool,
    pub description: Option<String>,
    pub external_urls: ExternalUrls,
    pub followers: Followers,
    pub href: String,
    pub id: String,
    pub images: Vec<Image>,
    pub name: String,
    pub owner: PlaylistUser,
    pub public: bool,
    pub snapshot_id: String,
    pub items: Paging<PlaylistTrack>,
    pub tracks: Paging<PlaylistTrack>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uri: String,
}

#[derive(Serialize, ToSchema)]
pub struct SnapshotId {
    pub snapshot_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct SavedTrack {
    pub added_at: String,
    #[schema(value_type = TrackObject)]
    pub track: medley_app::cache::TrackJson,
}

/// Builds API objects; holds the public base URL (no trailing slash).
#[derive(Clone, Debug)]
pub struct Render {
    pub base: Arc<str>,
}

fn spotify_url(kind: &str, id: &Option<String>) -> ExternalUrls {
    let mut urls = ExternalUrls::new();
    if let Some(id) = id {
        urls.insert("spotify", format!("https://open.spotify.com/{kind}/{id}"));
    }
    urls
}

/// Unix milliseconds as Spotify's timestamps (`2024-05-01T12:00:00Z`).
pub use medley_app::clock::timestamp;

impl Render {
    pub fn href(&self, path: &str) -> String {
        format!("{}/v1/{path}", self.base)
    }

    /// A cover's images at Spotify's three sizes (640, 300 and 64 pixels, largest first),
    /// each with the width and height served; sizes a small picture would repeat are left
    /// out. The URLs carry the cover's hash, so each always answers the same image.
    pub fn images(&self, cover: Option<&Cover>) -> Vec<Image> {
        let Some(c) = cover else {
            return vec![];
        };
        let version = &c.hash[..16.min(c.hash.len())];
        let mut out: Vec<Image> = Vec::with_capacity(3);
        for size in [640, 300, 64] {
            let (width, height) = c.fitted(size);
            if out.iter().any(|i| i.width == Some(width)) {
                continue;
            }
            out.push(Image {
                url: self.href(&format!(
                    "albums/{}/image?size={size}&v={version}",
                    c.album_id
                )),
                height: Some(height),
                width: Some(width),
            });
        }
        out
    }

    /// A playlist's images: the cover its owner uploaded, else its first track's album's.
    pub fn playlist_images(&self, p: &Playlist) -> Vec<Image> {
        match p.uploaded_cover {
            Some(c) => vec![Image {
                url: self.playlist_cover_url(&p.id, c.version),
                height: Some(c.height),
                width: Some(c.width),
            }],
            None => self.images(p.cover.as_ref()),
        }
    }

    /// The URL of a playlist's uploaded cover, which changes with every upload.
    pub fn playlist_cover_url(&self, playlist: &str, version: i64) -> String {
        self.href(&format!("playlists/{playlist}/images/{version}.jpg"))
    }

    pub fn artist_ref(&self, a: &ArtistRef) -> SimplifiedArtist {
        SimplifiedArtist {
            external_urls: ExternalUrls::new(),
            href: self.href(&format!("artists/{}", a.id)),
            id: a.id.to_string(),
            name: a.name.clone(),
            kind: "artist",
            uri: format!("medley:artist:{}", a.id),
        }
    }

    pub fn artist(&self, a: &Artist) -> ArtistObject {
        let mut base = self.artist_ref(&ArtistRef {
            id: a.id.clone(),
            name: a.name.clone(),
        });
        base.external_urls = spotify_url("artist", &a.spotify_id);
        ArtistObject {
            base,
            followers: Followers {
                href: None,
                total: 0,
            },
            genres: vec![],
            images: vec![],
            popularity: 0,
            birth_date: a.birth_date.clone(),
            country: a.country.clone(),
            status: a.status.clone(),
        }
    }

    pub fn album(&self, a: &Album) -> SimplifiedAlbum {
        SimplifiedAlbum {
            album_type: a.album_type.clone(),
            total_tracks: a.total_tracks,
            available_markets: vec![],
            external_urls: spotify_url("album", &a.spotify_id),
            href: self.href(&format!("albums/{}", a.id)),
            id: a.id.to_string(),
            images: self.images(a.cover.as_ref()),
            name: a.name.clone(),
            release_date: a.release_date.clone().unwrap_or_else(|| "0000".into()),
            release_date_precision: a
                .release_date
                .as_deref()
                .and_then(date_precision)
                .unwrap_or("year"),
            kind: "album",
            uri: format!("medley:album:{}", a.id),
            artists: a.artists.iter().map(|x| self.artist_ref(x)).collect(),
        }
    }

    pub fn track(&self, t: &Track) -> TrackObject {
        TrackObject {
            album: self.album(&t.album),
            artists: t.artists.iter().map(|a| self.artist_ref(a)).collect(),
            available_markets: vec![],
            disc_number: t.disc_number,
            duration_ms: t.duration_ms,
            explicit: t.explicit,
            external_ids: ExternalIds {
                isrc: t.isrc.clone(),
                other: t.external_ids.clone(),
            },
            external_urls: spotify_url("track", &t.spotify_id),
            href: self.href(&format!("tracks/{}", t.id)),
            id: t.id.to_string(),
            is_playable: true,
            is_local: false,
            name: t.name.clone(),
            popularity: t.popularity,
            preview_url: None,
            track_number: t.track_number,
            kind: "track",
            uri: format!("medley:track:{}", t.id),
        }
    }

    pub fn user(&self, u: &User, followers: i64) -> PublicUser {
        PublicUser {
            display_name: Some(u.display_name.clone().unwrap_or_else(|| u.username.clone())),
            external_urls: ExternalUrls::new(),
            followers: Followers {
                href: None,
                total: followers,
            },
            href: self.href(&format!("users/{}", u.id)),
            id: u.id.to_string(),
            images: u
                .image_url
                .iter()
                .map(|url| Image {
                    url: url.clone(),
                    height: None,
                    width: None,
                })
                .collect(),
            kind: "user",
            uri: format!("medley:user:{}", u.id),
            username: u.username.clone(),
        }
    }

    pub fn playlist_user(&self, id: &str, display_name: Option<&str>) -> PlaylistUser {
        PlaylistUser {
            external_urls: ExternalUrls::new(),
            href: self.href(&format!("users/{id}")),
            id: id.to_owned(),
            kind: "user",
            uri: format!("medley:user:{id}"),
            display_name: display_name.map(str::to_owned),
        }
    }

    pub fn simplified_playlist(&self, p: &Playlist) -> SimplifiedPlaylist {
        let items = || ItemsRef {
            href: self.href(&format!("playlists/{}/items", p.id)),
            total: p.item_count,
        };
        SimplifiedPlaylist {
            collaborative: p.collaborative,
            description: p.description.clone().unwrap_or_default(),
            external_urls: ExternalUrls::new(),
            href: self.href(&format!("playlists/{}", p.id)),
            id: p.id.to_string(),
            images: self.playlist_images(p),
            name: p.name.clone(),
            owner: self.playlist_user(&p.owner_id, Some(&p.owner_name)),
            public: p.public,
            snapshot_id: p.snapshot_id.clone(),
            composite: p.composite,
            items: items(),
            tracks: items(),
            kind: "playlist",
            uri: format!("medley:playlist:{}", p.id),
        }
    }

    /// A paging object for `path` (which may carry its own query string).
    pub fn paging<T>(&self, path: &str, page: Page, total: i64, items: Vec<T>) -> Paging<T> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url =
            |offset: i64| self.href(&format!("{path}{sep}offset={offset}&limit={}", page.limit));
        Paging {
            href: url(page.offset),
            items,
            limit: page.limit,
            next: page.next(total).map(url),
            offset: page.offset,
            previous: page.previous().map(url),
            total,
        }
    }
}
