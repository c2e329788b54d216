//! A JSON array file, parsed element by element, one record in memory at a time.
//!
//! Two readers share the work. The fast one scans the buffer in place: between records it
//! expects only whitespace, `,` and the closing `]`; it frames each record that is an object
//! or an array by its brackets (outside strings), checks it is UTF-8 and hands the text to the
//! [`Sink`], whose typed parse is the only JSON parse of a well-formed record.
//!
//! Anything else (a syntax error, a record of another kind, bytes that are not UTF-8, a
//! record over [`MAX_RECORD_BYTES`], the end of the file before the end of the array, an I/O
//! error) hands the rest of the file, from the end of the last record handed over, to the
//! careful reader: serde_json reading through [`Tracked`], which knows the position of every
//! byte, so errors name the exact line, column and byte. It is set up as it would have been
//! had it read the file from the start (same state, same counts, same limit), and finishes
//! the file.
use std::cell::Cell;
use std::fmt;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use serde::de::{Deserializer as _, Error as _, SeqAccess, Visitor};
use serde_json::error::Category;
use serde_json::value::RawValue;

use crate::error::FileError;
use crate::input::{Input, BUFFER_BYTES};
use crate::read::{Json, Sink, Start, Taken, MAX_RECORD_BYTES};
use crate::report::{Position, RowOutcome};
use crate::tracked::{Failure, Progress, Tracked};

/// Where the fast reader stands: just after the `[` or after the last record handed over.
#[derive(Debug, Clone, Copy)]
struct Resume {
    /// File offset.
    byte: u64,
    /// 1-based line of that offset, and the offset of that line's first byte.
    line: u64,
    line_start: u64,
    /// Records handed over so far.
    index: u64,
}

/// The fast reader's verdict on the bytes after a [`Resume`] point.
enum Next {
    /// A record, `buf[start..end]`, after `newlines` newlines since the resume point; the
    /// last of them, if any, just before buffer index `line_start`.
    Record {
        start: usize,
        end: usize,
        newlines: u64,
        line_start: Option<usize>,
    },
    /// The closing `]`, then only whitespace to the end of the file.
    End,
    /// Something the careful reader must look at.
    Careful,
}

pub(crate) fn read<R: Read, F: FnMut(RowOutcome)>(
    mut input: Input<R>,
    start: Start,
    sink: &mut Sink<'_, F>,
) -> Result<(), FileError> {
    let mut at = Resume {
        byte: start.byte + 1,
        line: start.line,
        line_start: start.line_start,
        index: 0,
    };
    let mut failed_read = None;
    loop {
        let (start, end, newlines, line_start) = match next(&mut input, at, &mut failed_read) {
            Next::Record {
                start,
                end,
                newlines,
                line_start,
            } => (start, end, newlines, line_start),
            Next::End => return Ok(()),
            Next::Careful => break,
        };
        let Ok(text) = std::str::from_utf8(&input.buf[start..end]) else {
            break;
        };
        let position = Position {
            index: at.index,
            byte: input.base + start as u64,
            line: at.line + newlines,
        };
        if let Taken::Invalid(_) = sink.record(text, position, Json::Unchecked)? {
            break;
        }
        // Newlines inside the record (pretty-printed files) move the line on.
        let bytes = text.as_bytes();
        let (inside, line_start) = match memchr::memrchr(b'\n', bytes) {
            Some(last) => (
                memchr::memchr_iter(b'\n', bytes).count() as u64,
                position.byte + last as u64 + 1,
            ),
            None => (
                0,
                line_start.map_or(at.line_start, |i| input.base + i as u64),
            ),
        };
        at = Resume {
            byte: position.byte + bytes.len() as u64,
            line: position.line + inside,
            line_start,
            index: at.index + 1,
        };
    }
    careful(input, at, failed_read, sink)
}

/// Finds what follows `at`, reading more of the file as needed.
fn next<R: Read>(input: &mut Input<R>, at: Resume, failed_read: &mut Option<io::Error>) -> Next {
    let mut scan = Scan {
        i: 0,
        state: if at.index == 0 {
            State::Open
        } else {
            State::AfterRecord
        },
        newlines: 0,
        line_start: None,
    };
    loop {
        let from = input.index(at.byte);
        // The careful reader stops a record that reaches this far; leave it that case.
        let limit = (from as u64 + MAX_RECORD_BYTES).min(input.end as u64) as usize;
        match scan.run(&input.buf[from..limit]) {
            Some(Found::Record { start, end }) => {
                return Next::Record {
                    start: from + start,
                    end: from + end,
                    newlines: scan.newlines,
                    line_start: scan.line_start.map(|i| from + i),
                }
            }
            Some(Found::Careful) => return Next::Careful,
            None => {}
        }
        if limit - from >= MAX_RECORD_BYTES as usize {
            return Next::Careful;
        }
        match input.refill(from) {
            Ok(0) if scan.state == State::Closed => return Next::End,
            Ok(0) => return Next::Careful,
            Ok(_) => {}
            Err(error) => {
                *failed_read = Some(error);
                return Next::Careful;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// After the opening `[`: a record or `]`.
    Open,
    /// After a record: `,` or `]`.
    AfterRecord,
    /// After a `,`: a record.
    Comma,
    /// Inside a record that started at `start`, `depth` brackets deep.
    Record {
        start: usize,
        depth: u32,
        in_string: bool,
    },
    /// After the closing `]`: only whitespace.
    Closed,
}

enum Found {
    Record { start: usize, end: usize },
    Careful,
}

/// A scan of the bytes after a resume point that can stop where the buffer ends and go on
/// once more is read (offsets are relative to the resume point, which stays in the buffer).
struct Scan {
    i: usize,
    state: State,
    /// Newlines between the resume point and the record, and where the last one ended.
    newlines: u64,
    line_start: Option<usize>,
}

impl Scan {
    /// Goes on through `bytes`: `None` when it needs more of them.
    fn run(&mut self, bytes: &[u8]) -> Option<Found> {
        while self.i < bytes.len() {
            let b = bytes[self.i];
            match self.state {
                State::Record {
                    start,
                    ref mut depth,
                    ref mut in_string,
                } => {
                    if let Some(end) = record_end(bytes, &mut self.i, depth, in_string) {
                        return Some(Found::Record { start, end });
                    }
                    return None;
                }
                _ if matches!(b, b' ' | b'\t' | b'\r' | b'\n') => {
                    if b == b'\n' {
                        self.newlines += 1;
                        self.line_start = Some(self.i + 1);
                    }
                    self.i += 1;
                }
                State::Open | State::Comma if matches!(b, b'{' | b'[') => {
                    self.state = State::Record {
                        start: self.i,
                        depth: 0,
                        in_string: false,
                    };
                }
                State::Open | State::AfterRecord if b == b']' => {
                    self.state = State::Closed;
                    self.i += 1;
                }
                State::AfterRecord if b == b',' => {
                    self.state = State::Comma;
                    self.i += 1;
                }
                _ => return Some(Found::Careful),
            }
        }
        None
    }
}

/// Goes on through a record from `*i`: brackets outside strings, strings up to their closing
/// quote. Returns the end (one past the closing bracket) once the depth is back to 0, `None`
/// at the end of `bytes`, with `*i` where to go on from.
fn record_end(bytes: &[u8], i: &mut usize, depth: &mut u32, in_string: &mut bool) -> Option<usize> {
    loop {
        if *in_string {
            let Some(k) = memchr::memchr2(b'"', b'\\', &bytes[*i..]) else {
                *i = bytes.len();
                return None;
            };
            let at = *i + k;
            if bytes[at] == b'"' {
                *in_string = false;
                *i = at + 1;
            } else if at + 1 < bytes.len() {
                *i = at + 2;
            } else {
                // A backslash at the end: go on from it once the escaped byte is there.
                *i = at;
                return None;
            }
        } else {
            loop {
                let &b = bytes.get(*i)?;
                *i += 1;
                match b {
                    b'"' => {
                        *in_string = true;
                        break;
                    }
                    b'{' | b'[' => *depth += 1,
                    b'}' | b']' => {
                        *depth -= 1;
                        if *depth == 0 {
                            return Some(*i);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The careful reader: serde_json over [`Tracked`], from the resume point to the end of the
/// file.
///
/// serde_json is given a short prefix that puts it in the state it would be in at that point
/// had it read the whole file: `[` (before the first record) or `[{}` (after a record, the
/// `{}` standing for it and not handed over). Bytes and newlines are counted from the resume
/// point; lines and columns in its errors are moved back to the file's.
fn careful<R: Read, F: FnMut(RowOutcome)>(
    input: Input<R>,
    at: Resume,
    failed_read: Option<io::Error>,
    sink: &mut Sink<'_, F>,
) -> Result<(), FileError> {
    let prefix: &'static [u8] = if at.index == 0 { b"[" } else { b"[{}" };
    let from = input.index(at.byte);
    let replay = Replay {
        prefix,
        buffered: &input.buf[from..input.end],
        failed_read,
        eof: input.eof,
        rest: BufReader::with_capacity(BUFFER_BYTES, input.inner),
    };
    let before = at.byte - prefix.len() as u64;
    let progress = Rc::new(Cell::new(Progress {
        byte: before,
        newlines: at.line - 1,
        mark: before,
        ..Progress::default()
    }));
    let tracked = Tracked::new(replay, progress.clone(), MAX_RECORD_BYTES);
    let mut de = serde_json::Deserializer::from_reader(tracked);
    let mut fatal = None;
    let rows = Rows {
        sink,
        progress: &progress,
        fatal: &mut fatal,
        index: at.index,
        stand_in: at.index > 0,
    };
    let result = de.deserialize_seq(rows).and_then(|()| de.end());
    if let Some(error) = fatal {
        return Err(error);
    }
    let place = Place {
        line: at.line,
        column: at.byte - at.line_start,
        prefix: prefix.len() as u64,
    };
    result.map_err(|e| file_error(e, progress.get(), place))
}

/// The bytes serde_json reads in the careful reader: the prefix, what is left in the buffer,
/// then the rest of the file (or the read error the fast reader met, once).
struct Replay<'b, R> {
    prefix: &'static [u8],
    buffered: &'b [u8],
    failed_read: Option<io::Error>,
    eof: bool,
    rest: BufReader<R>,
}

impl<R: Read> Read for Replay<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if !self.prefix.is_empty() {
            return self.prefix.read(out);
        }
        if !self.buffered.is_empty() {
            return self.buffered.read(out);
        }
        if let Some(error) = self.failed_read.take() {
            return Err(error);
        }
        if self.eof {
            return Ok(0);
        }
        self.rest.read(out)
    }
}

struct Rows<'a, 's, 'o, F> {
    sink: &'a mut Sink<'o, F>,
    progress: &'a Cell<Progress>,
    fatal: &'s mut Option<FileError>,
    /// Index of the first record it reads.
    index: u64,
    /// The first element is the prefix's `{}`, standing for the record before the resume
    /// point: not handed over.
    stand_in: bool,
}

impl<'de, F: FnMut(RowOutcome)> Visitor<'de> for Rows<'_, '_, '_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.stand_in {
            seq.next_element::<serde::de::IgnoredAny>()?;
        }
        let mut index = self.index;
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
            if let Err(error) = self.sink.record(text, position, Json::Valid) {
                *self.fatal = Some(error);
                return Err(A::Error::custom("stopped"));
            }
            index += 1;
        }
    }
}

fn newlines(text: &str) -> u64 {
    memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64
}

/// Where serde_json's line 1 of the careful reader sits in the file.
#[derive(Debug, Clone, Copy)]
struct Place {
    line: u64,
    /// Column of the resume point in its line.
    column: u64,
    /// Length of the prefix serde_json read before it.
    prefix: u64,
}

impl Place {
    /// A serde_json (line, column) in the file's terms.
    fn in_file(self, line: u64, column: u64) -> (u64, u64) {
        if line <= 1 {
            (self.line, self.column + column.saturating_sub(self.prefix))
        } else {
            (self.line + line - 1, column)
        }
    }
}

/// Maps a parser error to what went wrong with the file.
fn file_error(error: serde_json::Error, progress: Progress, place: Place) -> FileError {
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
    let (line, column) = place.in_file(error.line() as u64, error.column() as u64);
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
