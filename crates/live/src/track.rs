//! What a show plays: its playlist of tracks, as `welcome` and `playback` carry them.

use serde::{Deserialize, Serialize};

/// A track of the show's playlist. Medley-hosted tracks carry `stream_url`; Spotify tracks
/// carry `spotify_uri`, for each listener's own Spotify player (Spotify's audio is never
/// rebroadcast).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    pub uri: String,
    pub name: String,
    /// Artist names, in credit order.
    pub artists: Vec<String>,
    pub duration_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spotify_uri: Option<String>,
}

/// The show's playlist: prepared before the show, fixed while it runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playlist {
    /// `medley:playlist:<id>` when the show was made from a stored playlist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub tracks: Vec<Track>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_track_has_livemds_fields_and_omits_absent_sources() {
        let t = Track {
            uri: "medley:track:1".into(),
            name: "So What".into(),
            artists: vec!["Miles Davis".into()],
            duration_ms: 562_000,
            stream_url: Some("/v1/tracks/1/stream".into()),
            spotify_uri: None,
        };
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            serde_json::json!({"uri": "medley:track:1", "name": "So What",
                "artists": ["Miles Davis"], "duration_ms": 562000,
                "stream_url": "/v1/tracks/1/stream"})
        );
    }
}
