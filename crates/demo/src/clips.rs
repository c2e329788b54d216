//! Audio for the demo catalog: a short clip per track, synthesised here (no recording, no
//! encoder), so that a newcomer to `serve --demo` can press play.
//!
//! Each clip is a melody of [`NOTES`] notes drawn from a pentatonic scale by the track's
//! number (its key, octave, tempo and timbre too), so that no two tracks sound or weigh the
//! same; it is a WAV file (8 kHz, 8-bit, mono: every browser and player reads it) of about
//! three seconds, 24 KB, carrying the track's title, artist and album as a RIFF INFO tag.
//! Clips are deterministic: the same track always gets the same bytes.

/// Samples per second.
pub const RATE: u32 = 8_000;
/// Notes in a clip.
pub const NOTES: usize = 6;
/// Length of one note in ms at the slowest tempo.
const NOTE_MS: u32 = 500;

/// The pentatonic scale, in semitones above the key.
const SCALE: [i32; 5] = [0, 2, 4, 7, 9];

/// The names a clip's tag carries.
#[derive(Clone, Copy, Debug)]
pub struct ClipTags<'a> {
    pub title: &'a str,
    pub artist: &'a str,
    pub album: &'a str,
}

/// SplitMix64: a tiny, well-mixed generator, so clips depend on nothing but their number.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The clip of the demo track numbered `n` (its place in the demo catalog).
pub fn clip(n: u64, tags: ClipTags<'_>) -> Vec<u8> {
    let mut rng = Mix(n.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xD1B5_4A32_D192_ED03);
    // Key from A3 (220 Hz) up an octave; tempo 0.75 to 1 of the slowest; timbre by harmonics.
    let key = rng.below(12) as i32 - 9;
    let note_ms = NOTE_MS * (3 + rng.below(2) as u32) / 4;
    let second = 0.15 + (rng.below(40) as f64) / 100.0;
    let third = (rng.below(20) as f64) / 100.0;
    let mut samples = Vec::new();
    let mut degree = rng.below(5) as i32;
    for _ in 0..NOTES {
        // A walk over the scale: mostly steps, sometimes a leap.
        degree = (degree + rng.below(5) as i32 - 2).clamp(0, 9);
        let semitones = key + SCALE[(degree % 5) as usize] + 12 * (degree / 5);
        let freq = 440.0 * 2f64.powf(f64::from(semitones) / 12.0);
        let len = (RATE * note_ms / 1000) as usize;
        for i in 0..len {
            let t = i as f64 / f64::from(RATE);
            let attack = (i as f64 / 80.0).min(1.0);
            let decay = (-3.0 * t / (f64::from(note_ms) / 1000.0)).exp();
            let phase = t * freq * std::f64::consts::TAU;
            let v = phase.sin() + second * (2.0 * phase).sin() + third * (3.0 * phase).sin();
            let v = v / (1.0 + second + third) * attack * decay * 0.8;
            samples.push((128.0 + v * 127.0).round().clamp(0.0, 255.0) as u8);
        }
    }
    wav(&samples, tags)
}

/// Duration of a clip in ms, from its size (8-bit mono: one byte a sample).
pub fn duration_ms(samples: usize) -> u64 {
    samples as u64 * 1000 / u64::from(RATE)
}

fn wav(samples: &[u8], tags: ClipTags<'_>) -> Vec<u8> {
    let mut info = b"INFO".to_vec();
    for (id, value) in [
        (b"INAM", tags.title),
        (b"IART", tags.artist),
        (b"IPRD", tags.album),
    ] {
        let mut text = value.as_bytes().to_vec();
        text.push(0);
        info.extend_from_slice(id);
        info.extend_from_slice(&(text.len() as u32).to_le_bytes());
        if text.len() % 2 == 1 {
            text.push(0);
        }
        info.extend_from_slice(&text);
    }
    let mut fmt = Vec::with_capacity(16);
    fmt.extend_from_slice(&1u16.to_le_bytes()); // PCM
    fmt.extend_from_slice(&1u16.to_le_bytes()); // mono
    fmt.extend_from_slice(&RATE.to_le_bytes());
    fmt.extend_from_slice(&RATE.to_le_bytes()); // bytes a second
    fmt.extend_from_slice(&1u16.to_le_bytes()); // bytes a frame
    fmt.extend_from_slice(&8u16.to_le_bytes()); // bits a sample
    let mut body = b"WAVE".to_vec();
    for (id, chunk) in [
        (b"fmt ", &fmt[..]),
        (b"data", samples),
        (b"LIST", &info[..]),
    ] {
        body.extend_from_slice(id);
        body.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        body.extend_from_slice(chunk);
        if chunk.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAGS: ClipTags<'static> = ClipTags {
        title: "Song",
        artist: "Band",
        album: "Record",
    };

    #[test]
    fn clips_are_small_deterministic_and_distinct() {
        let a = clip(1, TAGS);
        assert_eq!(a, clip(1, TAGS), "the same track, the same bytes");
        assert!(a.starts_with(b"RIFF") && &a[8..12] == b"WAVE");
        assert!(a.len() < 30_000, "{} bytes", a.len());
        let data = |c: &[u8]| {
            let at = c.windows(4).position(|w| w == b"data").unwrap();
            let len = u32::from_le_bytes(c[at + 4..at + 8].try_into().unwrap()) as usize;
            c[at + 8..at + 8 + len].to_vec()
        };
        let d = data(&a);
        let ms = duration_ms(d.len());
        assert!((2_000..=3_100).contains(&ms), "{ms} ms");
        // Not silence: the samples swing well around the middle.
        assert!(d.iter().any(|&s| s > 200) && d.iter().any(|&s| s < 56));
        // Different tracks sound different (not only their tags).
        let sounds: std::collections::HashSet<Vec<u8>> =
            (0..500).map(|n| data(&clip(n, TAGS))).collect();
        assert_eq!(sounds.len(), 500);
    }
}
