//! The entry point: [`read_file`] recognises a file's shape (JSON array or JSON lines) and
//! format, streams its records and accounts for each one.
use std::io::{BufRead, Read};

use serde_json::value::RawValue;

use crate::detect::detect;
use crate::error::SkipReason;
use crate::error::{FileError, NotPlay, RowError};
use crate::input::Input;
use crate::play::{Format, Play};
use crate::report::{FileReport, Position, RowOutcome};
use crate::{account, array, extended, lines, listenbrainz};

pub use crate::input::BUFFER_BYTES;
/// The largest record accepted (real rows are under 1 KiB); past it the file is refused
/// rather than buffered, which keeps memory bounded on hostile or mislabelled input.
pub const MAX_RECORD_BYTES: u64 = 1024 * 1024;

/// What the caller tells the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// The current time, Unix ms: plays that end after it are rejected as absurd.
    pub now_ms: i64,
    /// The file is a video history (`Streaming_History_Video_*`): its rows have the same
    /// fields as audio rows, so only the caller, who knows the zip entry, can say so. Every
    /// row is then skipped as `video`.
    pub video: bool,
}

impl ReadOptions {
    pub fn new(now_ms: i64) -> ReadOptions {
        ReadOptions {
            now_ms,
            video: false,
        }
    }

    pub fn video(self, video: bool) -> ReadOptions {
        ReadOptions { video, ..self }
    }
}

/// Reads one export file from `reader`, handing every record to `on_row` in file order, and
/// returns the totals. Memory stays bounded: one buffer and one record at a time.
///
/// On `Err`, records handed over so far belong to a file that failed: discard them.
pub fn read_file<R: Read>(
    reader: R,
    options: &ReadOptions,
    on_row: impl FnMut(RowOutcome),
) -> Result<FileReport, FileError> {
    let mut input = Input::new(reader);
    let start = skip_preamble(&mut input)?;
    let mut sink = Sink {
        options,
        on_row,
        format: None,
        report: FileReport::new(),
    };
    match start.first {
        None => return Err(FileError::Empty),
        Some(b'[') => array::read(input, start, &mut sink)?,
        Some(b'{') => lines::read(input, start, &mut sink)?,
        Some(_) => return Err(shape_error(&mut input, start)),
    }
    Ok(sink.report)
}

/// Where the first meaningful byte of the file is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start {
    pub byte: u64,
    pub line: u64,
    /// Offset of the first byte of that line.
    pub line_start: u64,
    pub first: Option<u8>,
}

/// Skips a UTF-8 byte-order mark and whitespace, leaving the first other byte unread.
fn skip_preamble<R: BufRead>(input: &mut R) -> Result<Start, FileError> {
    let (mut byte, mut line, mut line_start) = (0u64, 1u64, 0u64);
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(Start {
                byte,
                line,
                line_start,
                first: None,
            });
        }
        let mut i = if byte == 0 && buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let mut first = None;
        while i < buf.len() {
            match buf[i] {
                b' ' | b'\t' | b'\r' => {}
                b'\n' => {
                    line += 1;
                    line_start = byte + i as u64 + 1;
                }
                b => {
                    first = Some(b);
                    break;
                }
            }
            i += 1;
        }
        input.consume(i);
        byte += i as u64;
        if first.is_some() {
            return Ok(Start {
                byte,
                line,
                line_start,
                first,
            });
        }
    }
}

fn shape_error<R: BufRead>(input: &mut R, start: Start) -> FileError {
    let head = input.fill_buf().map(|b| b[..b.len().min(4)].to_vec());
    let head = head.unwrap_or_default();
    let shown = match std::str::from_utf8(&head) {
        Ok(s) => s.chars().next(),
        Err(e) if e.valid_up_to() > 0 => std::str::from_utf8(&head[..e.valid_up_to()])
            .ok()
            .and_then(|s| s.chars().next()),
        Err(e) if e.error_len().is_some() => return FileError::NotUtf8 { byte: start.byte },
        Err(_) => None,
    };
    let shown = shown.map(|c| format!("`{c}`")).unwrap_or("?".into());
    FileError::Shape(format!(
        "the file starts with {shown} at line {}; expected a JSON array (`[`) or one JSON \
         object per line (`{{`)",
        start.line
    ))
}

/// Receives raw records from the array and line readers: decides the format from the first,
/// converts each to an outcome, counts it and hands it to the caller.
pub(crate) struct Sink<'o, F> {
    options: &'o ReadOptions,
    on_row: F,
    format: Option<Format>,
    report: FileReport,
}

/// What the reader knows of a record's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Json {
    /// A JSON parser has already read it as one complete value.
    Valid,
    /// Framed by a scanner that does not check JSON syntax: the record may not be JSON.
    Unchecked,
}

/// What became of a record handed to [`Sink::record`].
#[derive(Debug)]
pub(crate) enum Taken {
    /// Accounted for and handed to the caller.
    Done,
    /// An [`Json::Unchecked`] record that is not valid JSON, with serde_json's error for it
    /// as a raw value: nothing was counted or handed over, the reader decides what it means.
    Invalid(serde_json::Error),
}

impl<F: FnMut(RowOutcome)> Sink<'_, F> {
    /// Converts one record and hands its outcome to the caller.
    ///
    /// An unchecked record is converted first (a typed parse checks the syntax of what it
    /// reads) and checked as JSON only when the conversion did not read it all, so the common
    /// case parses each record once.
    pub(crate) fn record(
        &mut self,
        raw: &str,
        position: Position,
        json: Json,
    ) -> Result<Taken, FileError> {
        let mut unchecked = json == Json::Unchecked;
        let format = match self.format {
            Some(format) => format,
            None => {
                if unchecked {
                    if let Err(error) = check_json(raw) {
                        return Ok(Taken::Invalid(error));
                    }
                    unchecked = false;
                }
                self.recognise(raw)?
            }
        };
        let result = if !raw.starts_with('{') {
            Err(NotPlay::Reject(RowError::NotAnObject))
        } else {
            convert(raw, format, self.options)
        };
        // Plays and the skips other than `video` come from a typed parse of the whole record,
        // which has checked its syntax; rejections and `video` may not have read it.
        let read_whole = result.is_ok()
            || matches!(&result, Err(NotPlay::Skip(reason)) if *reason != SkipReason::Video);
        if unchecked && !read_whole {
            if let Err(error) = check_json(raw) {
                return Ok(Taken::Invalid(error));
            }
        }
        let outcome = match result {
            Ok(play) => RowOutcome::Parsed { position, play },
            Err(NotPlay::Skip(reason)) => RowOutcome::Skipped { position, reason },
            Err(NotPlay::Reject(error)) => RowOutcome::Rejected { position, error },
        };
        self.emit(outcome);
        Ok(Taken::Done)
    }

    pub(crate) fn reject(&mut self, position: Position, error: RowError) {
        self.emit(RowOutcome::Rejected { position, error });
    }

    fn recognise(&mut self, first: &str) -> Result<Format, FileError> {
        let mut format = detect(first)?;
        let extended = matches!(format, Format::ExtendedAudio | Format::ExtendedLegacy);
        if self.options.video && extended {
            format = Format::ExtendedVideo;
        }
        self.format = Some(format);
        self.report.format = format;
        Ok(format)
    }

    fn emit(&mut self, outcome: RowOutcome) {
        self.report.count(&outcome);
        (self.on_row)(outcome);
    }
}

/// Whether `raw` is one JSON value, as serde_json reads a raw value.
fn check_json(raw: &str) -> Result<(), serde_json::Error> {
    serde_json::from_str::<&RawValue>(raw).map(|_| ())
}

fn convert(raw: &str, format: Format, options: &ReadOptions) -> Result<Play, NotPlay> {
    match format {
        Format::ExtendedAudio | Format::ExtendedLegacy => extended::convert(raw, format, options),
        Format::ExtendedVideo => Err(NotPlay::Skip(SkipReason::Video)),
        Format::AccountData => account::convert(raw, options),
        Format::ListenBrainz => listenbrainz::convert(raw, options),
        Format::Empty => Err(NotPlay::Reject(RowError::NotAnObject)),
    }
}
