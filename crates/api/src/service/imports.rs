//! Imports of uploaded exports: the upload is spooled to disk, checked, and imported in the
//! background while its progress is written to the database every second.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use futures::StreamExt;
use medley_events::Event;
use medley_history::{read_file, FileError, ReadOptions};
use medley_imports::{first_byte, inputs, Entry, ImportReport, Importer, InputError, Progress};
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, ApiResult};
use crate::state::{now_ms, AppState};

/// How often a running import writes its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// A running import whose progress is older than this was on a node that stopped.
pub const STALE_AFTER: Duration = Duration::from_secs(120);

/// An upload written to the spool folder; removed when dropped.
pub struct Spooled {
    pub path: PathBuf,
    pub bytes: u64,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Streams `body` to a file in the spool folder, refusing more than `max` bytes. A body that
/// breaks off (the client stopped sending) leaves nothing behind.
pub async fn spool(state: &AppState, body: Body, id: &str) -> ApiResult<Spooled> {
    let dir = &state.config.spool_dir;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| anyhow::anyhow!("cannot create the upload folder {}: {e}", dir.display()))?;
    let path = dir.join(format!("{id}.upload"));
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    let mut spooled = Spooled { path, bytes: 0 };
    let max = state.config.import_max_bytes;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::BadRequest(format!(
                "the upload broke off after {} bytes ({e}); nothing was imported, send the file \
                 again",
                spooled.bytes
            ))
        })?;
        spooled.bytes += chunk.len() as u64;
        if spooled.bytes > max {
            return Err(ApiError::PayloadTooLarge(format!(
                "the upload is larger than the {max} bytes this server accepts \
                 (MEDLEY_IMPORT_MAX_BYTES)"
            )));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| anyhow::anyhow!("writing the upload failed: {e}"))?;
    }
    file.flush()
        .await
        .map_err(|e| anyhow::anyhow!("writing the upload failed: {e}"))?;
    if spooled.bytes == 0 {
        return Err(ApiError::BadRequest(
            "the upload is empty: send an export file (.json) or my_spotify_data.zip as the \
             request body"
                .into(),
        ));
    }
    Ok(spooled)
}

/// What the spooled upload holds, checked before the import is accepted: a zip archive
/// within the limits, or a JSON file in a known format (judged from its first records).
pub async fn entries(state: &AppState, spooled: &Spooled, name: &str) -> ApiResult<Vec<Entry>> {
    let path = spooled.path.clone();
    let (name, size, limits) = (name.to_owned(), spooled.bytes, state.config.zip_limits);
    tokio::task::spawn_blocking(move || check(&path, &name, size, &limits))
        .await
        .map_err(|e| anyhow::anyhow!("checking the upload failed: {e}"))?
}

fn check(path: &Path, name: &str, size: u64, limits: &inputs::ZipLimits) -> ApiResult<Vec<Entry>> {
    let io = |e: std::io::Error| ApiError::Internal(anyhow::anyhow!("reading the upload: {e}"));
    if inputs::is_zip(path).map_err(io)? {
        return inputs::zip_entries(path, name, limits).map_err(|e| match e {
            InputError::TooLarge { .. } | InputError::Ratio { .. } => {
                ApiError::PayloadTooLarge(e.to_string())
            }
            e => ApiError::Unprocessable(e.to_string()),
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
            return Err(ApiError::UnsupportedMediaType(format!(
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
            Err(ApiError::Unprocessable(format!("{name}: {e}")))
        }
        _ => Ok(vec![entry]),
    }
}

/// Runs an accepted import in the background, holding the upload until it is done.
pub fn run_in_background(
    state: AppState,
    user_id: String,
    import_id: String,
    entries: Vec<Entry>,
    spooled: Spooled,
) {
    tokio::spawn(async move {
        let progress = Arc::new(Progress::default());
        let so_far = Arc::new(Mutex::new(report_json(&ImportReport::default())));
        // Progress is written while the import waits for a slot too, so that no node takes
        // a queued import for one whose node stopped.
        let ticker = tokio::spawn(report_progress(
            state.clone(),
            import_id.clone(),
            progress.clone(),
            so_far.clone(),
        ));
        let _slot = state.import_slots.clone().acquire_owned().await;
        let importer = Importer::new(state.store.clone());
        let result = importer
            .run(
                &user_id,
                &import_id,
                &entries,
                &progress,
                now_ms(),
                |report| {
                    *so_far.lock().expect("not poisoned") = report_json(report);
                    if let Some(file) = report.files.last().filter(|f| f.added + f.replaced > 0) {
                        state.bus.publish(Event::PlaysRecorded {
                            user_id: user_id.clone(),
                            added: file.added,
                        });
                    }
                },
            )
            .await;
        ticker.abort();
        let (json, error) = match result {
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
                (report_json(&report), error)
            }
            Err(e) => {
                // Files finished before the failure stay imported; the report lists them.
                tracing::error!(import = %import_id, error = %e, "import failed");
                let so_far = so_far.lock().expect("not poisoned").clone();
                (so_far, Some(e.to_string()))
            }
        };
        if let Err(e) = state
            .store
            .finish_import(
                &import_id,
                progress.rows_done.load(Ordering::Relaxed) as i64,
                &json,
                error.as_deref(),
                now_ms(),
            )
            .await
        {
            tracing::error!(import = %import_id, error = %e, "recording the import's end failed");
        }
        state.bus.publish(Event::ImportFinished {
            user_id,
            import_id,
            status: if error.is_some() { "failed" } else { "done" }.into(),
        });
        drop(spooled);
    });
}

fn report_json(report: &ImportReport) -> String {
    serde_json::to_string(report).expect("a report serialises")
}

async fn report_progress(
    state: AppState,
    import_id: String,
    progress: Arc<Progress>,
    so_far: Arc<Mutex<String>>,
) {
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    loop {
        tick.tick().await;
        let bytes = progress.bytes_done.load(Ordering::Relaxed) as i64;
        let rows = progress.rows_done.load(Ordering::Relaxed) as i64;
        let report = so_far.lock().expect("not poisoned").clone();
        let _ = state
            .store
            .import_progress(&import_id, bytes, rows, &report, now_ms())
            .await;
    }
}
