//! JSON lines (one record per line, as ListenBrainz exports listens), read a line at a time
//! into one reused buffer. A malformed line is a rejected record, not a failed file, except
//! the first line (which decides the format) and a last line cut off mid-record (truncation).
use std::io::{BufRead, Read};

use serde_json::error::Category;

use crate::array::without_position;
use crate::error::{FileError, RowError};
use crate::read::{Json, Sink, Start, Taken, MAX_RECORD_BYTES};
use crate::report::{Position, RowOutcome};

pub(crate) fn read<R: BufRead, F: FnMut(RowOutcome)>(
    mut input: R,
    start: Start,
    sink: &mut Sink<'_, F>,
) -> Result<(), FileError> {
    let mut buf = Vec::new();
    let (mut byte, mut line, mut index) = (start.byte, start.line, 0u64);
    // Columns count from the start of the line: the first line's text starts after the
    // byte-order mark and blanks already skipped.
    let mut indent = (start.byte - start.line_start) as usize;
    loop {
        buf.clear();
        let n = (&mut input)
            .take(MAX_RECORD_BYTES + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        let ended = buf.last() == Some(&b'\n');
        if !ended && n as u64 > MAX_RECORD_BYTES {
            return Err(FileError::RecordTooLong {
                index: index + 1,
                byte,
                limit: MAX_RECORD_BYTES,
            });
        }
        let text = std::str::from_utf8(&buf).map_err(|e| FileError::NotUtf8 {
            byte: byte + e.valid_up_to() as u64,
        })?;
        let record = text.trim();
        if !record.is_empty() {
            let lead = text.len() - text.trim_start().len();
            let position = Position {
                index,
                byte: byte + lead as u64,
                line,
            };
            let lead = indent + lead;
            // The record is parsed once, as its format's row; a line that is not JSON comes
            // back with serde_json's error for it as a raw value.
            match sink.record(record, position, Json::Unchecked)? {
                Taken::Done => {}
                Taken::Invalid(e) if index == 0 => return Err(first_line_error(&e, line, lead)),
                Taken::Invalid(e) if !ended && e.classify() == Category::Eof => {
                    return Err(FileError::Truncated {
                        line,
                        column: (lead + e.column()) as u64,
                    })
                }
                Taken::Invalid(e) => sink.reject(position, RowError::Syntax(e.to_string())),
            }
            index += 1;
        }
        byte += n as u64;
        line += 1;
        indent = 0;
    }
}

fn first_line_error(error: &serde_json::Error, line: u64, lead: usize) -> FileError {
    if error.classify() == Category::Eof {
        return FileError::Shape(format!(
            "line {line} starts a JSON object that does not end on that line; a file that \
             starts with `{{` must hold one JSON object per line (JSON lines)"
        ));
    }
    FileError::Syntax {
        line,
        column: (lead + error.column()) as u64,
        message: without_position(error),
    }
}
