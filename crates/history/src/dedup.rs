//! When two records are the same play.
//!
//! **The key.** [`Play::dedup_key`] is (end time rounded to the second, `ms_played`, item),
//! where the item is its Spotify URI when the export gives one and otherwise its normalized
//! creator and title. A re-import of the same file, or two exports that overlap in time,
//! produce equal keys for the same stream, so storing plays under a unique key counts each
//! once. Why these parts: `ts` and `ms_played` together pin one stream (two real streams of
//! one track do not end in the same second having played the same number of milliseconds);
//! flags such as `skipped` or `incognito_mode` are left out because exports disagree on them
//! for the same stream (and rows duplicated except for those flags do occur).
//! Rows duplicated except for `ts` get different keys: whether they are one stream is a
//! question for the stats layer, not a reason to drop a row at import.
//!
//! **Account data.** Its rows have minute precision and no URIs, so their keys never equal
//! those of Extended rows. [`account_row_matches`] pairs them by tolerance instead.
use std::fmt;

use serde::Serialize;

use crate::play::Play;

/// Tolerance between an Account-data `endTime` (truncated to the minute) and an Extended `ts`.
pub const ACCOUNT_MATCH_TOLERANCE_MS: i64 = 60_000;

/// The identity of a play for deduplication. Its `Display` form is a stable string to store
/// in a unique column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct DedupKey {
    pub ended_at_s: i64,
    pub ms_played: u64,
    /// `spotify:…` URI, or `name:<creator>\u{1f}<title>` normalized.
    pub item: String,
}

impl fmt::Display for DedupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}|{}", self.ended_at_s, self.ms_played, self.item)
    }
}

impl Play {
    /// See the module documentation for why the key is made this way.
    pub fn dedup_key(&self) -> DedupKey {
        let item = match self.item.uri() {
            Some(uri) => uri.to_owned(),
            None => {
                let (creator, title) = self.item.names();
                format!(
                    "name:{}\u{1f}{}",
                    normalize_name(creator.unwrap_or("")),
                    normalize_name(title.unwrap_or(""))
                )
            }
        };
        DedupKey {
            ended_at_s: (self.ended_at_ms + 500).div_euclid(1000),
            ms_played: self.ms_played,
            item,
        }
    }
}

/// Lower case, whitespace trimmed and collapsed: how names are compared across formats.
pub fn normalize_name(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether an Account-data play and an Extended-history play are the same stream: same kind,
/// same normalized creator and title (artist and track, or show and episode), and end times
/// within [`ACCOUNT_MATCH_TOLERANCE_MS`] of each other. `ms_played` is not compared: the two
/// exports are documented to agree but nothing guarantees it, and names plus the minute
/// already single out a stream. Pure and symmetric; callers look up Extended plays near the
/// Account row's minute and keep the Account row only when none matches.
pub fn account_row_matches(account: &Play, extended: &Play) -> bool {
    if account.kind() != extended.kind() {
        return false;
    }
    let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
        (Some(a), Some(b)) => normalize_name(a) == normalize_name(b),
        _ => false,
    };
    let (a_creator, a_title) = account.item.names();
    let (e_creator, e_title) = extended.item.names();
    same(a_creator, e_creator)
        && same(a_title, e_title)
        && (account.ended_at_ms - extended.ended_at_ms).abs() <= ACCOUNT_MATCH_TOLERANCE_MS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::play::{Format, Item};

    fn play(
        source: Format,
        ended_at_ms: i64,
        artist: &str,
        track: &str,
        uri: Option<&str>,
    ) -> Play {
        Play::bare(
            source,
            ended_at_ms,
            ended_at_ms - 1000,
            1000,
            true,
            Item::Track {
                name: Some(track.into()),
                artist: Some(artist.into()),
                album: None,
                uri: uri.map(Into::into),
            },
        )
    }

    #[test]
    fn keys_prefer_uris_and_ignore_flags() {
        let a = play(
            Format::ExtendedAudio,
            1_700_000_000_000,
            "A",
            "T",
            Some("spotify:track:x"),
        );
        let mut b = a.clone();
        b.skipped = Some(true);
        b.platform = Some("ios".into());
        assert_eq!(a.dedup_key(), b.dedup_key());
        assert_eq!(a.dedup_key().to_string(), "1700000000|1000|spotify:track:x");
        let named = play(
            Format::AccountData,
            1_700_000_000_000,
            " Big  Star",
            "T",
            None,
        );
        assert_eq!(named.dedup_key().item, "name:big star\u{1f}t");
        let later = play(
            Format::ExtendedAudio,
            1_700_000_001_000,
            "A",
            "T",
            Some("spotify:track:x"),
        );
        assert_ne!(a.dedup_key(), later.dedup_key());
    }

    #[test]
    fn account_rows_match_within_a_minute() {
        let minute = 1_700_000_040_000;
        let account = play(
            Format::AccountData,
            minute,
            "Busy Signal",
            "Happy Birthday",
            None,
        );
        let uri = Some("spotify:track:x");
        let ext = |at| {
            play(
                Format::ExtendedAudio,
                at,
                "busy signal",
                "Happy  Birthday",
                uri,
            )
        };
        assert!(account_row_matches(&account, &ext(minute + 37_000)));
        assert!(account_row_matches(&account, &ext(minute - 60_000)));
        assert!(!account_row_matches(&account, &ext(minute + 61_000)));
        let other = play(Format::ExtendedAudio, minute, "Busy Signal", "Other", uri);
        assert!(!account_row_matches(&account, &other));
    }
}
