//! Imports listening-history exports into Medley's store.
//!
//! An import takes files, folders or zip archives (a whole `my_spotify_data.zip`), checks
//! archives before extracting anything ([`inputs`]), and imports each file whole or not at
//! all ([`pipeline`]): the parse (medley-history) streams on a blocking thread while catalog
//! items are resolved and plays written in batches inside one transaction. Every record ends
//! up counted in the [`report`]: added, duplicate, replaced, skipped with a reason, rejected
//! with its position. Copies of one play from exports of different precision are paired by
//! tolerance ([`matching`]) so each play counts once.
//!
//! Layout: [`inputs`] (files, folders, zip checks), [`pipeline`] (one file), [`live`] (plays
//! reported one at a time), [`convert`]
//! (parsed play to stored play), [`matching`] (copies of different precision), [`report`],
//! [`error`].
#![forbid(unsafe_code)]

pub mod convert;
pub mod error;
pub mod inputs;
pub mod live;
pub mod matching;
pub mod pipeline;
pub mod report;

use std::io::Read;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use medley_store::Store;

pub use error::ImportError;
pub use inputs::{collect, Entry, InputError, ZipLimits};
pub use live::{record, LivePlay, Recorded};
pub use pipeline::{ItemCache, Progress};
pub use report::{FileOutcome, FileStatus, ImportReport};

/// Runs imports against one store.
#[derive(Clone)]
pub struct Importer {
    store: Arc<dyn Store>,
}

impl Importer {
    pub fn new(store: Arc<dyn Store>) -> Importer {
        Importer { store }
    }

    /// Imports `entries` for `user_id` under the stored import `import_id`, file by file,
    /// updating `progress` as it goes, and calling `on_file` after each file with the report
    /// so far. Files that are not listening histories are reported, not fatal; storage
    /// failures end the import (files finished before stay imported).
    pub async fn run(
        &self,
        user_id: &str,
        import_id: &str,
        entries: &[Entry],
        progress: &Arc<Progress>,
        now_ms: i64,
        mut on_file: impl FnMut(&ImportReport),
    ) -> Result<ImportReport, ImportError> {
        let total: u64 = entries.iter().map(Entry::size).sum();
        progress.bytes_total.store(total, Ordering::Relaxed);
        let mut report = ImportReport::default();
        let mut items = ItemCache::new();
        for entry in entries {
            let before = progress.bytes_done.load(Ordering::Relaxed);
            let outcome = match skip_reason(entry) {
                Some((status, reason)) => FileOutcome::not_imported(entry.name(), status, reason),
                None => {
                    pipeline::import_entry(
                        &self.store,
                        user_id,
                        import_id,
                        entry,
                        &mut items,
                        progress,
                        now_ms,
                    )
                    .await?
                }
            };
            // Whatever the parser read, the file counts as done.
            progress
                .bytes_done
                .store(before + entry.size(), Ordering::Relaxed);
            progress.files_done.fetch_add(1, Ordering::Relaxed);
            report.push(outcome);
            on_file(&report);
        }
        Ok(report)
    }
}

/// Files of an export that are no listening history: video history (its rows look like
/// audio rows, the name tells), and anything that is not JSON (the export's PDF guide).
fn skip_reason(entry: &Entry) -> Option<(FileStatus, String)> {
    if entry.is_video_history() {
        return Some((
            FileStatus::Ignored,
            "video streaming history: Medley counts audio plays only".to_owned(),
        ));
    }
    match first_byte(entry) {
        Ok(Some(b'[' | b'{')) => None,
        Ok(Some(_)) => Some((FileStatus::Ignored, "not a JSON file".to_owned())),
        Ok(None) => Some((FileStatus::Ignored, "the file is empty".to_owned())),
        Err(e) => Some((FileStatus::Rejected, format!("cannot be read: {e}"))),
    }
}

/// The first byte that is not whitespace or a byte-order mark, from the first 4 KiB.
pub fn first_byte(entry: &Entry) -> std::io::Result<Option<u8>> {
    entry.read_with(|input| {
        let mut head = Vec::with_capacity(4096);
        input.take(4096).read_to_end(&mut head)?;
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
        Ok(head.iter().copied().find(|b| !b.is_ascii_whitespace()))
    })?
}
