//! What happened to each record, and to the file as a whole.
//!
//! The report is what an import report shows the user: how many records the file had and
//! where each one went. `rows == parsed + skipped + rejected` always holds, so a reader can
//! check that nothing was silently dropped.
use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::error::RowError;
pub use crate::error::SkipReason;
use crate::play::{Format, Play};

/// Where a record sits in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    /// 0-based index of the record among the file's records.
    pub index: u64,
    /// 0-based byte offset of the record's first byte.
    pub byte: u64,
    /// 1-based line of the record's first byte.
    pub line: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "record {} (line {}, byte {})",
            self.index + 1,
            self.line,
            self.byte
        )
    }
}

/// One record's fate, handed to the caller's callback in file order.
// Most records are `Parsed`: boxing the play would allocate once per row for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum RowOutcome {
    Parsed {
        position: Position,
        play: Play,
    },
    Skipped {
        position: Position,
        reason: SkipReason,
    },
    Rejected {
        position: Position,
        error: RowError,
    },
}

impl RowOutcome {
    pub fn position(&self) -> Position {
        match self {
            RowOutcome::Parsed { position, .. }
            | RowOutcome::Skipped { position, .. }
            | RowOutcome::Rejected { position, .. } => *position,
        }
    }
}

/// The totals for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    pub format: Format,
    pub rows: u64,
    pub parsed: u64,
    pub skipped_by_reason: BTreeMap<String, u64>,
    pub rejected: u64,
}

impl FileReport {
    pub(crate) fn new() -> FileReport {
        FileReport {
            format: Format::Empty,
            rows: 0,
            parsed: 0,
            skipped_by_reason: BTreeMap::new(),
            rejected: 0,
        }
    }

    pub fn skipped(&self) -> u64 {
        self.skipped_by_reason.values().sum()
    }

    /// How many rows were skipped for `reason`.
    pub fn skipped_for(&self, reason: SkipReason) -> u64 {
        self.skipped_by_reason
            .get(reason.as_str())
            .copied()
            .unwrap_or(0)
    }

    /// Every record is accounted for exactly once.
    pub fn is_balanced(&self) -> bool {
        self.rows == self.parsed + self.skipped() + self.rejected
    }

    pub(crate) fn count(&mut self, outcome: &RowOutcome) {
        self.rows += 1;
        match outcome {
            RowOutcome::Parsed { .. } => self.parsed += 1,
            RowOutcome::Skipped { reason, .. } => {
                // Looked up before inserting: no key allocated per skipped row.
                match self.skipped_by_reason.get_mut(reason.as_str()) {
                    Some(count) => *count += 1,
                    None => {
                        self.skipped_by_reason.insert(reason.as_str().to_owned(), 1);
                    }
                }
            }
            RowOutcome::Rejected { .. } => self.rejected += 1,
        }
    }
}
