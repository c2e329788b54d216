//! Spotify URIs Medley accepts: playlists, a user's Liked Songs, tracks, episodes, local files.

use std::fmt;

/// Something a composite or a sync job can read from or write to on Spotify.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Collection {
    /// `spotify:playlist:<id>`
    Playlist(String),
    /// `spotify:user:<id>:collection`, the user's Liked Songs.
    LikedSongs { user_id: String },
}

impl Collection {
    /// Parses `spotify:playlist:<id>` or `spotify:user:<id>:collection`; `None` for anything else.
    pub fn parse(uri: &str) -> Option<Collection> {
        let rest = uri.strip_prefix("spotify:")?;
        if let Some(id) = rest.strip_prefix("playlist:") {
            return is_id(id).then(|| Collection::Playlist(id.to_owned()));
        }
        let user = rest.strip_prefix("user:")?.strip_suffix(":collection")?;
        (!user.is_empty() && !user.contains(':')).then(|| Collection::LikedSongs {
            user_id: user.to_owned(),
        })
    }

    pub fn uri(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Collection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Collection::Playlist(id) => write!(f, "spotify:playlist:{id}"),
            Collection::LikedSongs { user_id } => write!(f, "spotify:user:{user_id}:collection"),
        }
    }
}

/// Spotify ids are base-62 strings (22 characters in practice; the check is kept lenient).
pub fn is_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The id of a `spotify:track:<id>` URI.
pub fn track_id(uri: &str) -> Option<&str> {
    uri.strip_prefix("spotify:track:").filter(|id| is_id(id))
}

/// Whether a URI names a local file, which the Web API cannot add to a playlist.
pub fn is_local(uri: &str) -> bool {
    uri.starts_with("spotify:local:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_collections_medley_reads() {
        assert_eq!(
            Collection::parse("spotify:playlist:37i9dQZF1DXcBWIGoYBM5M"),
            Some(Collection::Playlist("37i9dQZF1DXcBWIGoYBM5M".into()))
        );
        assert_eq!(
            Collection::parse("spotify:user:alice:collection"),
            Some(Collection::LikedSongs {
                user_id: "alice".into()
            })
        );
        for bad in [
            "spotify:playlist:",
            "spotify:playlist:a/b",
            "spotify:track:abc",
            "medley:playlist:abc",
            "spotify:user::collection",
            "spotify:user:a:b:collection",
        ] {
            assert_eq!(Collection::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Collection::parse("spotify:user:alice:collection")
                .unwrap()
                .uri(),
            "spotify:user:alice:collection"
        );
        assert_eq!(
            track_id("spotify:track:4uLU6hMCjMI75M1A2tKUQC"),
            Some("4uLU6hMCjMI75M1A2tKUQC")
        );
        assert!(is_local("spotify:local:Artist:Album:Title:200"));
    }
}
