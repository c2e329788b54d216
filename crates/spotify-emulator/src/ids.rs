//! Spotify ids and URIs: base62 ids of 22 characters, `spotify:{kind}:{id}` URIs and local-file
//! URIs `spotify:local:{artist}:{album}:{title}:{seconds}`.

use rand::Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A fresh 22-character base62 id.
pub fn new_id(rng: &mut impl Rng) -> String {
    random_string(rng, 22)
}

pub fn random_string(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char)
        .collect()
}

/// A stable base62 id derived from a name (artists and albums given by name only).
pub fn id_from_name(kind: &str, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{kind}:{name}").as_bytes());
    digest
        .iter()
        .take(22)
        .map(|b| BASE62[*b as usize % BASE62.len()] as char)
        .collect()
}

pub fn is_base62_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// What a playlist entry's URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemUri {
    Track(String),
    Episode(String),
    Local(LocalFile),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    pub artist: String,
    pub album: String,
    pub title: String,
    pub seconds: u64,
}

impl ItemUri {
    pub fn parse(uri: &str) -> Option<ItemUri> {
        if let Some(id) = uri.strip_prefix("spotify:track:") {
            return is_base62_id(id).then(|| ItemUri::Track(id.to_string()));
        }
        if let Some(id) = uri.strip_prefix("spotify:episode:") {
            return is_base62_id(id).then(|| ItemUri::Episode(id.to_string()));
        }
        let rest = uri.strip_prefix("spotify:local:")?;
        let parts: Vec<&str> = rest.split(':').collect();
        if parts.len() != 4 {
            return None;
        }
        Some(ItemUri::Local(LocalFile {
            artist: decode(parts[0]),
            album: decode(parts[1]),
            title: decode(parts[2]),
            seconds: parts[3].parse().ok()?,
        }))
    }
}

fn decode(part: &str) -> String {
    url::form_urlencoded::parse(format!("x={part}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uris() {
        let id = "4iV5W9uYEdYUVa79Axb7Rh";
        assert_eq!(
            ItemUri::parse(&format!("spotify:track:{id}")),
            Some(ItemUri::Track(id.into()))
        );
        assert_eq!(ItemUri::parse("spotify:track:short"), None);
        let local = ItemUri::parse("spotify:local:The+Band:Live:Song+One:215").unwrap();
        assert_eq!(
            local,
            ItemUri::Local(LocalFile {
                artist: "The Band".into(),
                album: "Live".into(),
                title: "Song One".into(),
                seconds: 215
            })
        );
    }
}
