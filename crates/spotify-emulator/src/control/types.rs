//! Bodies of the control API (`/control/...`), shared by the server and [`super::Control`].

use serde::{Deserialize, Serialize};

pub use crate::world::auth::{AppSettings, TokenGrant};
pub use crate::world::faults::{FaultKind, FaultSettings, ScriptedFault};
pub use crate::world::playlists::Details;
pub use crate::world::requests::{CountFilter, Counts};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewUser {
    pub id: String,
    pub display_name: Option<String>,
    pub country: Option<String>,
    pub product: Option<String>,
    /// The profile picture's URL (none by default).
    #[serde(default)]
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserState {
    pub id: String,
    pub display_name: String,
    pub country: String,
    pub product: String,
    pub email: String,
    pub playlists: Vec<String>,
}

/// Signs the emulated browser in as `user_id`; with `deny`, consent is refused.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BrowserUser {
    pub user_id: String,
    #[serde(default)]
    pub deny: bool,
}

/// Issues tokens as if the user had consented in the browser just now.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MintToken {
    pub user_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Revoke {
    /// Only this app's grants; all apps when absent.
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Revoked {
    pub revoked: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewTrack {
    /// 22-character base62 id; generated when absent.
    pub id: Option<String>,
    pub name: String,
    /// Artist names; ids are derived from the names.
    pub artists: Vec<String>,
    pub album: String,
    pub album_release_date: Option<String>,
    pub duration_ms: u64,
    pub isrc: Option<String>,
    #[serde(default)]
    pub explicit: bool,
    pub track_number: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewTracks {
    pub tracks: Vec<NewTrack>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Generate {
    pub count: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewEpisode {
    pub id: Option<String>,
    pub name: String,
    pub show: String,
    pub publisher: Option<String>,
    pub description: Option<String>,
    pub duration_ms: u64,
    pub release_date: Option<String>,
    #[serde(default)]
    pub explicit: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewEpisodes {
    pub episodes: Vec<NewEpisode>,
}

/// Created ids and their URIs, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub ids: Vec<String>,
    pub uris: Vec<String>,
}

/// `available: false` makes a track unplayable (playlist reads show `null`);
/// `relinked_to` makes it unplayable and read as the given track with `linked_from`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrackChange {
    pub available: Option<bool>,
    pub relinked_to: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewPlaylist {
    /// 22-character base62 id; generated when absent.
    pub id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub public: Option<bool>,
    pub collaborative: Option<bool>,
}

/// URIs added, set or removed by a user in the Spotify app (default: the owner). Local
/// files (`spotify:local:…`) and episodes are allowed; the 10,000 cap still holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ItemsEdit {
    pub user_id: Option<String>,
    pub uris: Vec<String>,
    pub position: Option<usize>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Reorder {
    pub user_id: Option<String>,
    pub range_start: usize,
    pub insert_before: usize,
    pub range_length: Option<usize>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DetailsEdit {
    pub user_id: Option<String>,
    #[serde(flatten)]
    pub details: Details,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserRef {
    pub user_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub snapshot_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntryState {
    pub uri: String,
    pub added_at_ms: i64,
    pub added_by: String,
}

/// Everything about a playlist, items included, whoever asks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlaylistState {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub description: Option<String>,
    pub public: bool,
    pub collaborative: bool,
    pub collaborators: Vec<String>,
    pub followers: Vec<String>,
    pub snapshot_id: String,
    pub items: Vec<EntryState>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ids {
    pub ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedState {
    pub track_id: String,
    pub added_at_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Liked {
    pub items: Vec<SavedState>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewPlay {
    pub track_id: String,
    /// When the play ended (Unix ms, virtual clock); now when absent.
    pub played_at_ms: Option<i64>,
    pub context_uri: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewPlays {
    pub plays: Vec<NewPlay>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Advance {
    pub advance_secs: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClockState {
    pub now_ms: i64,
    pub offset_ms: i64,
    pub now: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FaultState {
    pub random: Option<FaultSettings>,
    pub scripted: Vec<ScriptedFault>,
}
