//! Deterministic synthetic catalog for speed tests and the benchmark (no external data).
//! Shared by `tests/speed.rs` and `examples/bench_search.rs` through `#[path]`.

#![allow(dead_code)]

use medley_search::TrackDoc;

/// Small, fast, reproducible pseudo-random numbers (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "love",
    "night",
    "heart",
    "dream",
    "fire",
    "rain",
    "summer",
    "blue",
    "black",
    "white",
    "golden",
    "silver",
    "midnight",
    "city",
    "road",
    "river",
    "ocean",
    "sky",
    "star",
    "moon",
    "sun",
    "shadow",
    "light",
    "dance",
    "song",
    "blues",
    "rock",
    "soul",
    "wild",
    "young",
    "old",
    "time",
    "home",
    "world",
    "girl",
    "boy",
    "baby",
    "angel",
    "devil",
    "ghost",
    "highway",
    "train",
    "wind",
    "storm",
    "thunder",
    "lightning",
    "paradise",
    "heaven",
    "hell",
    "king",
    "queen",
    "prince",
    "crown",
    "diamond",
    "stone",
    "glass",
    "paper",
    "electric",
    "neon",
    "velvet",
    "crystal",
    "broken",
    "lonely",
    "happy",
    "sad",
    "crazy",
    "sweet",
    "bitter",
    "honey",
    "sugar",
    "whiskey",
    "wine",
    "coffee",
    "morning",
    "evening",
    "tonight",
    "tomorrow",
    "yesterday",
    "forever",
    "never",
    "always",
    "again",
    "away",
    "down",
    "up",
    "back",
    "over",
    "under",
    "inside",
    "outside",
    "garden",
    "forest",
    "mountain",
    "valley",
    "desert",
    "island",
    "harbor",
    "bridge",
    "tower",
    "castle",
    "mirror",
    "window",
    "door",
    "wall",
    "street",
    "avenue",
    "boulevard",
    "station",
    "echo",
    "silence",
    "noise",
    "radio",
    "video",
    "machine",
    "robot",
    "future",
    "past",
    "memory",
    "secret",
    "promise",
    "lie",
    "truth",
    "fever",
    "cold",
    "warm",
    "hot",
    "frozen",
    "burning",
    "falling",
    "rising",
    "running",
    "walking",
    "talking",
    "dancing",
    "singing",
    "crying",
    "smiling",
    "dying",
    "living",
    "waiting",
    "café",
    "naïve",
    "señorita",
    "résumé",
    "déjà",
    "über",
    "mañana",
    "façade",
    "jalapeño",
    "piñata",
    "don't",
    "can't",
    "won't",
    "rock'n'roll",
    "hip-hop",
    "x-ray",
    "l.a.",
    "n.y.c.",
    "a-ha",
    "ok",
];

const ARTIST_WORDS: &[&str] = &[
    "beatles",
    "stones",
    "wolves",
    "tigers",
    "ravens",
    "kings",
    "sisters",
    "brothers",
    "machines",
    "lovers",
    "strangers",
    "pilots",
    "drifters",
    "dreamers",
    "rebels",
    "saints",
    "sinners",
    "heroes",
    "ghosts",
    "angels",
    "johnson",
    "smith",
    "garcía",
    "müller",
    "nováková",
    "björk",
    "beyoncé",
    "zoë",
    "andré",
    "françois",
    "ac/dc",
    "guns n' roses",
    "r.e.m.",
    "t-rex",
    "ac-dc",
    "sigur rós",
    "mötley",
    "crüe",
    "the",
    "band",
];

/// `n` tracks: 10 per album, an album per artist in turn, 1 in 8 tracks with a guest artist.
pub fn tracks(n: usize) -> Vec<TrackDoc> {
    let mut rng = Rng::new(0x5EED);
    let n_albums = n.div_ceil(10).max(1);
    let n_artists = (n_albums / 2).max(1);
    let artists: Vec<(String, String)> = (0..n_artists)
        .map(|i| (id('r', i), artist_name(&mut rng)))
        .collect();
    let albums: Vec<(String, String, usize)> = (0..n_albums)
        .map(|i| (id('l', i), title(&mut rng, 3), rng.below(n_artists)))
        .collect();
    (0..n)
        .map(|i| {
            let (album_id, album_name, artist) = &albums[i / 10];
            let mut track_artists = vec![artists[*artist].clone()];
            if rng.below(8) == 0 {
                track_artists.push(artists[rng.below(n_artists)].clone());
            }
            TrackDoc {
                track_id: id('t', i),
                track_name: title(&mut rng, 4),
                artists: track_artists,
                album_id: album_id.clone(),
                album_name: album_name.clone(),
                album_artists: vec![artists[*artist].1.clone()],
            }
        })
        .collect()
}

/// `n` varied queries: whole names, words, pairs, prefixes, folded and squashed spellings,
/// punctuation, and words that match nothing.
pub fn queries(n: usize, tracks: &[TrackDoc]) -> Vec<String> {
    let mut rng = Rng::new(0xC0FFEE);
    (0..n)
        .map(|i| {
            let t = &tracks[rng.below(tracks.len())];
            match i % 10 {
                0 => t.track_name.clone(),
                1 => t.artists[0].1.clone(),
                2 => t.album_name.clone(),
                3 => rng.pick(WORDS).to_string(),
                4 => format!("{} {}", rng.pick(WORDS), rng.pick(ARTIST_WORDS)),
                5 => {
                    let w = rng.pick(WORDS);
                    w.chars().take(1 + rng.below(4)).collect()
                }
                6 => format!("{} {}", t.artists[0].1, t.track_name),
                7 => t.artists[0]
                    .1
                    .to_lowercase()
                    .replace(['/', '-', '\'', '.'], ""),
                8 => format!("{} {}", rng.pick(WORDS), rng.pick(WORDS)),
                _ => format!("zzq{i} \"(unbalanced AND title:*"),
            }
        })
        .collect()
}

fn id(kind: char, i: usize) -> String {
    format!("{kind}{i:021}")
}

fn artist_name(rng: &mut Rng) -> String {
    let mut name = String::new();
    if rng.below(3) == 0 {
        name.push_str("The ");
    }
    for w in 0..1 + rng.below(2) {
        if w > 0 {
            name.push(' ');
        }
        name.push_str(&capitalise(rng.pick(ARTIST_WORDS)));
    }
    name
}

fn title(rng: &mut Rng, max_words: usize) -> String {
    (0..1 + rng.below(max_words))
        .map(|_| capitalise(rng.pick(WORDS)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
