//! Generates N rows of Extended streaming history to a temporary file and reports how fast
//! `read_file` parses it. Run in release:
//!
//! `cargo run -p medley-history --release --example parse_speed -- 1000000`
use std::error::Error;
use std::fs::File;
use std::io::BufWriter;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use medley_history::synth::{write_extended, SynthConfig};
use medley_history::{read_file, ReadOptions};

fn main() -> Result<(), Box<dyn Error>> {
    let rows: u64 = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 1_000_000,
    };
    let path = std::env::temp_dir().join(format!("medley-parse-speed-{}.json", std::process::id()));
    let started = Instant::now();
    let summary = write_extended(
        &SynthConfig {
            rows,
            ..SynthConfig::default()
        },
        BufWriter::new(File::create(&path)?),
    )?;
    let bytes = std::fs::metadata(&path)?.len();
    println!(
        "generated {} rows, {:.1} MB in {:.2?}",
        summary.rows,
        bytes as f64 / 1e6,
        started.elapsed()
    );

    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let started = Instant::now();
    let report = read_file(File::open(&path)?, &ReadOptions::new(now_ms), |_| {});
    let elapsed = started.elapsed();
    std::fs::remove_file(&path)?;
    let report = report?;
    let secs = elapsed.as_secs_f64();
    println!(
        "parsed {} rows ({} plays, {} skipped, {} rejected) in {elapsed:.2?}: {:.0} rows/s, {:.1} MB/s",
        report.rows,
        report.parsed,
        report.skipped(),
        report.rejected,
        report.rows as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    Ok(())
}
