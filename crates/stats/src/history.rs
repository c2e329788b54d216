//! A user's listening history in memory: struct-of-arrays sorted by start time, about 25
//! bytes a listen, so a million listens fit in 25 MB and a scan reads only what it needs.

use serde::Serialize;

/// "No such entity" (an episode has no album; an unknown artist).
pub const NONE: u32 = u32::MAX;

/// What was played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Track = 0,
    Episode = 1,
    Audiobook = 2,
}

impl Kind {
    fn from_bits(bits: u8) -> Kind {
        match bits & 3 {
            0 => Kind::Track,
            1 => Kind::Episode,
            _ => Kind::Audiobook,
        }
    }
}

/// One listen. Entities are dense indices the caller chose: `item` numbers tracks and
/// episodes in one space (a number is a track or an episode, never both), `artist` artists
/// and shows, `album` albums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    pub started_at_ms: i64,
    pub ms_played: u32,
    pub kind: Kind,
    pub item: u32,
    pub artist: u32,
    pub album: u32,
    /// The caller's judgement (the `skipped` flag, or a forward-button end).
    pub skipped: bool,
    /// Its source reported it as a listen without measuring how long it played (a
    /// scrobbler, Spotify's recently-played): it counts as a play whatever the query's
    /// `min_ms`, and `ms_played` is the track's length, or 0 when nobody knows it.
    pub confirmed: bool,
}

const SKIPPED: u8 = 4;
const CONFIRMED: u8 = 8;

/// The history, sorted by start time (ties in arrival order).
#[derive(Debug, Clone, Default)]
pub struct History {
    pub(crate) started: Vec<i64>,
    pub(crate) ms: Vec<u32>,
    pub(crate) item: Vec<u32>,
    pub(crate) artist: Vec<u32>,
    pub(crate) album: Vec<u32>,
    /// Bits 0-1: kind; bit 2: skipped; bit 3: confirmed.
    pub(crate) flags: Vec<u8>,
    /// One past the largest `item`, `artist` and `album` index, for dense counters.
    pub(crate) bounds: [usize; 3],
}

impl History {
    pub fn new(mut listens: Vec<Listen>) -> History {
        listens.sort_by_key(|l| l.started_at_ms);
        let mut h = History::default();
        h.push_sorted(&listens);
        h
    }

    /// Adds listens of any age (an older export imported after live plays).
    pub fn extend(&mut self, mut listens: Vec<Listen>) {
        if listens.is_empty() {
            return;
        }
        listens.sort_by_key(|l| l.started_at_ms);
        if self
            .started
            .last()
            .is_none_or(|&last| last <= listens[0].started_at_ms)
        {
            self.push_sorted(&listens);
            return;
        }
        let mut all: Vec<Listen> = (0..self.len()).map(|i| self.get(i)).collect();
        all.extend(listens);
        *self = History::new(all);
    }

    fn push_sorted(&mut self, listens: &[Listen]) {
        for l in listens {
            self.started.push(l.started_at_ms);
            self.ms.push(l.ms_played);
            self.item.push(l.item);
            self.artist.push(l.artist);
            self.album.push(l.album);
            let skipped = if l.skipped { SKIPPED } else { 0 };
            let confirmed = if l.confirmed { CONFIRMED } else { 0 };
            self.flags.push(l.kind as u8 | skipped | confirmed);
            for (bound, v) in self.bounds.iter_mut().zip([l.item, l.artist, l.album]) {
                if v != NONE {
                    *bound = (*bound).max(v as usize + 1);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.started.len()
    }

    pub fn is_empty(&self) -> bool {
        self.started.is_empty()
    }

    /// The `i`-th listen in time order.
    pub fn get(&self, i: usize) -> Listen {
        Listen {
            started_at_ms: self.started[i],
            ms_played: self.ms[i],
            kind: self.kind(i),
            item: self.item[i],
            artist: self.artist[i],
            album: self.album[i],
            skipped: self.skipped(i),
            confirmed: self.confirmed(i),
        }
    }

    pub(crate) fn kind(&self, i: usize) -> Kind {
        Kind::from_bits(self.flags[i])
    }

    pub(crate) fn skipped(&self, i: usize) -> bool {
        self.flags[i] & SKIPPED != 0
    }

    pub(crate) fn confirmed(&self, i: usize) -> bool {
        self.flags[i] & CONFIRMED != 0
    }

    /// Bytes held by the arrays.
    pub fn memory_bytes(&self) -> usize {
        self.started.capacity() * 8
            + (self.ms.capacity() + self.item.capacity()) * 4
            + (self.artist.capacity() + self.album.capacity()) * 4
            + self.flags.capacity()
    }

    /// Indices of listens starting in `[from, to)`.
    pub(crate) fn range(&self, from_ms: i64, to_ms: i64) -> std::ops::Range<usize> {
        let a = self.started.partition_point(|&s| s < from_ms);
        let b = self.started.partition_point(|&s| s < to_ms);
        a..b.max(a)
    }
}
