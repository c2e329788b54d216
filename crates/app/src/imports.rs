//! Imports of uploaded exports: the upload is spooled to disk and checked before it is
//! accepted; then it is queued as leased work ([`JobKind::Import`]), so an import whose node
//! stopped is taken up again when its lease runs out rather than left `running`. The worker
//! imports it while its progress is written to the database every second.
//!
//! With audio storage off the machine (S3, as several nodes use), an accepted upload is also
//! copied there (`uploads/<import>.upload`), so whichever node leases the import reads it,
//! even when the node that received it is gone; the copy is deleted once the import ends.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use medley_domain::causes::Causes;
use medley_domain::paging::Page;
use medley_domain::user::User;
use medley_domain::{ImportId, UserId};
use medley_events::Event;
use medley_history::{read_file, FileError, ReadOptions};
use medley_imports::{first_byte, inputs, Entry, ImportReport, Importer, InputError, Progress};
use medley_store::{ImportStatus, StoredImport};
use tokio::io::AsyncWriteExt;

use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, JobKind};
use crate::App;

/// How often a running import writes its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// A running import that is not queued work (a command-line import, or one whose queued work
/// was lost) and whose progress, its heartbeat, is older than this has no process working on
/// it any more. Queued imports are not judged by it: their lease says whether a node holds
/// them, and another node takes them up when it runs out.
pub const STALE_AFTER: Duration = Duration::from_secs(30);
/// How often a serving node looks for such imports.
pub const STALE_CHECK_EVERY: Duration = Duration::from_secs(5);

/// An upload written to the spool folder; removed when dropped, unless accepted.
pub struct Spooled {
    pub path: PathBuf,
    pub bytes: u64,
    kept: bool,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Where the upload of import `id` is spooled until it is imported.
fn spool_path(app: &App, id: &ImportId) -> PathBuf {
    app.config.spool_dir.join(format!("{id}.upload"))
}

/// Where an accepted upload waits in shared storage, for any node to import.
fn shared_key(id: &ImportId) -> String {
    format!("uploads/{id}.upload")
}

fn shared_error(e: medley_audio::StorageError) -> AppError {
    match e {
        medley_audio::StorageError::Config(m) => AppError::Unavailable(m),
        e => AppError::internal(e, "keeping an upload in the shared storage"),
    }
}

/// Copies the shared copy of import `id`'s upload to `path`; false when there is none.
async fn fetch_shared(app: &App, id: &ImportId, path: &Path) -> AppResult<bool> {
    let location = medley_audio::Location::Object(shared_key(id));
    let mut stream = match app.audio.storage.read(&location, None).await {
        Ok(stream) => stream,
        Err(medley_audio::StorageError::NotFound(_)) => return Ok(false),
        Err(e) => return Err(shared_error(e)),
    };
    let io = |e: std::io::Error| AppError::internal(e, "writing a shared upload to the spool");
    tokio::fs::create_dir_all(&app.config.spool_dir)
        .await
        .map_err(io)?;
    let partial = path.with_extension("part");
    let mut file = tokio::fs::File::create(&partial).await.map_err(io)?;
    while let Some(chunk) = stream.next().await {
        file.write_all(&chunk.map_err(shared_error)?)
            .await
            .map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    drop(file);
    tokio::fs::rename(&partial, path).await.map_err(io)?;
    Ok(true)
}

/// What the queued work of an import carries: whose it is and the file's name.
#[derive(serde::Serialize, serde::Deserialize)]
struct Queued {
    user: UserId,
    name: String,
}

/// Streams `body` to a file in the spool folder, refusing more than `max` bytes. A body that
/// breaks off (the client stopped sending) leaves nothing behind.
pub async fn spool<E: std::fmt::Display>(
    app: &App,
    body: impl Stream<Item = Result<Bytes, E>>,
    id: &ImportId,
) -> AppResult<Spooled> {
    let dir = &app.config.spool_dir;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| AppError::internal(e, "creating the upload folder"))?;
    let path = spool_path(app, id);
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| AppError::internal(e, "creating the upload's file"))?;
    let mut spooled = Spooled {
        path,
        bytes: 0,
        kept: false,
    };
    let max = app.config.import_max_bytes;
    let mut stream = std::pin::pin!(body);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::Invalid(format!(
                "the upload broke off after {} bytes ({e}); nothing was imported, send the file \
                 again",
                spooled.bytes
            ))
        })?;
        spooled.bytes += chunk.len() as u64;
        if spooled.bytes > max {
            return Err(AppError::TooLarge(format!(
                "the upload is larger than the {max} bytes this server accepts \
                 (MEDLEY_IMPORT_MAX_BYTES)"
            )));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| AppError::internal(e, "writing the upload"))?;
    }
    file.flush()
        .await
        .map_err(|e| AppError::internal(e, "writing the upload"))?;
    if spooled.bytes == 0 {
        return Err(AppError::Invalid(
            "the upload is empty: send an export file (.json) or my_spotify_data.zip as the \
             request body"
                .into(),
        ));
    }
    Ok(spooled)
}

/// What the spooled upload holds, checked before the import is accepted: a zip archive
/// within the limits, or a JSON file in a known format (judged from its first records).
pub async fn entries(app: &App, spooled: &Spooled, name: &str) -> AppResult<Vec<Entry>> {
    let path = spooled.path.clone();
    let (name, size, limits) = (name.to_owned(), spooled.bytes, app.config.zip_limits);
    tokio::task::spawn_blocking(move || check(&path, &name, size, &limits))
        .await
        .map_err(|e| AppError::internal(e, "checking the upload"))?
}

fn check(path: &Path, name: &str, size: u64, limits: &inputs::ZipLimits) -> AppResult<Vec<Entry>> {
    let io = |e: std::io::Error| AppError::internal(e, "reading the upload");
    if inputs::is_zip(path).map_err(io)? {
        return inputs::zip_entries(path, name, limits).map_err(|e| match e {
            InputError::TooLarge { .. } | InputError::Ratio { .. } => {
                AppError::TooLarge(e.to_string())
            }
            e => AppError::Unprocessable(e.to_string()),
        });
    }
    let entry = Entry::File {
        path: path.to_owned(),
        name: name.to_owned(),
        size,
    };
    match first_byte(&entry).map_err(io)? {
        Some(b'[' | b'{') => {}
        _ => {
            return Err(AppError::UnsupportedFormat(format!(
                "{name} is neither a JSON export file nor a zip archive"
            )))
        }
    }
    // The format is decided by the first record: read the start of the file to judge it now
    // rather than fail later in the background.
    let head = entry
        .read_with(|input| {
            read_file(
                std::io::Read::take(input, 256 * 1024),
                &ReadOptions::new(now_ms()),
                |_| {},
            )
        })
        .map_err(io)?;
    match head {
        Err(e @ (FileError::Unrecognized(_) | FileError::Shape(_) | FileError::NotUtf8 { .. })) => {
            Err(AppError::Unprocessable(format!("{name}: {e}")))
        }
        _ => Ok(vec![entry]),
    }
}

/// Accepts a spooled upload whose `entries` were checked: records the import as `running`
/// and queues it. The upload stays in the spool folder until the import is done.
pub async fn accept(
    app: &App,
    user_id: &UserId,
    import_id: &ImportId,
    name: &str,
    mut spooled: Spooled,
) -> AppResult<()> {
    if app.audio.storage.is_remote() {
        app.audio
            .storage
            .put_file(&shared_key(import_id), &spooled.path)
            .await
            .map_err(shared_error)?;
    }
    app.store
        .create_import(import_id, user_id, name, spooled.bytes as i64, now_ms())
        .await?;
    let queued = Queued {
        user: user_id.to_owned(),
        name: name.to_owned(),
    };
    let detail = serde_json::to_string(&queued).expect("serialises");
    jobs::enqueue(app, JobKind::Import, import_id, &detail, now_ms()).await?;
    spooled.kept = true;
    Ok(())
}

/// Runs a queued import (the worker calls it). An import already finished is left alone; one
/// whose upload is not on this node's disk any more is marked failed, saying so.
pub async fn run(app: &App, import_id: &ImportId, detail: &str) -> AppResult<()> {
    let queued: Queued = serde_json::from_str(detail)
        .map_err(|e| AppError::internal(e, "reading a queued import"))?;
    let user_id = queued.user;
    match app.store.import(&user_id, import_id).await? {
        Some(i) if i.status == ImportStatus::Running => {}
        _ => return Ok(()),
    }
    let path = spool_path(app, import_id);
    if tokio::fs::metadata(&path).await.is_err() && app.audio.storage.is_remote() {
        // Another node received the upload.
        fetch_shared(app, import_id, &path).await?;
    }
    let size = match tokio::fs::metadata(&path).await {
        Ok(m) => m.len(),
        Err(_) => {
            let error = "the upload was lost before it was imported (the server that received \
                         it lost its spool folder): upload the export again";
            app.store
                .finish_import(
                    import_id,
                    0,
                    &report_json(&ImportReport::default()),
                    Some(error),
                    now_ms(),
                )
                .await?;
            return Ok(());
        }
    };
    let spooled = Spooled {
        path,
        bytes: size,
        kept: false,
    };
    let entries = {
        let (path, name, limits) = (
            spooled.path.clone(),
            queued.name.clone(),
            app.config.zip_limits,
        );
        tokio::task::spawn_blocking(move || check(&path, &name, size, &limits))
            .await
            .map_err(|e| AppError::internal(e, "checking a queued upload"))?
    };
    let entries = match entries {
        Ok(entries) => entries,
        Err(e) => {
            forget_shared(app, import_id).await;
            app.store
                .finish_import(
                    import_id,
                    0,
                    &report_json(&ImportReport::default()),
                    Some(&e.to_string()),
                    now_ms(),
                )
                .await?;
            return Ok(());
        }
    };
    import(app, user_id, import_id.clone(), entries, Arc::default()).await;
    drop(spooled);
    forget_shared(app, import_id).await;
    Ok(())
}

/// Deletes the shared copy of an upload whose import ended (a failure is only logged: an
/// object left behind costs space, not correctness).
async fn forget_shared(app: &App, import_id: &ImportId) {
    if app.audio.storage.is_remote() {
        if let Err(e) = app.audio.storage.delete(&shared_key(import_id)).await {
            tracing::warn!(import = %import_id, error = %Causes(&e), "could not delete the shared copy of an upload");
        }
    }
}

/// Deletes what is kept of an import's upload, here and in the shared storage (the import's
/// account was deleted before it ran). Failures are only logged.
pub(crate) async fn discard_upload(app: &App, import_id: &ImportId) {
    match tokio::fs::remove_file(spool_path(app, import_id)).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(import = %import_id, error = %Causes(&e), "could not delete a spooled upload")
        }
    }
    forget_shared(app, import_id).await;
}

/// How an import ended.
#[derive(Debug)]
pub struct Finished {
    pub id: ImportId,
    /// What happened to each file and row (the files finished before a failure).
    pub report: ImportReport,
    /// Why it failed, if it did: no file could be read, or the import broke off.
    pub error: Option<String>,
}

/// Imports `entries` for `user_id` now (the CLI, the demo): records the import, runs it with
/// `progress` (for a progress bar), and records how it ended.
pub async fn import_now(
    app: &App,
    user_id: &UserId,
    name: &str,
    entries: Vec<Entry>,
    progress: Arc<Progress>,
) -> AppResult<Finished> {
    let id = ImportId::new();
    let total: u64 = entries.iter().map(|e| e.size()).sum();
    app.store
        .create_import(&id, user_id, name, total as i64, now_ms())
        .await?;
    let (report, error) = import(app, user_id.to_owned(), id.clone(), entries, progress).await;
    Ok(Finished { id, report, error })
}

/// Imports `entries` into the import record `import_id`, writing progress every second, and
/// records how it ended.
async fn import(
    app: &App,
    user_id: UserId,
    import_id: ImportId,
    entries: Vec<Entry>,
    progress: Arc<Progress>,
) -> (ImportReport, Option<String>) {
    let so_far = Arc::new(Mutex::new(ImportReport::default()));
    // Progress is written while the import waits for a slot too.
    let ticker = tokio::spawn(report_progress(
        app.clone(),
        import_id.clone(),
        progress.clone(),
        so_far.clone(),
    ));
    let _slot = app.import_slots.clone().acquire_owned().await;
    let importer = Importer::new(app.store.clone());
    let result = importer
        .run(
            &user_id,
            &import_id,
            &entries,
            &progress,
            now_ms(),
            |report| {
                *so_far.lock().expect("not poisoned") = report.clone();
                if let Some(file) = report.files.last().filter(|f| f.added + f.replaced > 0) {
                    app.bus.publish(Event::PlaysRecorded {
                        user_id: user_id.clone(),
                        added: file.added,
                    });
                }
            },
        )
        .await;
    ticker.abort();
    let (report, error) = match result {
        Ok(report) => {
            let t = &report.totals;
            // An import of which no file could be read failed, whatever the reason.
            let error = (t.files_imported == 0).then(|| {
                let reason = report.files.iter().find_map(|f| f.reason.clone());
                format!(
                    "no file could be imported: {}",
                    reason.unwrap_or_else(|| "no listening history found".into())
                )
            });
            (report, error)
        }
        Err(e) => {
            // Files finished before the failure stay imported; the report lists them.
            tracing::error!(import = %import_id, error = %Causes(&e), "import failed");
            let so_far = so_far.lock().expect("not poisoned").clone();
            (so_far, Some(e.to_string()))
        }
    };
    if let Err(e) = app
        .store
        .finish_import(
            &import_id,
            progress.rows_done.load(Ordering::Relaxed) as i64,
            &report_json(&report),
            error.as_deref(),
            now_ms(),
        )
        .await
    {
        tracing::error!(import = %import_id, error = %Causes(&e), "recording the import's end failed");
    }
    app.bus.publish(Event::ImportFinished {
        user_id,
        import_id,
        status: match error {
            None => ImportStatus::Done,
            Some(_) => ImportStatus::Failed,
        }
        .to_string(),
    });
    (report, error)
}

/// Marks failed the imports left `running` by a process that stopped (a killed command-line
/// import, a lost upload) and that are not queued to run again; returns how many. Every
/// serving node runs it at start and every [`STALE_CHECK_EVERY`], and `medley import` before
/// it starts, so whichever process comes next notices.
pub async fn fail_interrupted(app: &App) -> AppResult<u64> {
    let now = now_ms();
    Ok(app
        .store
        .fail_stale_imports(now - STALE_AFTER.as_millis() as i64, now)
        .await?)
}

/// Removes from the upload folder what a crash left behind: uploads of imports not running
/// any more (or never recorded: the crash came before), and audio uploads, which never outlive
/// their request. Run at start, before any request; returns how many files were removed.
pub async fn clean_spool(app: &App) -> AppResult<usize> {
    let dir = app.config.spool_dir.clone();
    let mut uploads = Vec::new();
    let mut removed = 0;
    let mut entries = match tokio::fs::read_dir(&dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(AppError::internal(e, "reading the upload folder")),
    };
    while let Some(entry) = entries
        .next_entry()
        .await
        .map_err(|e| AppError::internal(e, "reading the upload folder"))?
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(id) = name.strip_suffix(".upload") {
            // Spooled uploads are named by their import's id.
            uploads.push(ImportId::from(id));
        } else if name.ends_with(".audio") && remove(&entry.path()).await {
            removed += 1;
        }
    }
    let running = app.store.running_imports(&uploads).await?;
    for id in uploads.iter().filter(|id| !running.contains(id)) {
        if remove(&spool_path(app, id)).await {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(files = removed, folder = %dir.display(), "removed uploads left by a stop");
    }
    Ok(removed)
}

async fn remove(path: &Path) -> bool {
    match tokio::fs::remove_file(path).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %Causes(&e), "could not remove a left-over upload");
            false
        }
    }
}

fn report_json(report: &ImportReport) -> String {
    serde_json::to_string(report).expect("a report serialises")
}

async fn report_progress(
    app: App,
    import_id: ImportId,
    progress: Arc<Progress>,
    so_far: Arc<Mutex<ImportReport>>,
) {
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    loop {
        tick.tick().await;
        let bytes = progress.bytes_done.load(Ordering::Relaxed) as i64;
        let rows = progress.rows_done.load(Ordering::Relaxed) as i64;
        let report = report_json(&so_far.lock().expect("not poisoned"));
        let _ = app
            .store
            .import_progress(&import_id, bytes, rows, &report, now_ms())
            .await;
    }
}

/// One of `user`'s imports, or not found.
pub async fn find(app: &App, user: &User, id: &ImportId) -> AppResult<StoredImport> {
    app.store
        .import(&user.id, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("you have no import `{id}`")))
}

/// A page of `user`'s imports, newest first.
pub async fn list(app: &App, user: &User, page: Page) -> AppResult<Vec<StoredImport>> {
    Ok(app.store.imports(&user.id, page.limit, page.offset).await?)
}
