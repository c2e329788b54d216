//! Keys that decide when two tracks are "the same track" for a composite.

use std::collections::HashMap;

use crate::model::{Identity, Track};

/// Longest gap between durations that fuzzy identity still calls the same recording.
pub const FUZZY_DURATION_MS: i64 = 2_000;

/// Assigns keys under one identity option. Fuzzy identity needs memory: a track joins the key of
/// a known track with the same title and first artist whose duration is within two seconds.
#[derive(Debug)]
pub struct Keys {
    identity: Identity,
    /// Folded "title|artist" → known (duration, key) pairs.
    fuzzy: HashMap<String, Vec<(i64, String)>>,
}

/// Lower-case ASCII letters and digits only: "Beyoncé – Halo!" and "beyonce halo" agree.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Keys {
    pub fn new(identity: Identity) -> Keys {
        Keys {
            identity,
            fuzzy: HashMap::new(),
        }
    }

    /// Teaches the resolver a key that already exists (from the ledger).
    pub fn remember(&mut self, key: &str, track: &Track) {
        if self.identity == Identity::Fuzzy {
            let group = self.fuzzy.entry(fuzzy_group(track)).or_default();
            if !group.iter().any(|(_, k)| k == key) {
                group.push((track.duration_ms, key.to_owned()));
            }
        }
    }

    /// Like [`Keys::key`], into `out` (cleared first), without allocating for id and ISRC
    /// identity.
    pub fn key_into(&mut self, track: &Track, out: &mut String) {
        out.clear();
        match self.identity {
            Identity::Id => {
                out.push_str("id:");
                out.push_str(&track.id);
            }
            Identity::Isrc => match &track.isrc {
                Some(isrc) if !isrc.is_empty() => {
                    out.push_str("isrc:");
                    out.extend(isrc.chars().map(|c| c.to_ascii_uppercase()));
                }
                _ => {
                    out.push_str("id:");
                    out.push_str(&track.id);
                }
            },
            Identity::Fuzzy => out.push_str(&self.key(track)),
        }
    }

    /// Whether `key` is the key of `track`: [`Keys::key_into`] and a comparison, without
    /// building the key for id and ISRC identity.
    pub(crate) fn is_key_of(&mut self, track: &Track, key: &str) -> bool {
        let by_id = |key: &str| {
            key.len() == 3 + track.id.len()
                && key.as_bytes()[..3] == *b"id:"
                && key.as_bytes()[3..] == *track.id.as_bytes()
        };
        match self.identity {
            Identity::Id => by_id(key),
            Identity::Isrc => match &track.isrc {
                Some(isrc) if !isrc.is_empty() => key.strip_prefix("isrc:").is_some_and(|k| {
                    k.len() == isrc.len()
                        && k.bytes()
                            .zip(isrc.bytes())
                            .all(|(a, b)| a == b.to_ascii_uppercase())
                }),
                _ => by_id(key),
            },
            Identity::Fuzzy => self.key(track) == key,
        }
    }

    pub fn key(&mut self, track: &Track) -> String {
        match self.identity {
            Identity::Id => format!("id:{}", track.id),
            Identity::Isrc => match &track.isrc {
                Some(isrc) if !isrc.is_empty() => format!("isrc:{}", isrc.to_ascii_uppercase()),
                _ => format!("id:{}", track.id),
            },
            Identity::Fuzzy => {
                let group_name = fuzzy_group(track);
                let group = self.fuzzy.entry(group_name.clone()).or_default();
                if let Some((_, key)) = group
                    .iter()
                    .find(|(d, _)| (d - track.duration_ms).abs() <= FUZZY_DURATION_MS)
                {
                    return key.clone();
                }
                let key = format!("fuzzy:{group_name}|{}", track.duration_ms);
                group.push((track.duration_ms, key.clone()));
                key
            }
        }
    }
}

fn fuzzy_group(t: &Track) -> String {
    format!(
        "{}|{}",
        fold(&t.name),
        fold(t.artists.first().map_or("", String::as_str))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(id: &str, name: &str, artist: &str, ms: i64, isrc: Option<&str>) -> Track {
        Track {
            id: id.into(),
            isrc: isrc.map(Into::into),
            name: name.into(),
            artists: vec![artist.into()],
            duration_ms: ms,
            explicit: false,
        }
    }

    #[test]
    fn id_and_isrc_identity() {
        let a = track("a", "Halo", "Beyoncé", 261_000, Some("usrc1"));
        let b = track("b", "Halo", "Beyoncé", 261_000, Some("USRC1"));
        let mut by_id = Keys::new(Identity::Id);
        assert_ne!(by_id.key(&a), by_id.key(&b));
        let mut by_isrc = Keys::new(Identity::Isrc);
        assert_eq!(by_isrc.key(&a), by_isrc.key(&b));
        let c = track("c", "Halo", "Beyoncé", 261_000, None);
        assert_eq!(by_isrc.key(&c), "id:c", "no ISRC: fall back to the id");
    }

    #[test]
    fn fuzzy_identity_folds_names_and_allows_two_seconds() {
        let mut keys = Keys::new(Identity::Fuzzy);
        let a = keys.key(&track("a", "Halo", "Beyoncé", 261_000, None));
        assert_eq!(keys.key(&track("b", "HALO!", "beyonce", 262_900, None)), a);
        assert_ne!(
            keys.key(&track("c", "Halo", "Beyoncé", 263_100, None)),
            a,
            "more than 2 s apart"
        );
        assert_ne!(
            keys.key(&track("d", "Halo", "Someone Else", 261_000, None)),
            a
        );
    }

    #[test]
    fn is_key_of_agrees_with_the_keys() {
        let tracks = [
            track("a", "Halo", "Beyoncé", 261_000, Some("usRc1é")),
            track("b", "Halo", "Beyoncé", 261_000, Some("")),
            track("c", "Halo", "Beyoncé", 261_000, None),
            track("id:c", "Halo", "Beyoncé", 261_000, Some("USRC1É")),
        ];
        for identity in [Identity::Id, Identity::Isrc] {
            let mut keys = Keys::new(identity);
            for t in &tracks {
                let key = keys.key(t);
                for other in &tracks {
                    let other_key = keys.key(other);
                    assert_eq!(
                        keys.is_key_of(t, &other_key),
                        key == other_key,
                        "{key} {other_key}"
                    );
                }
                let mut shorter = key.clone();
                shorter.pop();
                assert!(!keys.is_key_of(t, &shorter));
            }
        }
    }

    #[test]
    fn remembered_keys_are_reused() {
        let t = track("a", "Song", "Band", 100_000, None);
        let mut first = Keys::new(Identity::Fuzzy);
        let key = first.key(&t);
        let mut later = Keys::new(Identity::Fuzzy);
        later.remember(&key, &t);
        assert_eq!(later.key(&track("z", "song", "band", 101_000, None)), key);
    }
}
