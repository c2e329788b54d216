//! A large generated export parses completely, one record at a time, and the generator is
//! deterministic.
mod common;

use std::cell::Cell;
use std::io::{BufWriter, Read, Seek};
use std::rc::Rc;

use common::options;
use medley_history::read::BUFFER_BYTES;
use medley_history::synth::{write_extended, SynthConfig};
use medley_history::{read_file, Format, RowOutcome, SkipReason};

/// Counts the bytes the parser has taken from the file so far.
struct Counting<R> {
    inner: R,
    taken: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken.set(self.taken.get() + n as u64);
        Ok(n)
    }
}

#[test]
fn two_hundred_thousand_rows_stream_through() {
    let config = SynthConfig {
        seed: 7,
        rows: 200_000,
        ..SynthConfig::default()
    };
    let mut file = tempfile::tempfile().unwrap();
    let summary = write_extended(&config, BufWriter::new(&mut file)).unwrap();
    let size = file.stream_position().unwrap();
    file.rewind().unwrap();
    assert!(summary.last_ts_ms < common::NOW_MS);

    let taken = Rc::new(Cell::new(0));
    let reader = Counting {
        inner: &mut file,
        taken: taken.clone(),
    };
    let (mut callbacks, mut last_index, mut max_ahead) = (0u64, None, 0u64);
    let report = read_file(reader, &options(), |row| {
        let p = row.position();
        // Records arrive in order, one per callback...
        assert_eq!(p.index, callbacks);
        callbacks += 1;
        last_index = Some(p.index);
        // ...and the parser has read at most one buffer past the record it hands over:
        // the file is consumed incrementally, never loaded whole.
        let ahead = taken.get().saturating_sub(p.byte);
        max_ahead = max_ahead.max(ahead);
        assert!(
            ahead <= (BUFFER_BYTES + 4096) as u64,
            "read {ahead} bytes ahead"
        );
        if let RowOutcome::Rejected { position, error } = &row {
            panic!("{position}: {error}");
        }
    })
    .unwrap();

    assert_eq!(taken.get(), size, "the whole file was read");
    assert!(
        size > 20 * BUFFER_BYTES as u64,
        "the file is much larger than the buffer"
    );
    assert_eq!(report.format, Format::ExtendedAudio);
    assert_eq!((report.rows, callbacks), (200_000, 200_000));
    assert!(report.is_balanced());
    assert_eq!(report.rejected, 0);
    assert_eq!(report.parsed, summary.tracks + summary.episodes);
    assert_eq!(report.skipped_for(SkipReason::NoTrack), summary.null_items);
    assert_eq!(report.skipped_for(SkipReason::Incognito), summary.incognito);
    assert_eq!(
        report.skipped_for(SkipReason::ZeroLength),
        summary.zero_length
    );
    for quirk in [
        summary.duplicates,
        summary.overlaps,
        summary.crashes,
        summary.offline_seconds,
        summary.offline_millis,
    ] {
        assert!(quirk > 0, "{summary:?}");
    }
}

fn generate(seed: u64, rows: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let config = SynthConfig {
        seed,
        rows,
        ..SynthConfig::default()
    };
    write_extended(&config, &mut out).unwrap();
    out
}

#[test]
fn generator_is_deterministic() {
    assert_eq!(generate(3, 5_000), generate(3, 5_000));
    assert_ne!(generate(3, 5_000), generate(4, 5_000));
    let small = generate(3, 1_000);
    assert!(
        generate(3, 5_000).starts_with(&small[..small.len() - 4]),
        "a prefix of a longer run"
    );
}

#[test]
fn generated_plays_are_zipf_shaped() {
    let bytes = generate(11, 20_000);
    let mut counts = std::collections::HashMap::<String, u64>::new();
    read_file(&bytes[..], &options(), |row| {
        if let RowOutcome::Parsed { play, .. } = row {
            if let (Some(artist), _) = play.item.names() {
                *counts.entry(artist.to_owned()).or_default() += 1;
            }
        }
    })
    .unwrap();
    let mut sorted: Vec<u64> = counts.into_values().collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let top10: u64 = sorted.iter().take(10).sum();
    let total: u64 = sorted.iter().sum();
    assert!(
        top10 * 5 > total,
        "the top 10 artists hold over a fifth of plays"
    );
    assert!(sorted.len() > 500, "and there is a long tail");
}
