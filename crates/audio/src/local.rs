//! A range of a file on this machine that a player asks for (a file read in place, an object of
//! a local folder, a transcode or a hot copy of an S3 object the node keeps), found in one trip
//! to the blocking pool: the file opened and checked against what was recorded of it, then
//! either read, or, when its pages are already in the page cache and the caller can send them
//! from there (`sendfile`), left unread.
//!
//! Why check the page cache first: `sendfile` runs on the server's async workers, and a page that
//! is not in memory would be read from the disk inside the call, holding up every connection on
//! that worker. A range found cached is sent without a copy through memory; any other is read
//! here, on the blocking pool, which also brings it into the cache for the next request.

use std::fs::File;
use std::io::IoSliceMut;
use std::ops::Range;
use std::path::Path;

use bytes::Bytes;

use crate::storage::{read_range, Result, ONE_READ};

/// What [`read_range_if_unchanged`] found.
#[derive(Debug)]
pub enum LocalRange {
    /// The range's bytes, read.
    Read(Bytes),
    /// The opened file, as recorded, with every page of the range in the page cache: for the
    /// caller to send from there.
    Cached(File),
}

/// Distance between two pages sampled by [`cached`]: the kernel reads ahead in windows of
/// this order, and evicts what it read together at about the same time.
const SAMPLE_EVERY: u64 = 128 * 1024;

/// `range` of the local file at `path`, if the file's size is still `size` and its modification
/// time `modified_ms` (when given: an object is never changed in place), checked on the opened
/// file, so the bytes sent are those of the file checked. With `send_cached`, a range whose
/// pages are cached comes back as the opened file ([`LocalRange::Cached`], of any length);
/// otherwise a range of at most [`ONE_READ`] bytes is read. `None` when the file changed or is
/// gone, or when a longer range is not cached: the caller takes its full path.
pub async fn read_range_if_unchanged(
    path: &Path,
    range: Range<u64>,
    size: u64,
    modified_ms: Option<i64>,
    send_cached: bool,
) -> Result<Option<LocalRange>> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let meta = file.metadata()?;
        let changed =
            meta.len() != size || modified_ms.is_some_and(|ms| ms != crate::probe::mtime_ms(&meta));
        if !meta.is_file() || changed || range.end > size {
            return Ok(None);
        }
        if send_cached && cached(&file, &range) {
            return Ok(Some(LocalRange::Cached(file)));
        }
        if range.end - range.start > ONE_READ {
            return Ok(None);
        }
        read_range(file, &path, range).map(|b| Some(LocalRange::Read(b)))
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Whether the pages of `range` of `file` are in the page cache: one byte read every
/// [`SAMPLE_EVERY`] bytes and at the range's end, each with `RWF_NOWAIT`, which fails rather
/// than wait for the disk. A sample, not a proof: a page evicted between two sampled ones is
/// read from the disk by `sendfile`, as nginx's `sendfile` reads it. A file system (or a
/// kernel, before Linux 4.14) without `RWF_NOWAIT` answers that nothing is cached.
#[cfg(target_os = "linux")]
pub fn cached(file: &File, range: &Range<u64>) -> bool {
    use rustix::io::{preadv2, ReadWriteFlags};
    if range.is_empty() {
        return false;
    }
    let last = range.end - 1;
    let mut byte = [0u8; 1];
    (range.start..range.end)
        .step_by(SAMPLE_EVERY as usize)
        .chain(std::iter::once(last))
        .all(|at| {
            let mut bufs = [IoSliceMut::new(&mut byte)];
            matches!(preadv2(file, &mut bufs, at, ReadWriteFlags::NOWAIT), Ok(1))
        })
}

/// Elsewhere nothing is sent from the page cache.
#[cfg(not(target_os = "linux"))]
pub fn cached(_file: &File, _range: &Range<u64>) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_range_is_read_or_found_cached_only_while_the_file_is_as_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let size = bytes.len() as u64;
        let modified = crate::probe::mtime_ms(&std::fs::metadata(&path).unwrap());

        // Just written, so cached: the file comes back unread, for any length.
        let whole = read_range_if_unchanged(&path, 0..size, size, Some(modified), true)
            .await
            .unwrap();
        assert!(matches!(whole, Some(LocalRange::Cached(_))), "{whole:?}");
        // Without `send_cached`, a short range is read, a long one left to the full path.
        let Some(LocalRange::Read(read)) =
            read_range_if_unchanged(&path, 10..1_000, size, Some(modified), false)
                .await
                .unwrap()
        else {
            panic!("a short range is read")
        };
        assert_eq!(&read[..], &bytes[10..1_000]);
        let long = read_range_if_unchanged(&path, 0..size, size, Some(modified), false)
            .await
            .unwrap();
        assert!(long.is_none());
        // Changed since it was recorded, or gone: the full path decides.
        let stale = read_range_if_unchanged(&path, 0..10, size + 1, Some(modified), true)
            .await
            .unwrap();
        assert!(stale.is_none());
        let moved = read_range_if_unchanged(&path, 0..10, size, Some(modified + 1), true)
            .await
            .unwrap();
        assert!(moved.is_none());
        std::fs::remove_file(&path).unwrap();
        let gone = read_range_if_unchanged(&path, 0..10, size, Some(modified), true)
            .await
            .unwrap();
        assert!(gone.is_none());
    }

    #[test]
    fn an_empty_range_is_never_cached() {
        let file = tempfile::tempfile().unwrap();
        assert!(!cached(&file, &(0..0)));
    }
}
