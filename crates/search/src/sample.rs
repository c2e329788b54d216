//! A random catalog for the crate's own tests: names made of a few words, common words more
//! often, in several segments and with deleted documents.

use crate::{SearchIndex, TrackDoc};

pub const WORDS: &[&str] = &[
    "the", "of", "in", "love", "night", "live", "sydney", "devil", "speak", "blue", "moon",
    "river", "5", "2", "rock", "roll", "dance", "midnight", "city", "lights",
];

/// xorshift64*: the same catalog and queries on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    /// One to `most` words, common words more often (a skewed pick).
    pub fn words(&mut self, most: usize) -> String {
        let n = 1 + self.below(most);
        (0..n)
            .map(|_| WORDS[self.below(WORDS.len()).min(self.below(WORDS.len()))])
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A query of up to eight words; with `typing`, the last one cut short by a letter, as
    /// while typing.
    pub fn query(&mut self, typing: bool) -> String {
        let mut text = self.words(8);
        if typing {
            text.truncate(text.len() - 1);
        }
        text
    }
}

/// A catalog in several segments, with some tracks written twice (deleted documents).
pub fn catalog(rng: &mut Rng) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    // Merges would drop the deleted documents.
    index.pause_merges();
    for batch in 0..4 {
        let docs: Vec<TrackDoc> = (0..600)
            .map(|i| {
                // The last batch writes every other track of the first two again.
                let n = if batch == 3 { 2 * i } else { batch * 600 + i };
                TrackDoc {
                    track_id: format!("t{n}"),
                    track_name: rng.words(7),
                    artists: vec![(format!("a{}", n % 97), rng.words(2))],
                    album_id: format!("l{}", n % 211),
                    album_name: rng.words(5),
                    album_artists: vec![rng.words(2)],
                }
            })
            .collect();
        index.index_tracks(&docs).unwrap();
    }
    index
}
