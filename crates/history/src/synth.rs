//! A deterministic generator of Extended-streaming-history exports, for tests and benchmarks.
//!
//! Same seed, same bytes: the generator uses its own splitmix64 (no `rand`, whose streams may
//! change between versions). It imitates a listener: Zipf-distributed artists and tracks
//! (a few favourites, a long tail), sessions of back-to-back plays separated by gaps, skips,
//! podcasts, and the quirks of real exports (NOTES): rows duplicated except for `ts`,
//! overlapping streams, null tracks, `offline_timestamp` in seconds and in milliseconds,
//! crash rows (`reason_end: unexpected-exit`, whose `ts` is when the app next opened),
//! incognito rows and zero-length plays. It writes a JSON array, one row per line, to any
//! [`Write`], without holding the rows, and returns what it wrote so tests can check the
//! parser's accounting against it.
use std::io::{self, Write};

use jiff::Timestamp;
use serde::Serialize;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    pub seed: u64,
    pub rows: u64,
    /// When the first session starts, Unix ms.
    pub start_ms: i64,
    pub artists: usize,
    pub tracks_per_artist: usize,
    /// Zipf exponent for artists and for tracks within an artist.
    pub zipf_s: f64,
    pub podcast_share: f64,
    pub skip_share: f64,
    /// Longest pause between two listening sessions (each is 5 minutes more at least).
    pub max_gap_ms: u64,
    /// Stop at this time even if fewer rows were written, Unix ms.
    pub end_ms: Option<i64>,
    /// Real tracks to listen to, favourites first in a shuffled order; empty: invented
    /// artists and tracks. Rows of these tracks carry no Spotify URI (they are not Spotify's).
    pub catalog: Vec<SynthTrack>,
}

/// A track the generated listener may play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthTrack {
    pub artist: String,
    pub album: String,
    pub title: String,
    pub duration_ms: u64,
}

impl Default for SynthConfig {
    fn default() -> SynthConfig {
        SynthConfig {
            seed: 1,
            rows: 10_000,
            start_ms: 1_199_145_600_000, // 2008-01-01
            artists: 2_000,
            tracks_per_artist: 30,
            zipf_s: 1.1,
            podcast_share: 0.03,
            skip_share: 0.2,
            max_gap_ms: 3 * 3_600_000,
            end_ms: None,
            catalog: Vec::new(),
        }
    }
}

/// What was written, by the category the parser will put each row in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SynthSummary {
    pub rows: u64,
    pub tracks: u64,
    pub episodes: u64,
    /// Rows with every item field null (skipped as `no_track`).
    pub null_items: u64,
    pub incognito: u64,
    pub zero_length: u64,
    /// Extra rows equal to the previous one except for `ts`.
    pub duplicates: u64,
    pub overlaps: u64,
    pub crashes: u64,
    pub offline_seconds: u64,
    pub offline_millis: u64,
    /// The latest `ts` written, Unix ms.
    pub last_ts_ms: i64,
}

/// splitmix64: tiny, fast, and good enough for test data.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n); n > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Samples ranks 0..n with probability proportional to 1/(rank+1)^s.
#[derive(Debug, Clone)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let mut cdf: Vec<f64> = (1..=n.max(1))
            .map(|k| {
                total += 1.0 / (k as f64).powf(s);
                total
            })
            .collect();
        cdf.iter_mut().for_each(|c| *c /= total);
        Zipf { cdf }
    }

    pub fn sample(&self, rng: &mut SplitMix64) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}

/// The parser's category of a generated row.
#[derive(Clone, Copy)]
enum Cat {
    Track,
    Episode,
    Null,
    Incognito,
    Zero,
}

#[derive(Serialize, Clone)]
struct Row {
    ts: String,
    platform: &'static str,
    ms_played: u64,
    conn_country: &'static str,
    ip_addr: &'static str,
    master_metadata_track_name: Option<String>,
    master_metadata_album_artist_name: Option<String>,
    master_metadata_album_album_name: Option<String>,
    spotify_track_uri: Option<String>,
    episode_name: Option<String>,
    episode_show_name: Option<String>,
    spotify_episode_uri: Option<String>,
    audiobook_title: Option<String>,
    audiobook_uri: Option<String>,
    audiobook_chapter_uri: Option<String>,
    audiobook_chapter_title: Option<String>,
    reason_start: &'static str,
    reason_end: &'static str,
    shuffle: bool,
    skipped: bool,
    offline: bool,
    offline_timestamp: i64,
    incognito_mode: bool,
}

const PLATFORMS: [&str; 4] = ["android", "ios", "windows", "web_player"];
const COUNTRIES: [&str; 4] = ["DE", "US", "GB", "SE"];
const STARTS: [&str; 4] = ["clickrow", "trackdone", "fwdbtn", "playbtn"];

/// Writes `config.rows` rows of Extended streaming history as a JSON array to `out`.
pub fn write_extended<W: Write>(config: &SynthConfig, out: W) -> io::Result<SynthSummary> {
    Generator::new(config).run(out)
}

struct Generator<'c> {
    config: &'c SynthConfig,
    rng: SplitMix64,
    artists: Zipf,
    tracks: Zipf,
    /// Over the catalog's tracks, when there is one: rank → index.
    favourites: Vec<usize>,
    catalog_picks: Zipf,
    summary: SynthSummary,
}

impl<'c> Generator<'c> {
    fn new(config: &'c SynthConfig) -> Generator<'c> {
        Generator {
            config,
            rng: SplitMix64::new(config.seed),
            artists: Zipf::new(config.artists, config.zipf_s),
            tracks: Zipf::new(config.tracks_per_artist, config.zipf_s),
            favourites: {
                let mut order: Vec<usize> = (0..config.catalog.len()).collect();
                order.sort_by_key(|&i| mix(config.seed ^ i as u64));
                order
            },
            catalog_picks: Zipf::new(config.catalog.len(), config.zipf_s),
            summary: SynthSummary::default(),
        }
    }

    fn run<W: Write>(mut self, mut out: W) -> io::Result<SynthSummary> {
        out.write_all(b"[")?;
        let mut t = self.config.start_ms;
        let mut session_left = 0u64;
        let (mut platform, mut country, mut shuffle, mut offline) = ("", "", false, false);
        let end = self.config.end_ms.unwrap_or(i64::MAX);
        while self.summary.rows < self.config.rows && t < end {
            if session_left == 0 {
                t += 300_000 + self.rng.below(self.config.max_gap_ms.max(1)) as i64;
                session_left = 1 + self.rng.below(40);
                platform = PLATFORMS[self.rng.below(4) as usize];
                country = COUNTRIES[self.rng.below(4) as usize];
                (shuffle, offline) = (self.rng.chance(0.5), self.rng.chance(0.1));
            }
            session_left -= 1;
            let (mut row, cat) = self.item();
            let ended = t + row.ms_played as i64;
            let mut ts = ended;
            (row.platform, row.conn_country, row.shuffle) = (platform, country, shuffle);
            row.reason_start = STARTS[self.rng.below(4) as usize];
            row.reason_end = if row.skipped { "fwdbtn" } else { "trackdone" };
            if session_left == 0 {
                row.reason_end = "endplay";
            }
            if offline {
                row.offline = true;
                row.offline_timestamp = if self.rng.chance(0.5) {
                    self.summary.offline_seconds += 1;
                    t / 1000
                } else {
                    self.summary.offline_millis += 1;
                    t
                };
            }
            if self.rng.chance(0.003) {
                // After a crash `ts` is when the app next opened.
                row.reason_end = "unexpected-exit";
                ts = ended + 60_000 + self.rng.below(3 * 3_600_000) as i64;
                session_left = 0;
                self.summary.crashes += 1;
            }
            row.ts = iso(ts);
            self.emit(&mut out, &row, ts, cat)?;
            if self.summary.rows < self.config.rows && self.rng.chance(0.01) {
                let dup_ts = ts + 1000 * (1 + self.rng.below(3) as i64);
                row.ts = iso(dup_ts);
                self.summary.duplicates += 1;
                self.emit(&mut out, &row, dup_ts, cat)?;
            }
            t = ts.max(ended) + self.rng.below(2_000) as i64;
            if row.ms_played > 20_000 && self.rng.chance(0.01) {
                t = ended - 1 - self.rng.below(15_000) as i64;
                self.summary.overlaps += 1;
            }
        }
        out.write_all(b"\n]\n")?;
        out.flush()?;
        Ok(self.summary)
    }

    /// One row's item and length; every category is exclusive so the parser's counts can be
    /// predicted exactly.
    fn item(&mut self) -> (Row, Cat) {
        let mut row = empty_row();
        let roll = self.rng.unit();
        if roll < self.config.podcast_share {
            let show = self.rng.below(20);
            let episode = self.rng.below(200);
            row.episode_name = Some(format!("Episode {episode}"));
            row.episode_show_name = Some(format!("Show {show}"));
            row.spotify_episode_uri = Some(uri("episode", show << 32 | episode));
            row.ms_played = 60_000 + self.rng.below(3_000_000);
            return (row, Cat::Episode);
        }
        if roll < self.config.podcast_share + 0.01 {
            row.ms_played = 1 + self.rng.below(200_000);
            return (row, Cat::Null);
        }
        let length = if self.config.catalog.is_empty() {
            let artist = self.artists.sample(&mut self.rng) as u64;
            let track = self.tracks.sample(&mut self.rng) as u64;
            row.master_metadata_album_artist_name = Some(if artist % 5 == 0 {
                format!("Sigur \"Rós\" {artist}")
            } else {
                format!("Artist {artist}")
            });
            row.master_metadata_track_name = Some(format!("Track {artist}-{track}"));
            row.master_metadata_album_album_name = Some(format!("Album {artist}-{}", track / 10));
            row.spotify_track_uri = Some(uri("track", artist << 32 | track));
            90_000 + mix(artist << 32 | track) % 270_000
        } else {
            let pick =
                &self.config.catalog[self.favourites[self.catalog_picks.sample(&mut self.rng)]];
            row.master_metadata_album_artist_name = Some(pick.artist.clone());
            row.master_metadata_track_name = Some(pick.title.clone());
            row.master_metadata_album_album_name = Some(pick.album.clone());
            pick.duration_ms.max(1)
        };
        row.ms_played = length;
        if self.rng.chance(0.005) {
            row.incognito_mode = true;
            return (row, Cat::Incognito);
        }
        if self.rng.chance(self.config.skip_share) {
            row.skipped = true;
            if self.rng.chance(0.05) {
                row.ms_played = 0;
                return (row, Cat::Zero);
            }
            row.ms_played = 1 + self.rng.below(30_000);
        }
        (row, Cat::Track)
    }

    fn emit<W: Write>(&mut self, out: &mut W, row: &Row, ts: i64, cat: Cat) -> io::Result<()> {
        out.write_all(if self.summary.rows == 0 {
            b"\n"
        } else {
            b",\n"
        })?;
        serde_json::to_writer(&mut *out, row)?;
        self.summary.rows += 1;
        self.summary.last_ts_ms = self.summary.last_ts_ms.max(ts);
        // A duplicate counts in the category of the row it copies.
        let s = &mut self.summary;
        *match cat {
            Cat::Track => &mut s.tracks,
            Cat::Episode => &mut s.episodes,
            Cat::Null => &mut s.null_items,
            Cat::Incognito => &mut s.incognito,
            Cat::Zero => &mut s.zero_length,
        } += 1;
        Ok(())
    }
}

fn empty_row() -> Row {
    Row {
        ts: String::new(),
        platform: "",
        ms_played: 0,
        conn_country: "",
        ip_addr: "",
        master_metadata_track_name: None,
        master_metadata_album_artist_name: None,
        master_metadata_album_album_name: None,
        spotify_track_uri: None,
        episode_name: None,
        episode_show_name: None,
        spotify_episode_uri: None,
        audiobook_title: None,
        audiobook_uri: None,
        audiobook_chapter_uri: None,
        audiobook_chapter_title: None,
        reason_start: "",
        reason_end: "",
        shuffle: false,
        skipped: false,
        offline: false,
        offline_timestamp: 0,
        incognito_mode: false,
    }
}

/// `spotify:<kind>:<22 base-62 characters>` derived from `n`.
fn uri(kind: &str, n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let (mut a, mut b) = (mix(n), mix(!n));
    let id: String = (0..22)
        .map(|i| {
            let v = if i < 11 { &mut a } else { &mut b };
            let d = DIGITS[(*v % 62) as usize] as char;
            *v /= 62;
            d
        })
        .collect();
    format!("spotify:{kind}:{id}")
}

fn iso(ms: i64) -> String {
    Timestamp::from_second(ms.div_euclid(1000))
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_of_a_catalog_plays_its_tracks_until_the_end_time() {
        let catalog: Vec<SynthTrack> = (0..20)
            .map(|i| SynthTrack {
                artist: format!("Band {}", i % 4),
                album: "Record".into(),
                title: format!("Song {i}"),
                duration_ms: 200_000,
            })
            .collect();
        let day = 86_400_000;
        let config = SynthConfig {
            rows: 1_000_000,
            start_ms: 0,
            end_ms: Some(30 * day),
            max_gap_ms: 20 * 3_600_000,
            podcast_share: 0.0,
            catalog: catalog.clone(),
            ..SynthConfig::default()
        };
        let mut out = Vec::new();
        let summary = write_extended(&config, &mut out).unwrap();
        assert!(summary.rows > 100 && summary.rows < 30 * 100, "{summary:?}");
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
        for row in rows
            .iter()
            .filter(|r| !r["master_metadata_track_name"].is_null())
        {
            assert!(row["spotify_track_uri"].is_null(), "not Spotify's: {row}");
            let title = row["master_metadata_track_name"].as_str().unwrap();
            assert!(catalog.iter().any(|t| t.title == title), "{title}");
        }
        let last = Timestamp::from_millisecond(summary.last_ts_ms).unwrap();
        assert!(
            summary.last_ts_ms < 31 * day,
            "ends about the end time: {last}"
        );
    }
}
