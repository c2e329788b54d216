//! Playlists and their items.

use serde::{Deserialize, Serialize};

use crate::id::{PlaylistId, TrackId, UserId};

/// Most URIs one add, replace or remove request may carry (Spotify's limit).
pub const MAX_URIS_PER_WRITE: usize = 100;
/// Default most items a playlist may hold (Spotify's cap); configurable per server.
pub const DEFAULT_MAX_ITEMS: i64 = 10_000;

/// A playlist's metadata. Items are read page by page, never all at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playlist {
    pub id: PlaylistId,
    pub owner_id: UserId,
    pub owner_name: String,
    pub name: String,
    pub description: Option<String>,
    pub public: bool,
    pub collaborative: bool,
    pub snapshot_id: String,
    pub item_count: i64,
    pub follower_count: i64,
    /// Built from other playlists (see medley-compose).
    pub composite: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The cover of its first track's album, if that album has one.
    #[serde(default)]
    pub cover: Option<crate::catalog::Cover>,
    /// The cover its owner uploaded, if any: shown instead of the album's.
    #[serde(default)]
    pub uploaded_cover: Option<UploadedCover>,
}

/// A playlist's uploaded cover image (a JPEG), as far as a listing needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedCover {
    pub width: i64,
    pub height: i64,
    /// Changes with every upload, so the image's URL does too.
    pub version: i64,
}

/// One entry of a playlist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistItem {
    pub position: i64,
    pub track_id: TrackId,
    pub added_at_ms: i64,
    pub added_by: UserId,
}

/// Who may do what with a playlist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Not visible at all (private and not ours): answer as if it did not exist.
    None,
    Read,
    /// Owner, or a collaborator of a collaborative playlist.
    Edit,
}

impl Playlist {
    /// The access `user` has; `is_collaborator` says whether they were invited to it.
    pub fn access(&self, user: Option<&UserId>, is_collaborator: bool) -> Access {
        let owner = user == Some(&self.owner_id);
        if owner || (self.collaborative && is_collaborator) {
            Access::Edit
        } else if self.public || is_collaborator {
            Access::Read
        } else {
            Access::None
        }
    }
}

/// Snapshot ids are opaque to clients; Medley derives them from the playlist id and its version
/// counter, so that every change yields a new, never-repeated id.
pub fn snapshot_id(playlist_id: &str, version: i64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{playlist_id}:{version}").as_bytes());
    let tag: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{version:x}-{tag}")
}

/// Why new playlist details were refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DetailsError {
    #[error("`name` must be 1 to 200 characters")]
    Name,
    #[error("`description` must be at most 1000 characters")]
    Description,
    #[error("`name` must not contain control characters (such as NUL, tabs or line breaks)")]
    NameControl,
    #[error("`description` must not contain control characters other than line breaks and tabs")]
    DescriptionControl,
    #[error("a collaborative playlist cannot be public: set `public` to false")]
    CollaborativePublic,
}

pub fn validate_name(name: &str) -> Result<(), DetailsError> {
    if !crate::names::name_is_clean(name) {
        return Err(DetailsError::NameControl);
    }
    let n = name.trim().chars().count();
    (1..=200)
        .contains(&n)
        .then_some(())
        .ok_or(DetailsError::Name)
}

pub fn validate_description(d: &str) -> Result<(), DetailsError> {
    if !crate::names::text_is_clean(d) {
        return Err(DetailsError::DescriptionControl);
    }
    (d.chars().count() <= 1000)
        .then_some(())
        .ok_or(DetailsError::Description)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn playlist(public: bool, collaborative: bool) -> Playlist {
        Playlist {
            id: "p".into(),
            owner_id: "owner".into(),
            owner_name: "owner".into(),
            name: "n".into(),
            description: None,
            public,
            collaborative,
            snapshot_id: snapshot_id("p", 1),
            item_count: 0,
            follower_count: 0,
            composite: false,
            created_at_ms: 0,
            updated_at_ms: 0,
            cover: None,
            uploaded_cover: None,
        }
    }

    #[test]
    fn private_playlists_are_invisible_to_others() {
        let p = playlist(false, false);
        assert_eq!(p.access(Some(&UserId::from("owner")), false), Access::Edit);
        assert_eq!(p.access(Some(&UserId::from("other")), false), Access::None);
        assert_eq!(p.access(None, false), Access::None);
    }

    #[test]
    fn public_playlists_are_read_only_to_others() {
        assert_eq!(
            playlist(true, false).access(Some(&UserId::from("other")), false),
            Access::Read
        );
    }

    #[test]
    fn collaborators_edit_only_collaborative_playlists() {
        assert_eq!(
            playlist(false, true).access(Some(&UserId::from("c")), true),
            Access::Edit
        );
        assert_eq!(
            playlist(false, false).access(Some(&UserId::from("c")), true),
            Access::Read
        );
        assert_eq!(
            playlist(false, true).access(Some(&UserId::from("x")), false),
            Access::None
        );
    }

    #[test]
    fn snapshots_change_with_every_version() {
        assert_ne!(snapshot_id("p", 1), snapshot_id("p", 2));
        assert_ne!(snapshot_id("p", 1), snapshot_id("q", 1));
        assert_eq!(snapshot_id("p", 7), snapshot_id("p", 7));
    }
}
