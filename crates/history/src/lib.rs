//! Listening-history imports as pure code: recognise a data export by its fields, parse it as a
//! stream in bounded memory, and account for every record.
//!
//! Why a crate of its own: exports are large (a lifetime of Extended streaming history is
//! 150 MB and more), arrive in several shapes, and carry quirks (rows duplicated except for
//! `ts`, null tracks, `offline_timestamp` in seconds or milliseconds). Getting this right is
//! pure data work, tested without a database; storage and HTTP call [`read_file`] and keep
//! what it hands them.
//!
//! The contract of [`read_file`]: every record of the file reaches the callback exactly once,
//! as [`RowOutcome::Parsed`], [`RowOutcome::Skipped`] (with a reason that is counted) or
//! [`RowOutcome::Rejected`] (with its position and what was wrong). Nothing is silently
//! dropped. A file that cannot be read as a whole (truncated, not UTF-8, wrong top-level shape,
//! unknown format) ends in a [`FileError`]; rows already handed over belong to a failed file and
//! the caller must discard them (imports are all-or-nothing at the caller's level).
//!
//! Layout:
//! - [`play`]: the normalized [`Play`], the [`Format`] it came from, the played [`Item`].
//! - [`detect`]: which format a file is, decided by the fields of its first record.
//! - [`extended`], [`account`], [`listenbrainz`]: one row shape each, converted to a play.
//! - [`values`]: timestamps, durations and the absurd-value limits shared by the row shapes.
//! - [`read`](mod@read): the entry point and the per-file accounting; `input` (the read
//!   buffer), `array`, `lines` and `tracked` stream JSON arrays and JSON lines.
//! - [`report`], [`error`]: row outcomes, the file report, file and row errors.
//! - [`dedup`]: the deduplication key and the Account-data-to-Extended matcher.
//! - [`synth`]: a deterministic generator of Extended-history exports for tests and benchmarks.
#![forbid(unsafe_code)]

pub mod account;
mod array;
pub mod dedup;
pub mod detect;
pub mod error;
pub mod extended;
mod input;
mod lines;
pub mod listenbrainz;
pub mod play;
pub mod read;
pub mod report;
pub mod synth;
mod tracked;
pub mod values;

pub use dedup::{account_row_matches, DedupKey};
pub use error::{FileError, RowError, SkipReason};
pub use play::{Format, Item, Play, PlayKind};
pub use read::{read_file, ReadOptions};
pub use report::{FileReport, Position, RowOutcome};
