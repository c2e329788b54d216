//! A reader that knows how far the JSON parser has got, and checks UTF-8 on the way: the
//! careful reader of JSON arrays (see [`crate::array`]), used once the fast one meets anything
//! unusual.
//!
//! `serde_json` reads its input a byte at a time and does not say where it is, so this
//! wrapper counts bytes and newlines for record positions, validates UTF-8 as a stream (to
//! report the exact offset of a bad byte), and stops a record that grows past the limit, so
//! memory stays bounded even when a file is not what it claims to be. Failures are written
//! into the shared [`Progress`] before the I/O error that carries them through the parser.
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Progress {
    /// Bytes handed to the parser so far.
    pub byte: u64,
    /// Newlines among them.
    pub newlines: u64,
    /// Where the record being read began (set by the parser loop between records).
    pub mark: u64,
    /// Index of the record being read.
    pub index: u64,
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Failure {
    NotUtf8 { byte: u64 },
    TooLong { index: u64, byte: u64 },
}

pub(crate) struct Tracked<R> {
    inner: R,
    progress: Rc<Cell<Progress>>,
    utf8: Utf8,
    lead_at: u64,
    limit: u64,
}

impl<R: Read> Tracked<R> {
    pub(crate) fn new(inner: R, progress: Rc<Cell<Progress>>, limit: u64) -> Tracked<R> {
        Tracked {
            inner,
            progress,
            utf8: Utf8::default(),
            lead_at: 0,
            limit,
        }
    }

    fn fail(&self, mut p: Progress, failure: Failure) -> io::Error {
        p.failure = Some(failure);
        self.progress.set(p);
        io::Error::new(io::ErrorKind::InvalidData, "unreadable input")
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut p = self.progress.get();
        if n == 0 {
            if self.utf8.need > 0 {
                return Err(self.fail(p, Failure::NotUtf8 { byte: self.lead_at }));
            }
            return Ok(0);
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                p.newlines += 1;
            }
            if b < 0x80 && self.utf8.need == 0 {
                continue;
            }
            let at = p.byte + i as u64;
            if self.utf8.need == 0 {
                self.lead_at = at;
            }
            if !self.utf8.push(b) {
                return Err(self.fail(p, Failure::NotUtf8 { byte: at }));
            }
        }
        p.byte += n as u64;
        if p.byte - p.mark > self.limit {
            let failure = Failure::TooLong {
                index: p.index,
                byte: p.mark,
            };
            return Err(self.fail(p, failure));
        }
        self.progress.set(p);
        Ok(n)
    }
}

/// A streaming UTF-8 validator (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
#[derive(Debug, Default)]
struct Utf8 {
    need: u8,
    lo: u8,
    hi: u8,
}

impl Utf8 {
    fn push(&mut self, b: u8) -> bool {
        if self.need > 0 {
            if b < self.lo || b > self.hi {
                return false;
            }
            self.need -= 1;
            (self.lo, self.hi) = (0x80, 0xBF);
            return true;
        }
        let (need, lo, hi) = match b {
            0x00..=0x7F => return true,
            0xC2..=0xDF => (1, 0x80, 0xBF),
            0xE0 => (2, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
            0xED => (2, 0x80, 0x9F),
            0xF0 => (3, 0x90, 0xBF),
            0xF1..=0xF3 => (3, 0x80, 0xBF),
            0xF4 => (3, 0x80, 0x8F),
            _ => return false,
        };
        (self.need, self.lo, self.hi) = (need, lo, hi);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn valid(bytes: &[u8]) -> bool {
        let mut v = Utf8::default();
        bytes.iter().all(|&b| v.push(b)) && v.need == 0
    }

    proptest! {
        #[test]
        fn agrees_with_std(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
            prop_assert_eq!(valid(&bytes), std::str::from_utf8(&bytes).is_ok());
        }

        #[test]
        fn accepts_all_text(s in ".*") {
            prop_assert!(valid(s.as_bytes()));
        }
    }
}
