//! Helpers shared by the integration tests.
#![allow(dead_code)]
use std::path::PathBuf;

use medley_history::{read_file, FileError, FileReport, Play, ReadOptions, RowOutcome};

/// 2030-01-01T00:00:00Z: "now" for tests, fixed.
pub const NOW_MS: i64 = 1_893_456_000_000;

pub fn options() -> ReadOptions {
    ReadOptions::new(NOW_MS)
}

/// Reads `bytes`, returning the result and every outcome handed to the callback.
pub fn read(
    bytes: &[u8],
    options: &ReadOptions,
) -> (Result<FileReport, FileError>, Vec<RowOutcome>) {
    let mut rows = Vec::new();
    let result = read_file(bytes, options, |row| rows.push(row));
    (result, rows)
}

/// Reads `bytes` that must parse; returns the report and the outcomes.
pub fn read_ok(bytes: &[u8]) -> (FileReport, Vec<RowOutcome>) {
    let (result, rows) = read(bytes, &options());
    let report = result.unwrap_or_else(|e| panic!("file error: {e}"));
    assert!(report.is_balanced(), "{report:?}");
    assert_eq!(report.rows, rows.len() as u64);
    (report, rows)
}

pub fn plays(rows: &[RowOutcome]) -> Vec<&Play> {
    rows.iter()
        .filter_map(|r| match r {
            RowOutcome::Parsed { play, .. } => Some(play),
            _ => None,
        })
        .collect()
}

/// The shared samples (`shared/` sits beside the repository).
pub fn sample(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/samples")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
