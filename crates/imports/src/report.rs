//! The import report: what happened to every file and every record.

use std::collections::BTreeMap;

use medley_history::{FileReport, Position};
use serde::{Deserialize, Serialize};

/// Rejected records listed by position in a file's report; more are counted, not listed.
pub const LISTED_REJECTIONS: usize = 100;

/// What became of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Read whole; its plays are stored.
    Imported,
    /// Not imported at all (unknown format, broken JSON…): see `reason`. Nothing of it is kept.
    Rejected,
    /// Not a listening history on purpose (video history, documents in the export).
    Ignored,
}

/// One rejected record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    /// 1-based record number, line and byte offset in the file.
    pub record: u64,
    pub line: u64,
    pub byte: u64,
    pub error: String,
}

impl RejectedRow {
    pub fn new(position: Position, error: String) -> RejectedRow {
        RejectedRow {
            record: position.index + 1,
            line: position.line,
            byte: position.byte,
            error,
        }
    }
}

/// One file's outcome. For an imported file,
/// `rows == added + duplicate + replaced + skipped + rejected`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileOutcome {
    pub name: String,
    pub status: FileStatus,
    /// The format the file was recognised as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Why the file was rejected or ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub rows: u64,
    /// New plays.
    pub added: u64,
    /// Plays already stored (this file again, an overlapping export, or a more precise copy
    /// of the same stream).
    pub duplicate: u64,
    /// Plays stored before with less precise times (Account data, live) that this file's
    /// copy replaced: counted once, with the better facts.
    pub replaced: u64,
    /// Records that are not plays, by reason (`incognito`, `no_track`, `zero_length`, `video`).
    pub skipped: BTreeMap<String, u64>,
    pub rejected: u64,
    /// The first rejected records, with their position and error.
    pub rejected_rows: Vec<RejectedRow>,
}

impl FileOutcome {
    pub fn new(name: &str, status: FileStatus) -> FileOutcome {
        FileOutcome {
            name: name.to_owned(),
            status,
            format: None,
            reason: None,
            rows: 0,
            added: 0,
            duplicate: 0,
            replaced: 0,
            skipped: BTreeMap::new(),
            rejected: 0,
            rejected_rows: Vec::new(),
        }
    }

    pub fn not_imported(name: &str, status: FileStatus, reason: String) -> FileOutcome {
        FileOutcome {
            reason: Some(reason),
            ..FileOutcome::new(name, status)
        }
    }

    /// The parser's counts of an imported file.
    pub(crate) fn counted(&mut self, report: &FileReport) {
        self.format = Some(report.format.as_str().to_owned());
        self.rows = report.rows;
        self.skipped = report.skipped_by_reason.clone();
        self.rejected = report.rejected;
    }

    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// Totals over the files of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub files: u64,
    pub files_imported: u64,
    pub files_rejected: u64,
    pub files_ignored: u64,
    pub rows: u64,
    pub added: u64,
    pub duplicate: u64,
    pub replaced: u64,
    pub skipped: u64,
    pub rejected: u64,
}

/// The whole report of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub totals: Totals,
    pub files: Vec<FileOutcome>,
}

impl ImportReport {
    pub fn push(&mut self, file: FileOutcome) {
        let t = &mut self.totals;
        t.files += 1;
        match file.status {
            FileStatus::Imported => t.files_imported += 1,
            FileStatus::Rejected => t.files_rejected += 1,
            FileStatus::Ignored => t.files_ignored += 1,
        }
        t.rows += file.rows;
        t.added += file.added;
        t.duplicate += file.duplicate;
        t.replaced += file.replaced;
        t.skipped += file.skipped_total();
        t.rejected += file.rejected;
        self.files.push(file);
    }
}
