//! From a parsed [`Play`] to what the store keeps: the catalog item it names and the play row.

use medley_history::dedup::normalize_name;
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
    let played_kind = kind(play.kind());
    let (creator, title) = play.item.names();
    let name_hash = name_hash(played_kind, creator.unwrap_or(""), title.unwrap_or(""));
    let dedup = hash64(&play.dedup_key().to_string());
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
    fn spotify_ids_come_from_spotify_uris_only() {
        assert_eq!(spotify_id(Some("spotify:track:abc")), Some("abc".into()));
        assert_eq!(spotify_id(Some("medley:track:abc")), None);
        assert_eq!(spotify_id(Some("spotify:track:")), None);
        assert_eq!(spotify_id(None), None);
    }
}
