//! The Web API objects Medley reads, deserialised leniently: fields Medley does not use are
//! ignored, and fields Spotify may leave out are optional.

use serde::{Deserialize, Serialize};

/// A page of a list (`PagingObject`).
#[derive(Clone, Debug, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub offset: u64,
    pub next: Option<String>,
}

/// A page of recently played (`CursorPagingPlayHistoryObject`).
#[derive(Clone, Debug, Deserialize)]
pub struct CursorPage<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    pub cursors: Option<Cursors>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Cursors {
    pub after: Option<String>,
    pub before: Option<String>,
}

/// `GET /me`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct User {
    pub id: String,
    pub display_name: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    /// Profile pictures, largest first (Spotify may send `null` or none).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub images: Vec<Image>,
}

/// An `ImageObject`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Image {
    pub url: String,
    #[serde(default)]
    pub height: Option<u32>,
    #[serde(default)]
    pub width: Option<u32>,
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Owner {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Count {
    pub total: u64,
}

/// An entry of `GET /me/playlists`: enough to tell whether a playlist changed.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct PlaylistSummary {
    pub id: String,
    pub name: String,
    pub snapshot_id: String,
    pub owner: Owner,
    #[serde(default)]
    pub collaborative: bool,
    #[serde(default)]
    pub public: Option<bool>,
    /// `items` since the 2026 migration; `tracks` before it.
    #[serde(default)]
    pub items: Option<Count>,
    #[serde(default)]
    pub tracks: Option<Count>,
}

impl PlaylistSummary {
    pub fn total(&self) -> u64 {
        self.items
            .as_ref()
            .or(self.tracks.as_ref())
            .map_or(0, |c| c.total)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct ArtistRef {
    pub id: Option<String>,
    pub name: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct AlbumRef {
    pub id: Option<String>,
    pub name: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ExternalIds {
    pub isrc: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Linked {
    pub id: Option<String>,
    pub uri: String,
}

/// A track or an episode as it appears in a playlist, Liked Songs or recently played.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Playable {
    #[serde(rename = "type", default)]
    pub kind: String,
    pub id: Option<String>,
    pub uri: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub duration_ms: u64,
    #[serde(default)]
    pub explicit: bool,
    #[serde(default)]
    pub is_local: bool,
    #[serde(default)]
    pub artists: Vec<ArtistRef>,
    #[serde(default)]
    pub album: Option<AlbumRef>,
    #[serde(default)]
    pub external_ids: Option<ExternalIds>,
    /// Set when Spotify relinked the track: the URI the playlist holds is `linked_from.uri`.
    #[serde(default)]
    pub linked_from: Option<Linked>,
}

impl Playable {
    /// The URI as stored in the playlist (the one to compare and remove by).
    pub fn stored_uri(&self) -> &str {
        self.linked_from.as_ref().map_or(&self.uri, |l| &l.uri)
    }

    pub fn isrc(&self) -> Option<&str> {
        self.external_ids.as_ref()?.isrc.as_deref()
    }
}

/// `PlaylistTrackObject`: `item` since 2026, `track` before (both may be present; either may be
/// null for an item that is no longer available).
#[derive(Clone, Debug, Deserialize)]
pub struct PlaylistEntry {
    #[serde(default)]
    pub added_at: Option<String>,
    #[serde(default)]
    pub is_local: bool,
    #[serde(default)]
    pub item: Option<Playable>,
    #[serde(default)]
    pub track: Option<Playable>,
}

impl PlaylistEntry {
    pub fn playable(&self) -> Option<&Playable> {
        self.item.as_ref().or(self.track.as_ref())
    }
}

/// `SavedTrackObject` (Liked Songs).
#[derive(Clone, Debug, Deserialize)]
pub struct SavedTrack {
    pub added_at: Option<String>,
    pub track: Option<Playable>,
}

/// `PlayHistoryObject` (recently played).
#[derive(Clone, Debug, Deserialize)]
pub struct PlayHistory {
    pub track: Playable,
    pub played_at: String,
}

/// `{"snapshot_id": …}`, the answer to playlist writes.
#[derive(Clone, Debug, Deserialize)]
pub struct SnapshotId {
    pub snapshot_id: String,
}

/// Spotify's error body: `{"error":{"status","message","reason"}}`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ErrorBody {
    pub error: Option<ErrorDetail>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ErrorDetail {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub reason: Option<String>,
}
