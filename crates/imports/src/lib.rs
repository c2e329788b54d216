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
//! Layout: [`inputs`] (files, folders, zip checks), [`pipeline`] (parsing and writing),
//! [`live`] (plays reported one at a time), [`convert`] (parsed play to stored play),
//! [`matching`] (copies of different precision), [`report`], [`error`].
#![forbid(unsafe_code)]

pub mod convert;
pub mod error;
pub mod inputs;
pub mod live;
pub mod matching;
pub mod pipeline;
pub mod report;

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use medley_domain::{ImportId, UserId};
use medley_store::Store;
use tokio::sync::mpsc;

use crate::pipeline::BATCHES_AHEAD;

pub use error::ImportError;
pub use inputs::{collect, Entry, InputError, ZipLimits};
pub use live::{record, LivePlay, Recorded};
pub use pipeline::{ItemCache, KnownItems, Progress};
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
        user_id: &UserId,
        import_id: &ImportId,
        entries: &[Entry],
        progress: &Arc<Progress>,
        now_ms: i64,
        mut on_file: impl FnMut(&ImportReport),
    ) -> Result<ImportReport, ImportError> {
        let total: u64 = entries.iter().map(Entry::size).sum();
        progress.bytes_total.store(total, Ordering::Relaxed);
        let skips: Vec<Option<(FileStatus, String)>> = entries.iter().map(skip_reason).collect();
        let to_parse: Vec<Entry> = entries
            .iter()
            .zip(&skips)
            .filter(|(_, skip)| skip.is_none())
            .map(|(e, _)| e.clone())
            .collect();
        // One thread parses every file in turn, a few batches ahead of the writer.
        let (sender, mut received) = mpsc::channel(BATCHES_AHEAD);
        let stop = Arc::new(AtomicBool::new(false));
        let known = KnownItems::default();
        let parser = {
            let (known, progress, stop) = (known.clone(), progress.clone(), stop.clone());
            tokio::task::spawn_blocking(move || {
                pipeline::parse_all(to_parse, &known, &progress, &stop, sender, now_ms)
            })
        };
        let mut report = ImportReport::default();
        let mut failure = None;
        for (entry, skip) in entries.iter().zip(skips) {
            let outcome = match skip {
                Some((status, reason)) => {
                    progress
                        .bytes_done
                        .fetch_add(entry.size(), Ordering::Relaxed);
                    FileOutcome::not_imported(entry.name(), status, reason)
                }
                None => {
                    let imported = pipeline::import_file(
                        &self.store,
                        user_id,
                        import_id,
                        entry,
                        &known,
                        progress,
                        &mut received,
                        now_ms,
                    )
                    .await;
                    match imported {
                        Ok(outcome) => outcome,
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
            };
            progress.files_done.fetch_add(1, Ordering::Relaxed);
            report.push(outcome);
            on_file(&report);
        }
        stop.store(true, Ordering::Relaxed);
        drop(received);
        parser.await.map_err(|e| ImportError::Task(e.to_string()))?;
        match failure {
            Some(e) => Err(e),
            None => Ok(report),
        }
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
