//! File errors (the file cannot be read as a whole) and row errors (one record is rejected,
//! the rest of the file goes on). Messages say what was wrong and where, in words a user can
//! act on.
use std::io;

use thiserror::Error;

use jiff::Timestamp;
use serde::Serialize;

/// Formats Unix milliseconds as an RFC 3339 instant, for messages.
pub fn fmt_ms(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_string(),
        Err(_) => format!("{ms} ms since 1970"),
    }
}

/// Why a whole file cannot be imported.
#[derive(Debug, Error)]
pub enum FileError {
    #[error("reading the file failed: {0}")]
    Io(#[from] io::Error),
    #[error("the file is not UTF-8 text: invalid byte at offset {byte}")]
    NotUtf8 { byte: u64 },
    #[error("the file ends early (truncated?) at line {line}, column {column}")]
    Truncated { line: u64, column: u64 },
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        line: u64,
        column: u64,
        message: String,
    },
    #[error("wrong shape: {0}")]
    Shape(String),
    #[error("not a known export format: {0}")]
    Unrecognized(String),
    #[error("record {index} starting at byte {byte} is longer than {limit} bytes")]
    RecordTooLong { index: u64, byte: u64, limit: u64 },
    #[error("the file is empty")]
    Empty,
}

/// Why one record was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RowError {
    #[error("not valid JSON: {0}")]
    Syntax(String),
    #[error("record is not a JSON object")]
    NotAnObject,
    #[error("wrong type: {0}")]
    Type(String),
    #[error("missing `{0}`")]
    Missing(&'static str),
    #[error("`{field}` is not a valid time: {value:?}")]
    BadTime { field: &'static str, value: String },
    #[error("`{field}` is negative ({value})")]
    Negative { field: &'static str, value: i64 },
    #[error("`{field}` is {value} ms, more than 24 hours")]
    TooLong { field: &'static str, value: i64 },
    #[error("`{field}` is {}, before {}", fmt_ms(*value_ms), fmt_ms(*floor_ms))]
    TooEarly {
        field: &'static str,
        value_ms: i64,
        floor_ms: i64,
    },
    #[error("`{field}` is {}, in the future (now is {})", fmt_ms(*value_ms), fmt_ms(*now_ms))]
    InFuture {
        field: &'static str,
        value_ms: i64,
        now_ms: i64,
    },
}

/// Why a well-formed record is not a play. Counted by [`SkipReason::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A row of a video history file.
    Video,
    /// Played in a private (incognito) session: the user asked for it not to count.
    Incognito,
    /// Track, episode and audiobook fields are all null (unavailable items), or Account data
    /// says "Unknown Artist" / "Unknown Track".
    NoTrack,
    /// `ms_played` is 0: nothing was heard.
    ZeroLength,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Video => "video",
            SkipReason::Incognito => "incognito",
            SkipReason::NoTrack => "no_track",
            SkipReason::ZeroLength => "zero_length",
        }
    }
}

/// Why a record did not become a play, inside the row converters.
#[derive(Debug)]
pub(crate) enum NotPlay {
    Skip(SkipReason),
    Reject(RowError),
}

impl From<RowError> for NotPlay {
    fn from(error: RowError) -> NotPlay {
        NotPlay::Reject(error)
    }
}

/// A serde error inside one record: the record is rejected, the file goes on.
pub(crate) fn row_type_error(error: serde_json::Error) -> NotPlay {
    NotPlay::Reject(RowError::Type(error.to_string()))
}
