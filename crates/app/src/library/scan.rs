//! A scan of folders. Incremental: a file whose size and modification time are those recorded
//! is not read again; a changed file is read again (and matched again); a new file whose
//! content is that of a file gone from its place (or missing since an earlier scan) is that
//! file moved, and keeps its track; files gone are marked missing, never removed, so their
//! tracks stay in every playlist. One bad file never stops a scan: the report names it and
//! why. Files are read on blocking threads, several at once, and written in batches.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures::StreamExt;
use medley_audio::{ProbeError, Probed};
use medley_domain::AudioFileId;
use medley_store::{AudioFile, TrackChoice};
use medley_store::{AudioOrigin, AudioStatus};
use serde::{Deserialize, Serialize};

use super::covers;
use super::ingest::{self, Incoming};
use super::walk::{check_root, walk, Failure, Found};
use crate::error::{storage_error, AppError, AppResult};
use crate::App;

/// Files written to the database at once.
const BATCH: usize = 64;
/// Most failures a report lists (all are counted).
const MAX_FAILURES_LISTED: usize = 1_000;

/// How a scan treats files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanOptions {
    /// Copy files into the audio storage (so every node can stream them), rather than reading
    /// them in place.
    pub copy: bool,
}

/// How far a scan got: files found, files handled.
#[derive(Debug, Default)]
pub struct ScanProgress {
    pub total: AtomicU64,
    pub done: AtomicU64,
}

/// One scanned folder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootReport {
    pub path: String,
    /// Audio files found in it.
    pub files: u64,
    /// Why the folder could not be scanned (its files are left as they were).
    pub error: Option<String>,
}

/// What a scan did; every file found is counted once among `added`, `updated`, `unchanged`,
/// `moved`, `restored` and `failed`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanReport {
    pub roots: Vec<RootReport>,
    pub found: u64,
    pub added: u64,
    /// Changed since the last scan, read again.
    pub updated: u64,
    pub unchanged: u64,
    /// Found at a new place, recognised by content.
    pub moved: u64,
    /// Missing before, back at their place.
    pub restored: u64,
    pub failed: u64,
    /// Gone from their place: marked missing.
    pub missing: u64,
    /// Copied into the audio storage.
    pub copied: u64,
    /// Files passed over: not audio, or hidden.
    pub ignored: u64,
    pub tracks_created: u64,
    /// Files that joined a track already in the catalog.
    pub tracks_matched: u64,
    /// Albums that got a new cover picture.
    #[serde(default)]
    pub covers: u64,
    /// The first failures (by path), with why.
    pub failures: Vec<Failure>,
    pub elapsed_ms: u64,
}

impl ScanReport {
    fn fail(&mut self, path: String, reason: String) {
        self.failed += 1;
        if self.failures.len() < MAX_FAILURES_LISTED {
            self.failures.push(Failure { path, reason });
        }
    }
}

/// What is left to do for a file after comparing it with its row.
enum Todo {
    /// Read it: new (`row: None`) or changed.
    Read {
        root: String,
        found: Found,
        row: Option<AudioFile>,
    },
    /// Unchanged, but its bytes are to be copied into the store.
    Copy { found: Found, row: AudioFile },
}

/// A part of a scanned folder: `dir` (the folder itself, or a folder inside it) is walked,
/// and the files found are recorded as found by a scan of `root`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub root: String,
    pub dir: String,
}

/// Scans `roots` (absolute folders), calling `on_batch` with the report so far after each
/// batch. Fails only when storage does; bad files and folders are in the report.
pub async fn scan(
    app: &App,
    roots: &[String],
    options: ScanOptions,
    progress: &ScanProgress,
    on_batch: impl FnMut(&ScanReport),
) -> AppResult<ScanReport> {
    let scopes: Vec<Scope> = roots
        .iter()
        .map(|r| Scope {
            root: r.clone(),
            dir: r.clone(),
        })
        .collect();
    scan_scopes(app, &scopes, options, progress, on_batch).await
}

/// Scans parts of folders (what a watched folder's changes touched): like [`scan`], but only
/// below each scope's `dir`; files recorded below it and not found are marked missing.
pub async fn scan_scopes(
    app: &App,
    scopes: &[Scope],
    options: ScanOptions,
    progress: &ScanProgress,
    mut on_batch: impl FnMut(&ScanReport),
) -> AppResult<ScanReport> {
    let started = Instant::now();
    let mut report = ScanReport::default();
    let mut walked = Vec::new();
    for (given, checked) in distinct_scopes(scopes) {
        let (root, dir) = match checked {
            Ok(c) => c,
            Err(reason) => {
                report.roots.push(RootReport {
                    path: given,
                    files: 0,
                    error: Some(reason),
                });
                continue;
            }
        };
        let walked_dir = dir.clone();
        let w = tokio::task::spawn_blocking(move || walk(&walked_dir))
            .await
            .map_err(|e| AppError::internal(e, "walking a scanned folder"))?;
        let dir = dir.to_string_lossy().into_owned();
        report.roots.push(RootReport {
            path: dir.clone(),
            files: w.files.len() as u64,
            error: None,
        });
        report.found += w.files.len() as u64;
        report.ignored += w.ignored;
        for f in w.failures {
            report.fail(f.path, f.reason);
        }
        walked.push((root.to_string_lossy().into_owned(), dir, w.files));
    }
    progress.total.store(report.found, Ordering::Relaxed);

    // Compare what is on disk with what was recorded.
    let mut todo = Vec::new();
    let mut restore = Vec::new();
    let mut unseen: HashMap<String, Vec<AudioFile>> = HashMap::new();
    for (root, dir, files) in walked {
        let mut rows: HashMap<String, AudioFile> = app
            .store
            .audio_files_under(&dir)
            .await?
            .into_iter()
            .map(|r| (r.path.clone(), r))
            .collect();
        for found in files {
            match rows.remove(&found.path) {
                Some(row) if row.size == found.size as i64 && row.mtime_ms == found.mtime_ms => {
                    if row.status == AudioStatus::Missing {
                        report.restored += 1;
                        restore.push(row.id.clone());
                    } else {
                        report.unchanged += 1;
                    }
                    if options.copy && row.object_key.is_none() {
                        todo.push(Todo::Copy { found, row });
                    } else {
                        progress.done.fetch_add(1, Ordering::Relaxed);
                    }
                }
                row => todo.push(Todo::Read {
                    root: root.clone(),
                    found,
                    row,
                }),
            }
        }
        for row in rows
            .into_values()
            .filter(|r| r.status == AudioStatus::Present)
        {
            unseen
                .entry(row.content_hash.clone())
                .or_default()
                .push(row);
        }
    }
    app.store
        .set_audio_status(&restore, true, crate::now_ms())
        .await?;
    app.caches.forget_audio();

    // Read what must be read, several files at once, and write in batches.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut done = futures::stream::iter(todo)
        .map(|t| async move {
            match t {
                Todo::Read { root, found, row } => {
                    let path = found.abs.clone();
                    let probed = tokio::task::spawn_blocking(move || medley_audio::probe(&path))
                        .await
                        .unwrap_or_else(|e| Err(ProbeError::Io(std::io::Error::other(e))));
                    (Todo::Read { root, found, row }, Some(probed))
                }
                copy => (copy, None),
            }
        })
        .buffered(workers * 2)
        .chunks(BATCH);
    let mut batch_writer = BatchWriter {
        app,
        options,
        report: &mut report,
        unseen: &mut unseen,
    };
    while let Some(batch) = done.next().await {
        let n = batch.len() as u64;
        batch_writer.write(batch).await?;
        progress.done.fetch_add(n, Ordering::Relaxed);
        on_batch(batch_writer.report);
    }

    let gone: Vec<AudioFileId> = unseen.into_values().flatten().map(|r| r.id).collect();
    report.missing += app
        .store
        .set_audio_status(&gone, false, crate::now_ms())
        .await?;
    app.caches.forget_audio();
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

struct BatchWriter<'a> {
    app: &'a App,
    options: ScanOptions,
    report: &'a mut ScanReport,
    /// Files recorded as present that were not found at their place, by content hash.
    unseen: &'a mut HashMap<String, Vec<AudioFile>>,
}

impl BatchWriter<'_> {
    async fn write(
        &mut self,
        batch: Vec<(Todo, Option<Result<Probed, ProbeError>>)>,
    ) -> AppResult<()> {
        let mut incoming: Vec<(Incoming, PathBuf, Option<String>)> = Vec::new();
        let mut new_files: Vec<(String, Found, Probed)> = Vec::new();
        for (todo, probed) in batch {
            match (todo, probed) {
                (Todo::Copy { found, row }, _) => self.copy_unchanged(found, row).await?,
                (Todo::Read { found, .. }, Some(Err(e))) => {
                    self.report.fail(found.rel, e.to_string())
                }
                (
                    Todo::Read {
                        root,
                        found,
                        row: Some(row),
                    },
                    Some(Ok(probed)),
                ) => {
                    self.report.updated += 1;
                    let old_key = row.object_key.clone();
                    let (key, track) = ingest::describe(&probed, stem(&found.rel));
                    let mut new_row =
                        ingest::row(&probed, row.id, AudioOrigin::Scan, &root, &found.path);
                    new_row.object_key = old_key.clone();
                    let i = Incoming {
                        row: new_row,
                        key,
                        track,
                    };
                    incoming.push((i, found.abs, old_key));
                }
                (
                    Todo::Read {
                        root,
                        found,
                        row: None,
                    },
                    Some(Ok(probed)),
                ) => {
                    let moved = self.unseen.get_mut(&probed.content_hash).and_then(Vec::pop);
                    match moved {
                        Some(prev) => self.moved(prev, &root, &found).await?,
                        None => new_files.push((root, found, probed)),
                    }
                }
                (Todo::Read { .. }, None) => unreachable!("files to read are read"),
            }
        }
        // Files missing since an earlier scan, found again elsewhere.
        let hashes: Vec<String> = new_files
            .iter()
            .map(|(_, _, p)| p.content_hash.clone())
            .collect();
        let mut missing: HashMap<String, Vec<AudioFile>> = HashMap::new();
        for row in self.app.store.missing_audio_by_hash(&hashes).await? {
            missing
                .entry(row.content_hash.clone())
                .or_default()
                .push(row);
        }
        let mut taken = HashSet::new();
        for (root, found, probed) in new_files {
            let prev = missing
                .get_mut(&probed.content_hash)
                .and_then(Vec::pop)
                .filter(|p| taken.insert(p.id.clone()));
            if let Some(prev) = prev {
                self.moved(prev, &root, &found).await?;
                continue;
            }
            self.report.added += 1;
            let (key, track) = ingest::describe(&probed, stem(&found.rel));
            let row = ingest::row(
                &probed,
                AudioFileId::new(),
                AudioOrigin::Scan,
                &root,
                &found.path,
            );
            incoming.push((Incoming { row, key, track }, found.abs, None));
        }
        let mut old_keys = Vec::new();
        for (i, path, old_key) in &mut incoming {
            if self.options.copy {
                i.row.object_key = Some(self.copy(&i.row, path).await?);
            }
            old_keys.extend(
                old_key
                    .take()
                    .filter(|k| Some(k) != i.row.object_key.as_ref()),
            );
        }
        let art: Vec<(PathBuf, bool)> = incoming
            .iter()
            .map(|(i, path, _)| (path.clone(), covers::has_picture(&i.row.tags)))
            .collect();
        let (written, track_of) =
            ingest::write(self.app, incoming.into_iter().map(|(i, _, _)| i).collect()).await?;
        self.report.tracks_created += written.created;
        self.report.tracks_matched += written.matched;
        let files = track_of
            .into_iter()
            .zip(art)
            .map(|(track_id, (path, embedded))| covers::Written {
                track_id,
                path,
                embedded,
                beside: true,
            })
            .collect();
        self.report.covers += covers::attach(self.app, files).await?;
        for key in old_keys {
            if !self.app.store.object_in_use(&key).await? {
                self.app
                    .audio
                    .storage
                    .delete(&key)
                    .await
                    .map_err(storage_error)?;
            }
        }
        Ok(())
    }

    /// A file recorded elsewhere, found at `found` (below `root`): it keeps its row and track.
    async fn moved(&mut self, prev: AudioFile, root: &str, found: &Found) -> AppResult<()> {
        self.report.moved += 1;
        self.app
            .store
            .move_audio_file(&prev.id, root, &found.path, found.mtime_ms, crate::now_ms())
            .await?;
        self.app.caches.forget_audio();
        if self.options.copy && prev.object_key.is_none() {
            let mut row = prev;
            row.root = root.to_owned();
            row.path = found.path.clone();
            row.mtime_ms = found.mtime_ms;
            self.copy_unchanged(found.clone(), row).await?;
        }
        Ok(())
    }

    async fn copy_unchanged(&mut self, found: Found, mut row: AudioFile) -> AppResult<()> {
        row.object_key = Some(self.copy(&row, &found.abs).await?);
        row.status = AudioStatus::Present;
        row.missing_since_ms = None;
        let track = TrackChoice::Existing(row.track_id.clone());
        self.app
            .store
            .write_audio_files(&[], &[(row, track)], crate::now_ms())
            .await?;
        self.app.caches.forget_audio();
        Ok(())
    }

    /// Puts the file's bytes in the store, unless the object is there already.
    async fn copy(&mut self, row: &AudioFile, path: &std::path::Path) -> AppResult<String> {
        let format = medley_audio::Format::parse(&row.format).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("unknown stored format {}", row.format))
        })?;
        let key = medley_audio::object_key(&row.content_hash, format);
        let storage = &self.app.audio.storage;
        if !storage.exists(&key).await.map_err(storage_error)? {
            storage.put_file(&key, path).await.map_err(storage_error)?;
            self.report.copied += 1;
        }
        Ok(key)
    }
}

/// The scopes to scan, each checked and canonical (`(root, dir)`), without those whose folder
/// is inside another's (a file is scanned once, whichever folder names it); a scope that
/// cannot be scanned keeps the name it was given and says why.
type Checked = Result<(PathBuf, PathBuf), String>;

fn distinct_scopes(scopes: &[Scope]) -> Vec<(String, Checked)> {
    let checked: Vec<(String, Checked)> = scopes
        .iter()
        .map(|s| {
            let dir = check_root(&s.dir);
            let root = if s.root == s.dir {
                dir.clone()
            } else {
                check_root(&s.root)
            };
            (s.dir.clone(), root.and_then(|r| dir.map(|d| (r, d))))
        })
        .collect();
    let good: Vec<PathBuf> = checked
        .iter()
        .filter_map(|(_, c)| c.as_ref().ok().map(|(_, d)| d.clone()))
        .collect();
    let mut out: Vec<(String, Checked)> = Vec::new();
    for (given, c) in checked {
        if let Ok((_, p)) = &c {
            let inside_another = good.iter().any(|o| o != p && p.starts_with(o));
            let repeated = out
                .iter()
                .any(|(_, d)| d.as_ref().ok().map(|(_, d)| d) == Some(p));
            if inside_another || repeated {
                continue;
            }
        }
        out.push((given, c));
    }
    out
}

/// The file name without folders and extension: the title of an untitled file.
fn stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}
