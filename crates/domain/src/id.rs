//! Object ids: 22 characters of base 62, like Spotify's, because several Spotify client
//! libraries validate ids against that shape before sending a request.
//!
//! Each kind of object that crosses crates has its own id type ([`UserId`], [`PlaylistId`],
//! [`TrackId`], ...), made by one macro: a user id cannot be passed where a playlist id is
//! meant, and the compiler says so. Underneath each is the same text as before: it is stored,
//! sent and compared exactly as it was, and serialises as a plain string (`serde(transparent)`),
//! so JSON bodies, `Path<PlaylistId>` extraction and the OpenAPI schema do not change. Catalog
//! tracks were the last kind to cross crates as plain text; they are [`TrackId`] from the store
//! to the HTTP edge too. What still uses plain text is said at [`Id`].
//!
//! `From<String>` does not validate: ids read back from storage are trusted, and input from the
//! outside (a path parameter, a URI in a body) is checked where it enters, by the use case that
//! knows which answer to give (usually "not found").

use rand::Rng;

/// Length of every Medley object id.
pub const ID_LEN: usize = 22;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An id named by plain text. What still uses it: ids that stay inside one area and have no
/// kind another crate could mix up (API tokens, Spotify connections, library scans, live
/// sessions and comments, queued work, sync runs), and items of listening history that may be
/// a track or an episode. Every kind that crosses crates has its own type: users, playlists,
/// catalog tracks ([`TrackId`]: playlist items, the catalog, compositions of Medley tracks,
/// plays, liked songs, audio files, live shows), albums, artists, shows, sync jobs, imports and
/// audio files.
///
/// The search index and the OpenSubsonic API keep ids as text on purpose: a search document
/// and an OpenSubsonic id are one namespace over every kind, so a typed id is turned into text
/// where it enters them and typed again where it leaves (the OpenSubsonic library keys its
/// songs by [`TrackId`], which a text id looks up through `Borrow<str>`; its albums and artists
/// by text). Ids of other services (a Spotify track id, a `spotify:track:` URI) are not Medley
/// ids and stay `String`.
pub type Id = String;

/// A fresh random id (about 131 bits of entropy), for objects whose id has no type of its own;
/// typed ids are made with their own `new()`.
pub fn new_id() -> Id {
    let mut rng = rand::thread_rng();
    (0..ID_LEN)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A deterministic id derived from a seed string, for reproducible demo data.
pub fn id_from_seed(seed: &str) -> Id {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(seed.as_bytes());
    let mut n = u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"));
    let mut out = [b'0'; ID_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("ascii")
}

/// Whether `s` has the shape of a Medley id.
pub fn is_id(s: &str) -> bool {
    s.len() == ID_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Defines the id type of one kind of object: a `String` underneath, with the conversions that
/// let it be read as text (`Deref<Target = str>`, `as_str`, `Display`) and looked up in maps
/// keyed by it with a `&str` (`Borrow<str>`; its `Hash` and `Ord` are those of the text).
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone,
            Debug,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id (about 131 bits of entropy). Not `Default`: an id made
            /// where none was meant would name nothing.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(new_id())
            }

            /// The same id for the same seed, for reproducible demo and test data.
            pub fn from_seed(seed: &str) -> Self {
                Self(id_from_seed(seed))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

typed_id!(
    /// A user's id.
    UserId
);
typed_id!(
    /// A playlist's id (a composite is a playlist too).
    PlaylistId
);
typed_id!(
    /// A catalog track's id.
    TrackId
);
typed_id!(
    /// A catalog album's id.
    AlbumId
);
typed_id!(
    /// A catalog artist's id.
    ArtistId
);
typed_id!(
    /// A live show's id.
    ShowId
);
typed_id!(
    /// A scheduled sync job's id.
    SyncJobId
);
typed_id!(
    /// A stats import's id (one uploaded export).
    ImportId
);
typed_id!(
    /// An audio file's id (the file behind a track).
    AudioFileId
);

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap, HashSet};

    use super::*;

    #[test]
    fn new_ids_have_the_spotify_shape_and_differ() {
        let a = new_id();
        let b = new_id();
        assert!(is_id(&a), "{a}");
        assert_ne!(a, b);
        let (c, d) = (PlaylistId::new(), PlaylistId::new());
        assert!(is_id(&c), "{c}");
        assert_ne!(c, d);
    }

    #[test]
    fn seeded_ids_are_stable() {
        assert_eq!(id_from_seed("x"), id_from_seed("x"));
        assert_ne!(id_from_seed("x"), id_from_seed("y"));
        assert!(is_id(&id_from_seed("anything")));
        assert_eq!(UserId::from_seed("x"), id_from_seed("x"));
    }

    #[test]
    fn rejects_wrong_shapes() {
        assert!(!is_id("short"));
        assert!(!is_id("0123456789012345678901_"));
        assert!(!is_id("012345678901234567890-"));
    }

    #[test]
    fn typed_ids_are_plain_strings_in_json() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Item {
            owner: UserId,
            playlists: Vec<PlaylistId>,
        }
        let item = Item {
            owner: UserId::from("u1".to_owned()),
            playlists: vec![PlaylistId::from("p1".to_owned())],
        };
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"owner": "u1", "playlists": ["p1"]})
        );
        assert_eq!(serde_json::from_value::<Item>(json).unwrap(), item);
        assert_eq!(
            serde_json::from_str::<TrackId>("\"t1\"").unwrap().as_str(),
            "t1"
        );
    }

    #[test]
    fn maps_keyed_by_ids_are_looked_up_with_text() {
        let id = TrackId::new();
        let text: String = id.to_string();
        let hashed: HashMap<TrackId, u32> = HashMap::from([(id.clone(), 7)]);
        assert_eq!(hashed.get(text.as_str()), Some(&7));
        let ordered: BTreeMap<TrackId, u32> = BTreeMap::from([(id.clone(), 8)]);
        assert_eq!(ordered.get(text.as_str()), Some(&8));
        let set: HashSet<TrackId> = HashSet::from([id.clone()]);
        assert!(set.contains(text.as_str()));
        assert!(!set.contains("someone else"));
    }

    #[test]
    fn typed_ids_compare_with_their_text() {
        let id = AlbumId::from("a1".to_owned());
        assert_eq!(id, "a1");
        assert_eq!(id, *"a1");
        assert_eq!(id, "a1".to_owned());
        assert_eq!("a1", id);
        assert_eq!(id.as_str(), "a1");
        assert_eq!(&*id, "a1");
        assert_eq!(id.to_string(), "a1");
        assert_eq!(id.clone().into_string(), "a1");
        let before = AlbumId::from("a0");
        assert!(before < id, "ids order as their text");
    }
}
