//! URIs name objects across systems: `medley:track:<id>` for Medley's own objects and
//! `spotify:track:<id>` where a Spotify object is meant (or where a Spotify client library
//! turned a bare Medley id into a Spotify-style URI).

use std::fmt;

/// Which system a URI belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Namespace {
    Medley,
    Spotify,
}

/// The kind of object a URI names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Track,
    Album,
    Artist,
    Playlist,
    User,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Track => "track",
            Kind::Album => "album",
            Kind::Artist => "artist",
            Kind::Playlist => "playlist",
            Kind::User => "user",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "track" => Kind::Track,
            "album" => Kind::Album,
            "artist" => Kind::Artist,
            "playlist" => Kind::Playlist,
            "user" => Kind::User,
            _ => return None,
        })
    }
}

/// A parsed URI such as `medley:track:6rqhFgbbKwnb9MLmUQDhG6`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Uri {
    pub namespace: Namespace,
    pub kind: Kind,
    pub id: String,
}

/// Why a string is not a usable URI; the message is shown to API users.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{uri}` is not a valid URI: {reason}")]
pub struct UriError {
    pub uri: String,
    pub reason: &'static str,
}

impl Uri {
    pub fn medley(kind: Kind, id: impl Into<String>) -> Uri {
        Uri {
            namespace: Namespace::Medley,
            kind,
            id: id.into(),
        }
    }

    /// Parses `namespace:kind:id`. Ids are base-62 text of 1 to 64 characters.
    pub fn parse(s: &str) -> Result<Uri, UriError> {
        let err = |reason| UriError {
            uri: s.chars().take(200).collect(),
            reason,
        };
        let mut parts = s.split(':');
        let (Some(ns), Some(kind), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err(
                "expected the form `medley:track:<id>` or `spotify:track:<id>`",
            ));
        };
        let namespace = match ns {
            "medley" => Namespace::Medley,
            "spotify" => Namespace::Spotify,
            _ => return Err(err("the scheme must be `medley` or `spotify`")),
        };
        let kind = Kind::parse(kind).ok_or_else(|| err("unknown object type"))?;
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(err("the id must be 1 to 64 letters and digits"));
        }
        Ok(Uri {
            namespace,
            kind,
            id: id.to_owned(),
        })
    }

    /// Parses and requires a given kind (e.g. only track URIs may be added to a playlist).
    pub fn parse_kind(s: &str, kind: Kind) -> Result<Uri, UriError> {
        let uri = Uri::parse(s)?;
        if uri.kind != kind {
            return Err(UriError {
                uri: s.to_owned(),
                reason: match kind {
                    Kind::Track => "only track URIs are accepted here",
                    Kind::Playlist => "only playlist URIs are accepted here",
                    _ => "this kind of object is not accepted here",
                },
            });
        }
        Ok(uri)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = match self.namespace {
            Namespace::Medley => "medley",
            Namespace::Spotify => "spotify",
        };
        write!(f, "{ns}:{}:{}", self.kind.as_str(), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_namespaces_and_round_trips() {
        for s in [
            "medley:track:6rqhFgbbKwnb9MLmUQDhG6",
            "spotify:playlist:37i9dQZF1DX",
        ] {
            assert_eq!(Uri::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn rejects_malformed_uris_with_a_reason() {
        assert!(Uri::parse("track:abc").is_err());
        assert!(Uri::parse("youtube:track:abc").is_err());
        assert!(Uri::parse("medley:song:abc").is_err());
        assert!(Uri::parse("medley:track:a-b").is_err());
        assert!(Uri::parse("medley:track:a:b").is_err());
        let e = Uri::parse_kind("medley:album:abc", Kind::Track).unwrap_err();
        assert!(e.to_string().contains("only track URIs"));
    }
}
