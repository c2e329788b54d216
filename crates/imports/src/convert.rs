//! From a parsed [`Play`] to what the store keeps: the catalog item it names and the play row.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::OnceLock;

use medley_history::dedup::{normalize_name, DedupKey};
use medley_history::{Format, Item, Play, PlayKind};
use medley_store::{ItemRef, NewPlay, PlayedItem, PlayedKind, Precision};
use sha2::{Digest, Sha256};

/// A stable 64-bit hash (the first 8 bytes of SHA-256): stored, so it must never change.
/// Two different keys share a hash with odds of about 1 in 3·10^7 for a history of a million
/// plays, which would count one play as a duplicate of another.
pub fn hash64(text: &str) -> i64 {
    let digest = Sha256::digest(text.as_bytes());
    i64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// Seconds of end time that share the high half of a [`dedup_code`].
const DEDUP_BUCKET_S: i64 = 16;

/// The stored form of a play's [`DedupKey`]: the end time in 16-second buckets in the high 32
/// bits, the low 32 bits of the key's [`hash64`] below. Equal keys give equal codes (the end
/// second is part of the key, so copies of a play share a bucket). Codes grow with time, so a
/// history imported in order appends to the unique index on them instead of writing all over
/// it (that alone made an import of a million plays half as fast again).
/// Two different plays share a code only when they end within the same 16 seconds and their
/// hashes agree on 32 bits. Stored, so it must never change (migration 0007 derived it from the
/// earlier whole hash).
pub fn dedup_code(key: &DedupKey) -> i64 {
    let bucket = key.ended_at_s.div_euclid(DEDUP_BUCKET_S);
    let low = hash64(&key.to_string()) as u64 & 0xFFFF_FFFF;
    (bucket << 32) | low as i64
}

/// How precise the times of a format are.
pub fn precision(format: Format) -> Precision {
    match format {
        Format::AccountData => Precision::Minute,
        Format::ListenBrainz => Precision::Live,
        _ => Precision::Exact,
    }
}

fn kind(kind: PlayKind) -> PlayedKind {
    match kind {
        PlayKind::Track => PlayedKind::Track,
        PlayKind::Episode => PlayedKind::Episode,
        PlayKind::Audiobook => PlayedKind::Audiobook,
    }
}

/// The hash of a play's kind and normalized (creator, title): equal for copies of one play
/// whatever export they come from.
pub fn name_hash(kind: PlayedKind, creator: &str, title: &str) -> i64 {
    hash64(&format!(
        "{}\u{1f}{}\u{1f}{}",
        kind as i64,
        normalize_name(creator),
        normalize_name(title)
    ))
}

/// The last segment of a `spotify:<kind>:<id>` URI.
fn spotify_id(uri: Option<&str>) -> Option<String> {
    let uri = uri?;
    let id = uri.rsplit(':').next()?;
    (uri.starts_with("spotify:") && !id.is_empty()).then(|| id.to_owned())
}

const UNKNOWN_ARTIST: &str = "Unknown artist";
const UNKNOWN_SHOW: &str = "Unknown show";

/// The catalog item a play names. Exports sometimes give a URI without names: the URI then
/// stands in for the title.
pub fn played_item(play: &Play) -> PlayedItem {
    let title = |name: &Option<String>, uri: Option<&str>| {
        name.clone()
            .or_else(|| uri.map(str::to_owned))
            .unwrap_or_else(|| "Unknown".to_owned())
    };
    match &play.item {
        Item::Track {
            name,
            artist,
            album,
            uri,
        } => PlayedItem::Track {
            spotify_id: spotify_id(uri.as_deref()),
            name: title(name, uri.as_deref()),
            artist: artist.clone().unwrap_or_else(|| UNKNOWN_ARTIST.to_owned()),
            album: album.clone(),
        },
        Item::Episode { name, show, uri } => PlayedItem::Episode {
            spotify_id: spotify_id(uri.as_deref()),
            name: title(name, uri.as_deref()),
            show: show.clone().unwrap_or_else(|| UNKNOWN_SHOW.to_owned()),
            audiobook: false,
        },
        Item::Audiobook {
            title: book,
            chapter_title,
            uri,
            chapter_uri,
        } => {
            let uri = chapter_uri.as_deref().or(uri.as_deref());
            PlayedItem::Episode {
                spotify_id: spotify_id(uri),
                name: title(chapter_title, uri),
                show: book.clone().unwrap_or_else(|| UNKNOWN_SHOW.to_owned()),
                audiobook: true,
            }
        }
    }
}

/// The row to store for `play`, naming `item`.
pub fn new_play(play: Play, item: ItemRef) -> NewPlay {
    let (dedup, name_hash) = hashes(&play);
    row(play, dedup, name_hash, item)
}

/// The play's [`dedup_code`] and [`name_hash`].
fn hashes(play: &Play) -> (i64, i64) {
    let (creator, title) = play.item.names();
    let name_hash = name_hash(
        kind(play.kind()),
        creator.unwrap_or(""),
        title.unwrap_or(""),
    );
    (dedup_code(&play.dedup_key()), name_hash)
}

/// A parsed play made ready to store on the parsing thread, which has time to spare: its row
/// when the id of its catalog item is known there, or else the item to find, hashed.
pub enum Ready {
    Row(NewPlay),
    Pending(Pending),
}

/// A play whose catalog item is still to be found (or created).
pub struct Pending {
    pub item: KeyedItem,
    dedup: i64,
    name_hash: i64,
    play: Play,
}

impl Ready {
    /// Makes `play` ready, naming its item's id if `known` has it.
    pub fn new(play: Play, known: &ItemMap<ItemRef>) -> Ready {
        let (dedup, name_hash) = hashes(&play);
        let item = KeyedItem::new(played_item(&play));
        match known.get(&item) {
            Some(id) => Ready::Row(row(play, dedup, name_hash, id.clone())),
            None => Ready::Pending(Pending {
                item,
                dedup,
                name_hash,
                play,
            }),
        }
    }

    /// When the play ended.
    pub fn ended_at_ms(&self) -> i64 {
        match self {
            Ready::Row(row) => row.ended_at_ms,
            Ready::Pending(pending) => pending.play.ended_at_ms,
        }
    }
}

impl Pending {
    /// The row to store, naming `item`.
    pub fn into_new_play(self, item: ItemRef) -> NewPlay {
        row(self.play, self.dedup, self.name_hash, item)
    }
}

/// A catalog item with its hash computed once, where it is made: maps keyed by it neither
/// hash its strings again nor need a copy of them to look it up (see [`ItemMap`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedItem {
    hash: u64,
    pub item: PlayedItem,
}

impl KeyedItem {
    pub fn new(item: PlayedItem) -> KeyedItem {
        // Keyed at random once per process, like the standard maps, so that no export can be
        // made of items whose hashes collide.
        static KEYS: OnceLock<RandomState> = OnceLock::new();
        KeyedItem {
            hash: KEYS.get_or_init(RandomState::new).hash_one(&item),
            item,
        }
    }
}

impl Hash for KeyedItem {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Hashes a [`KeyedItem`] by the hash it carries.
#[derive(Default)]
pub struct CarriedHash(u64);

impl Hasher for CarriedHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `KeyedItem`; anything else still hashes (FNV-1a).
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// Builds the hasher of maps and sets keyed by [`KeyedItem`].
pub type ItemHasher = BuildHasherDefault<CarriedHash>;

/// A map keyed by catalog items, hashed once.
pub type ItemMap<V> = HashMap<KeyedItem, V, ItemHasher>;

fn row(play: Play, dedup: i64, name_hash: i64, item: ItemRef) -> NewPlay {
    let played_kind = kind(play.kind());
    NewPlay {
        dedup,
        name_hash,
        precision: precision(play.source),
        started_at_ms: play.started_at_ms,
        ended_at_ms: play.ended_at_ms,
        ms_played: play.ms_played as i64,
        measured: play.ms_played_measured,
        kind: played_kind,
        item,
        source: play.source.as_str().to_owned(),
        platform: play.platform,
        country: play.country,
        reason_start: play.reason_start,
        reason_end: play.reason_end,
        shuffle: play.shuffle,
        skipped: play.skipped,
        offline: play.offline,
        offline_at_ms: play.offline_timestamp_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable() {
        // Stored in the database: a change here would break deduplication of old imports.
        assert_eq!(
            hash64("1700000000|1000|spotify:track:x"),
            hash64("1700000000|1000|spotify:track:x")
        );
        assert_eq!(hash64(""), 1_449_310_910_991_872_227);
        assert_eq!(
            name_hash(PlayedKind::Track, " Big  Star", "Thirteen"),
            name_hash(PlayedKind::Track, "big star", "THIRTEEN")
        );
        assert_ne!(
            name_hash(PlayedKind::Track, "a", "b"),
            name_hash(PlayedKind::Episode, "a", "b")
        );
    }

    #[test]
    fn dedup_codes_are_stable_and_grow_with_the_end_time() {
        let key = |ended_at_s, item: &str| DedupKey {
            ended_at_s,
            ms_played: 1000,
            item: item.to_owned(),
        };
        let low = |text| hash64(text) as u64 & 0xFFFF_FFFF;
        assert_eq!(
            dedup_code(&key(1_700_000_000, "spotify:track:x")) as u64,
            (1_700_000_000 / 16) << 32 | low("1700000000|1000|spotify:track:x")
        );
        let mut codes: Vec<i64> = (0..200)
            .map(|i| dedup_code(&key(1_700_000_000 + i * 17, "spotify:track:x")))
            .collect();
        let unsorted = codes.clone();
        codes.sort();
        assert_eq!(codes, unsorted);
        // Before 1970 the buckets still order (and never meet the hash bits).
        assert!(dedup_code(&key(-20, "a")) < dedup_code(&key(-1, "a")));
        assert!(dedup_code(&key(-1, "a")) < dedup_code(&key(16, "a")));
    }

    #[test]
    fn spotify_ids_come_from_spotify_uris_only() {
        assert_eq!(spotify_id(Some("spotify:track:abc")), Some("abc".into()));
        assert_eq!(spotify_id(Some("medley:track:abc")), None);
        assert_eq!(spotify_id(Some("spotify:track:")), None);
        assert_eq!(spotify_id(None), None);
    }
}
