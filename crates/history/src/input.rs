//! The file's bytes, read from the caller's reader [`BUFFER_BYTES`] at a time into one buffer
//! that the readers scan in place.
//!
//! The buffer holds the unconsumed tail of the last read plus one more read: it grows past
//! [`BUFFER_BYTES`] only while one record is longer than that, and the JSON-array reader gives
//! up on a record at [`crate::read::MAX_RECORD_BYTES`], so memory stays bounded.
use std::io::{self, BufRead, Read};

/// Bytes read from the caller's reader at a time.
pub const BUFFER_BYTES: usize = 64 * 1024;

pub(crate) struct Input<R> {
    pub(crate) inner: R,
    /// `buf[..end]` holds bytes of the file; `buf[end..]` is room for the next read.
    pub(crate) buf: Vec<u8>,
    pub(crate) end: usize,
    /// Where the [`BufRead`] consumer has got to in `buf`.
    pos: usize,
    /// The file offset of `buf[0]`.
    pub(crate) base: u64,
    /// The reader said end of file.
    pub(crate) eof: bool,
}

impl<R: Read> Input<R> {
    pub(crate) fn new(inner: R) -> Input<R> {
        Input {
            inner,
            buf: vec![0; BUFFER_BYTES],
            end: 0,
            pos: 0,
            base: 0,
            eof: false,
        }
    }

    /// Index in `buf` of file offset `byte` (which must be in the buffer).
    pub(crate) fn index(&self, byte: u64) -> usize {
        (byte - self.base) as usize
    }

    /// Drops the bytes before `buf[keep]` (moving the rest to the front) and reads once more
    /// from the reader, at most [`BUFFER_BYTES`]. Returns how many bytes came: 0 at the end of
    /// the file.
    pub(crate) fn refill(&mut self, keep: usize) -> io::Result<usize> {
        if keep > 0 {
            self.buf.copy_within(keep..self.end, 0);
            self.end -= keep;
            self.pos = self.pos.saturating_sub(keep);
            self.base += keep as u64;
        }
        if self.eof {
            return Ok(0);
        }
        if self.buf.len() < self.end + BUFFER_BYTES {
            self.buf.resize(self.end + BUFFER_BYTES, 0);
        }
        loop {
            match self
                .inner
                .read(&mut self.buf[self.end..self.end + BUFFER_BYTES])
            {
                Ok(0) => {
                    self.eof = true;
                    return Ok(0);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Input<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.end {
            self.refill(self.pos)?;
        }
        Ok(&self.buf[self.pos..self.end])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out at most `step` bytes per read, like a pipe or a zip entry.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    #[test]
    fn reads_everything_in_order() {
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        for step in [1, 7, 4096, BUFFER_BYTES, usize::MAX] {
            let mut input = Input::new(Trickle {
                bytes: &bytes,
                step,
            });
            let mut out = Vec::new();
            input.read_to_end(&mut out).unwrap();
            assert_eq!(out, bytes, "step {step}");
        }
    }

    #[test]
    fn refill_keeps_the_tail_and_tracks_offsets() {
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let mut input = Input::new(&bytes[..]);
        assert_eq!(input.refill(0).unwrap(), BUFFER_BYTES);
        let keep = BUFFER_BYTES - 10;
        input.refill(keep).unwrap();
        assert_eq!(input.base, keep as u64);
        assert_eq!(input.end, 10 + BUFFER_BYTES);
        assert_eq!(&input.buf[..input.end], &bytes[keep..keep + input.end]);
        assert_eq!(input.index(keep as u64 + 3), 3);
    }
}
