//! Importing files: one blocking thread parses them in turn while the caller's task resolves
//! catalog items and writes plays in batches, one transaction per file committed only when
//! its parse ended well. Parse and write overlap, on two cores, also across files; memory
//! holds a few batches, whatever the file size.
//!
//! The writer is the slower side, so the parsing thread does what it can for it: hashing each
//! play, and building the row of every play whose catalog item an earlier file of the import
//! already resolved ([`KnownItems`], filled as files commit). The writer only resolves the
//! rest, first from the items of the file in progress, then in the store.

use std::collections::HashSet;
use std::io::{self, Read};
use std::mem;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use medley_domain::{ImportId, UserId};
use medley_history::{read_file, FileError, ReadOptions, RowOutcome};
use medley_store::{ItemRef, NewPlay, PlayWriter, PlayedItem, Store};
use tokio::sync::mpsc;

use crate::convert::{ItemHasher, ItemMap, KeyedItem, Ready};
use crate::error::ImportError;
use crate::inputs::Entry;
use crate::matching::{redundant, TOLERANCE_MS};
use crate::report::{FileOutcome, FileStatus, RejectedRow, LISTED_REJECTIONS};

/// Plays parsed per batch handed to the writer.
const BATCH: usize = 8_192;
/// Batches parsed ahead of the writer.
pub(crate) const BATCHES_AHEAD: usize = 3;

/// Counters of a running import, read by whoever shows progress.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes_total: AtomicU64,
    pub bytes_done: AtomicU64,
    pub rows_done: AtomicU64,
    pub files_done: AtomicU64,
}

/// Catalog items already resolved during an import.
pub type ItemCache = ItemMap<ItemRef>;

/// The catalog items of the files an import committed so far, shared with the parsing
/// thread, which names them in the rows it makes ready.
pub type KnownItems = Arc<RwLock<ItemCache>>;

/// Counts bytes read for the progress, and stops the parse when the writer gave up.
struct Counted<'r> {
    inner: &'r mut dyn Read,
    progress: &'r Progress,
    stop: &'r AtomicBool,
    /// Bytes of this file read so far.
    read: u64,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(io::Error::other("the import stopped"));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.progress
            .bytes_done
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// What the parsing thread sends for each file: its plays in batches, then how it ended.
pub(crate) enum Parsed {
    Batch(Vec<Ready>),
    End {
        result: Result<medley_history::FileReport, FileError>,
        rejected_rows: Vec<RejectedRow>,
    },
}

/// The parsing side of an import, run on a blocking thread: parses `entries` one after the
/// other, so that the next file is parsed while the previous one is written and committed.
/// Stops when `stop` is set or the writer hangs up.
pub(crate) fn parse_all(
    entries: Vec<Entry>,
    known: &KnownItems,
    progress: &Progress,
    stop: &AtomicBool,
    sender: mpsc::Sender<Parsed>,
    now_ms: i64,
) {
    for entry in entries {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let (end, read) = parse(&entry, known, progress, stop, &sender, now_ms);
        // Whatever the parser read (a broken file stops early), the file counts as done.
        progress
            .bytes_done
            .fetch_add(entry.size().saturating_sub(read), Ordering::Relaxed);
        if sender.blocking_send(end).is_err() {
            return;
        }
    }
}

/// Imports one file for `user_id` from the parser's messages. A file that cannot be read
/// whole comes back `Rejected` with nothing of it stored; `Err` means storage failed.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn import_file(
    store: &Arc<dyn Store>,
    user_id: &UserId,
    import_id: &ImportId,
    entry: &Entry,
    known: &KnownItems,
    progress: &Progress,
    received: &mut mpsc::Receiver<Parsed>,
    now_ms: i64,
) -> Result<FileOutcome, ImportError> {
    let (writer, stats, local_items, end) =
        write(store, user_id, import_id, known, progress, received, now_ms).await?;
    let Parsed::End {
        result,
        rejected_rows,
    } = end
    else {
        unreachable!("write returns at the end of a file")
    };
    let mut outcome = FileOutcome::new(entry.name(), FileStatus::Imported);
    outcome.rejected_rows = rejected_rows;
    let report = match result {
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
    known.write().expect("known items").extend(local_items);
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

/// Parses one entry, sending its plays in batches; returns how it ended and the bytes read.
fn parse(
    entry: &Entry,
    known: &KnownItems,
    progress: &Progress,
    stop: &AtomicBool,
    batches: &mpsc::Sender<Parsed>,
    now_ms: i64,
) -> (Parsed, u64) {
    let options = ReadOptions::new(now_ms).video(entry.is_video_history());
    let read = entry.read_with(|input| {
        let mut batch = Vec::with_capacity(BATCH);
        let mut rejected_rows = Vec::new();
        let mut reader = Counted {
            inner: input,
            progress,
            stop,
            read: 0,
        };
        let result = read_file(&mut reader, &options, |outcome| match outcome {
            RowOutcome::Parsed { play, .. } => {
                batch.push(Ready::new(play, &known.read().expect("known items")));
                if batch.len() == BATCH {
                    let full = mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if batches.blocking_send(Parsed::Batch(full)).is_err() {
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
        if result.is_ok()
            && !batch.is_empty()
            && batches.blocking_send(Parsed::Batch(batch)).is_err()
        {
            stop.store(true, Ordering::Relaxed);
        }
        let end = Parsed::End {
            result,
            rejected_rows,
        };
        (end, reader.read)
    });
    read.unwrap_or_else(|e| {
        let end = Parsed::End {
            result: Err(FileError::Io(e)),
            rejected_rows: Vec::new(),
        };
        (end, 0)
    })
}

struct Written {
    seq_before: i64,
    inserted: u64,
    /// Earliest and latest end time of the file's plays.
    range: Option<(i64, i64)>,
}

type WriteResult = (Box<dyn PlayWriter>, Written, ItemCache, Parsed);

/// The async half: resolve items and insert each batch as it arrives.
async fn write(
    store: &Arc<dyn Store>,
    user_id: &UserId,
    import_id: &ImportId,
    known: &KnownItems,
    progress: &Progress,
    received: &mut mpsc::Receiver<Parsed>,
    now_ms: i64,
) -> Result<WriteResult, ImportError> {
    let mut writer = store.play_writer(user_id, Some(import_id)).await?;
    let mut stats = Written {
        seq_before: writer.last_seq().await?,
        inserted: 0,
        range: None,
    };
    // Items created inside this file's transaction: only kept if it commits.
    let mut local = ItemCache::default();
    loop {
        let batch = match received.recv().await {
            Some(Parsed::Batch(batch)) => batch,
            Some(end) => return Ok((writer, stats, local, end)),
            None => return Err(ImportError::Task("the parser stopped".into())),
        };
        // Rows whose item the parser did not know: known since, created earlier in this file,
        // or to be found now.
        let unknown = unknown_items(&batch, known, &local);
        if !unknown.is_empty() {
            let wanted: Vec<PlayedItem> = unknown.iter().map(|k| k.item.clone()).collect();
            let refs = writer.resolve(&wanted, now_ms).await?;
            local.extend(unknown.into_iter().zip(refs));
        }
        let rows = batch.len() as u64;
        let plays = name_items(batch, known, &local, &mut stats.range);
        stats.inserted += writer.insert(plays).await?;
        progress.rows_done.fetch_add(rows, Ordering::Relaxed);
    }
}

/// The distinct items of pending rows in `batch` that neither `known` nor `local` has.
fn unknown_items(batch: &[Ready], known: &KnownItems, local: &ItemCache) -> Vec<KeyedItem> {
    let items = known.read().expect("known items");
    let mut seen: HashSet<&KeyedItem, _> = HashSet::with_hasher(ItemHasher::default());
    batch
        .iter()
        .filter_map(|ready| match ready {
            Ready::Pending(pending) => Some(&pending.item),
            Ready::Row(_) => None,
        })
        .filter(|item| !items.contains_key(*item) && !local.contains_key(*item))
        .filter(|item| seen.insert(*item))
        .cloned()
        .collect()
}

/// The rows of `batch`, every item named, widening `range` to their end times.
fn name_items(
    batch: Vec<Ready>,
    known: &KnownItems,
    local: &ItemCache,
    range: &mut Option<(i64, i64)>,
) -> Vec<NewPlay> {
    let items = known.read().expect("known items");
    batch
        .into_iter()
        .map(|ready| {
            let end = ready.ended_at_ms();
            *range = Some(match *range {
                None => (end, end),
                Some((a, b)) => (a.min(end), b.max(end)),
            });
            match ready {
                Ready::Row(row) => row,
                Ready::Pending(pending) => {
                    let item = items
                        .get(&pending.item)
                        .or_else(|| local.get(&pending.item));
                    pending.into_new_play(item.expect("resolved before").clone())
                }
            }
        })
        .collect()
}
