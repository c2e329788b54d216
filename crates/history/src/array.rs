//! A JSON array file, parsed element by element: a [`serde::de::Visitor`] over the array's
//! `SeqAccess` takes each element as raw JSON text (one record in memory at a time) and hands
//! it to the [`Sink`]. The whole array is never held.
use std::cell::Cell;
use std::fmt;
use std::io::Read;
use std::rc::Rc;

use serde::de::{Deserializer as _, Error as _, SeqAccess, Visitor};
use serde_json::error::Category;
use serde_json::value::RawValue;

use crate::error::FileError;
use crate::read::{Sink, Start, MAX_RECORD_BYTES};
use crate::report::{Position, RowOutcome};
use crate::tracked::{Failure, Progress, Tracked};

pub(crate) fn read<R: Read, F: FnMut(RowOutcome)>(
    input: R,
    start: Start,
    sink: &mut Sink<'_, F>,
) -> Result<(), FileError> {
    let progress = Rc::new(Cell::new(Progress {
        byte: start.byte,
        newlines: start.line - 1,
        mark: start.byte,
        ..Progress::default()
    }));
    let tracked = Tracked::new(input, progress.clone(), MAX_RECORD_BYTES);
    let mut de = serde_json::Deserializer::from_reader(tracked);
    let mut fatal = None;
    let rows = Rows {
        sink,
        progress: &progress,
        fatal: &mut fatal,
    };
    let result = de.deserialize_seq(rows).and_then(|()| de.end());
    if let Some(error) = fatal {
        return Err(error);
    }
    result.map_err(|e| file_error(e, progress.get()))
}

struct Rows<'a, 's, 'o, F> {
    sink: &'a mut Sink<'o, F>,
    progress: &'a Cell<Progress>,
    fatal: &'s mut Option<FileError>,
}

impl<'de, F: FnMut(RowOutcome)> Visitor<'de> for Rows<'_, '_, '_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            let mut p = self.progress.get();
            (p.mark, p.index) = (p.byte, index);
            self.progress.set(p);
            let Some(raw) = seq.next_element::<Box<RawValue>>()? else {
                return Ok(());
            };
            let text = raw.get();
            let end = self.progress.get();
            let position = Position {
                index,
                byte: end.byte.saturating_sub(text.len() as u64),
                line: (end.newlines + 1).saturating_sub(newlines(text)),
            };
            if let Err(error) = self.sink.record(text, position) {
                *self.fatal = Some(error);
                return Err(A::Error::custom("stopped"));
            }
            index += 1;
        }
    }
}

fn newlines(text: &str) -> u64 {
    text.bytes().filter(|&b| b == b'\n').count() as u64
}

/// Maps a parser error to what went wrong with the file.
fn file_error(error: serde_json::Error, progress: Progress) -> FileError {
    match progress.failure {
        Some(Failure::NotUtf8 { byte }) => return FileError::NotUtf8 { byte },
        Some(Failure::TooLong { index, byte }) => {
            return FileError::RecordTooLong {
                index: index + 1,
                byte,
                limit: MAX_RECORD_BYTES,
            }
        }
        None => {}
    }
    let (line, column) = (error.line() as u64, error.column() as u64);
    match error.classify() {
        Category::Io => FileError::Io(error.into()),
        Category::Eof => FileError::Truncated { line, column },
        Category::Syntax | Category::Data => FileError::Syntax {
            line,
            column,
            message: without_position(&error),
        },
    }
}

/// serde_json's message without its " at line L column C" suffix (we say it ourselves).
pub(crate) fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}
