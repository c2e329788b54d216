//! Importing one file: a blocking thread parses it while the caller's task resolves catalog
//! items and writes plays in batches, all in one transaction committed only when the parse
//! ends well. Parse and write overlap, on two cores; memory holds a few batches, whatever the
//! file size.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::mem;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use medley_history::{read_file, FileError, Play, ReadOptions, RowOutcome};
use medley_store::{ItemRef, PlayWriter, PlayedItem, Store};
use tokio::sync::mpsc;

use crate::convert::{new_play, played_item};
use crate::error::ImportError;
use crate::inputs::Entry;
use crate::matching::{redundant, TOLERANCE_MS};
use crate::report::{FileOutcome, FileStatus, RejectedRow, LISTED_REJECTIONS};

/// Plays parsed per batch handed to the writer.
const BATCH: usize = 8_192;
/// Batches parsed ahead of the writer.
const BATCHES_AHEAD: usize = 3;

/// Counters of a running import, read by whoever shows progress.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes_total: AtomicU64,
    pub bytes_done: AtomicU64,
    pub rows_done: AtomicU64,
    pub files_done: AtomicU64,
}

/// Catalog items already resolved during an import.
pub type ItemCache = HashMap<PlayedItem, ItemRef>;

/// Counts bytes read for the progress, and stops the parse when the writer gave up.
struct Counted<'r> {
    inner: &'r mut dyn Read,
    progress: &'r Progress,
    stop: &'r AtomicBool,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(io::Error::other("the import stopped"));
        }
        let n = self.inner.read(buf)?;
        self.progress
            .bytes_done
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// What the parsing thread hands back at the end.
struct Parsed {
    result: Result<medley_history::FileReport, FileError>,
    rejected_rows: Vec<RejectedRow>,
}

/// Imports one file for `user_id`. A file that cannot be read whole comes back `Rejected`
/// with nothing of it stored; `Err` means storage failed.
pub async fn import_entry(
    store: &Arc<dyn Store>,
    user_id: &str,
    import_id: &str,
    entry: &Entry,
    items: &mut ItemCache,
    progress: &Arc<Progress>,
    now_ms: i64,
) -> Result<FileOutcome, ImportError> {
    let (batches, mut received) = mpsc::channel::<Vec<Play>>(BATCHES_AHEAD);
    let stop = Arc::new(AtomicBool::new(false));
    let parser = {
        let (entry, progress, stop) = (entry.clone(), progress.clone(), stop.clone());
        tokio::task::spawn_blocking(move || parse(&entry, &progress, &stop, batches, now_ms))
    };

    let written = write(
        store,
        user_id,
        import_id,
        items,
        progress,
        &mut received,
        now_ms,
    )
    .await;
    if written.is_err() {
        stop.store(true, Ordering::Relaxed);
    }
    drop(received);
    let parsed = parser.await.map_err(|e| ImportError::Task(e.to_string()))?;
    let (writer, stats, local_items) = written?;
    let mut outcome = FileOutcome::new(entry.name(), FileStatus::Imported);
    outcome.rejected_rows = parsed.rejected_rows;
    let report = match parsed.result {
        Ok(report) => report,
        Err(error) => {
            // Dropping the writer rolls the file back, catalog items included.
            drop(writer);
            return Ok(FileOutcome::not_imported(
                entry.name(),
                FileStatus::Rejected,
                error.to_string(),
            ));
        }
    };
    outcome.counted(&report);
    let mut writer = writer;
    let (duplicate_new, replaced) = settle(writer.as_mut(), stats.range, stats.seq_before).await?;
    writer.commit().await?;
    items.extend(local_items);
    outcome.added = stats.inserted - duplicate_new - replaced;
    outcome.duplicate = report.parsed - stats.inserted + duplicate_new;
    outcome.replaced = replaced;
    Ok(outcome)
}

/// Removes plays that are less precise copies of others around `range` (the end times just
/// written), returning how many of them were written after `seq_before` (new duplicates)
/// and before it (older copies replaced by better ones).
pub(crate) async fn settle(
    writer: &mut dyn PlayWriter,
    range: Option<(i64, i64)>,
    seq_before: i64,
) -> Result<(u64, u64), ImportError> {
    let Some((from, to)) = range else {
        return Ok((0, 0));
    };
    let (from, to) = (from - 2 * TOLERANCE_MS, to + 2 * TOLERANCE_MS);
    if !writer.has_coarse_plays(from, to).await? {
        return Ok((0, 0));
    }
    let extra = redundant(&writer.stamps(from, to).await?);
    let new = extra.iter().filter(|seq| **seq > seq_before).count() as u64;
    writer.delete(&extra).await?;
    Ok((new, extra.len() as u64 - new))
}

/// The blocking half: parse the entry, sending plays in batches.
fn parse(
    entry: &Entry,
    progress: &Progress,
    stop: &AtomicBool,
    batches: mpsc::Sender<Vec<Play>>,
    now_ms: i64,
) -> Parsed {
    let options = ReadOptions::new(now_ms).video(entry.is_video_history());
    let read = entry.read_with(|input| {
        let mut batch = Vec::with_capacity(BATCH);
        let mut rejected_rows = Vec::new();
        let reader = Counted {
            inner: input,
            progress,
            stop,
        };
        let result = read_file(reader, &options, |outcome| match outcome {
            RowOutcome::Parsed { play, .. } => {
                batch.push(play);
                if batch.len() == BATCH {
                    let full = mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if batches.blocking_send(full).is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
            RowOutcome::Rejected { position, error } => {
                if rejected_rows.len() < LISTED_REJECTIONS {
                    rejected_rows.push(RejectedRow::new(position, error.to_string()));
                }
            }
            RowOutcome::Skipped { .. } => {}
        });
        if result.is_ok() && !batch.is_empty() && batches.blocking_send(batch).is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        Parsed {
            result,
            rejected_rows,
        }
    });
    read.unwrap_or_else(|e| Parsed {
        result: Err(FileError::Io(e)),
        rejected_rows: Vec::new(),
    })
}

struct Written {
    seq_before: i64,
    inserted: u64,
    /// Earliest and latest end time of the file's plays.
    range: Option<(i64, i64)>,
}

type WriteResult = (Box<dyn PlayWriter>, Written, ItemCache);

/// The async half: resolve items and insert each batch as it arrives.
async fn write(
    store: &Arc<dyn Store>,
    user_id: &str,
    import_id: &str,
    items: &ItemCache,
    progress: &Progress,
    received: &mut mpsc::Receiver<Vec<Play>>,
    now_ms: i64,
) -> Result<WriteResult, ImportError> {
    let mut writer = store.play_writer(user_id, Some(import_id)).await?;
    let mut stats = Written {
        seq_before: writer.last_seq().await?,
        inserted: 0,
        range: None,
    };
    // Items created inside this file's transaction: only kept if it commits.
    let mut local: ItemCache = HashMap::new();
    while let Some(batch) = received.recv().await {
        let wanted: Vec<PlayedItem> = batch.iter().map(played_item).collect();
        let unknown: HashSet<&PlayedItem> = wanted
            .iter()
            .filter(|item| !items.contains_key(*item) && !local.contains_key(*item))
            .collect();
        if !unknown.is_empty() {
            let unknown: Vec<PlayedItem> = unknown.into_iter().cloned().collect();
            let refs = writer.resolve(&unknown, now_ms).await?;
            local.extend(unknown.into_iter().zip(refs));
        }
        let rows = batch.len() as u64;
        let plays: Vec<_> = batch
            .into_iter()
            .zip(&wanted)
            .map(|(play, item)| {
                let end = play.ended_at_ms;
                stats.range = Some(match stats.range {
                    None => (end, end),
                    Some((a, b)) => (a.min(end), b.max(end)),
                });
                let item = items.get(item).or_else(|| local.get(item));
                new_play(play, item.expect("resolved above").clone())
            })
            .collect();
        stats.inserted += writer.insert(&plays).await?;
        progress.rows_done.fetch_add(rows, Ordering::Relaxed);
    }
    Ok((writer, stats, local))
}
