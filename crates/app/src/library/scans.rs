//! Scans as recorded work. An administrator's scan (`POST /v1/admin/library/scans`) is queued
//! as leased work ([`JobKind::LibraryScan`]), so a scan whose node stopped is taken up by
//! another (a scan is incremental: running it again redoes nothing done). The command line runs
//! its scan at once, recorded the same way. Progress and the report so far are written every
//! second while a scan runs.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use medley_domain::causes::Causes;
use medley_domain::user::User;
use medley_events::Event;
use medley_store::StoredScan;

use super::scan::{scan, ScanOptions, ScanProgress, ScanReport};
use super::walk::check_root;
use crate::clock::now_ms;
use crate::error::{admin_only, AppError, AppResult};
use crate::jobs::{self, JobKind};
use crate::App;

/// Most folders one scan may name.
pub const MAX_PATHS: usize = 100;
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Checks the folders of a scan: 1 to [`MAX_PATHS`], each an absolute path to a folder on
/// this server; returns them canonical.
pub fn check_paths(paths: &[String]) -> AppResult<Vec<String>> {
    if paths.is_empty() || paths.len() > MAX_PATHS {
        return Err(AppError::Invalid(format!(
            "`paths` must name 1 to {MAX_PATHS} folders on the server (got {})",
            paths.len()
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for p in paths {
        let canonical = check_root(p).map_err(AppError::Unprocessable)?;
        let canonical = canonical.to_string_lossy().into_owned();
        if !out.contains(&canonical) {
            out.push(canonical);
        }
    }
    Ok(out)
}

/// Queues a scan of `paths` for an administrator. `copy` defaults to whether the audio
/// storage is remote (S3): then every node can stream what the scan finds.
pub async fn request(
    app: &App,
    user: &User,
    paths: &[String],
    copy: Option<bool>,
) -> AppResult<StoredScan> {
    admin_only(user, "only administrators may scan folders of the server")?;
    let paths = check_paths(paths)?;
    let id = medley_domain::new_id();
    let copy = copy.unwrap_or_else(|| app.audio.storage.is_remote());
    app.store
        .create_scan(&id, Some(&user.id), &paths, copy, now_ms())
        .await?;
    jobs::enqueue(app, JobKind::LibraryScan, &id, "", now_ms()).await?;
    app.store
        .scan(&id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the scan just recorded is gone")))
}

/// A scan, for an administrator.
pub async fn get(app: &App, user: &User, id: &str) -> AppResult<StoredScan> {
    admin_only(user, "only administrators may see library scans")?;
    app.store
        .scan(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no library scan `{id}`")))
}

/// Scans, newest first, for an administrator.
pub async fn list(app: &App, user: &User, limit: i64, offset: i64) -> AppResult<Vec<StoredScan>> {
    admin_only(user, "only administrators may see library scans")?;
    Ok(app.store.scans(limit, offset).await?)
}

/// Runs a queued scan (the worker calls it). A scan that has ended is left alone.
pub async fn run_queued(app: &App, id: &str) -> AppResult<()> {
    let Some(stored) = app.store.scan(id).await? else {
        return Ok(());
    };
    if stored.status.is_finished() {
        return Ok(());
    }
    let options = ScanOptions {
        copy: stored.copy_files,
    };
    execute(app, id, &stored.paths, options, Arc::default()).await;
    Ok(())
}

/// Records and runs a scan here and now (the command line); `progress` is the caller's to show.
pub async fn run_here(
    app: &App,
    paths: &[String],
    options: ScanOptions,
    progress: Arc<ScanProgress>,
) -> AppResult<(StoredScan, ScanReport)> {
    let paths = check_paths(paths)?;
    let id = medley_domain::new_id();
    app.store
        .create_scan(&id, None, &paths, options.copy, now_ms())
        .await?;
    let report = execute(app, &id, &paths, options, progress).await;
    let stored = app
        .store
        .scan(&id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the scan just run is gone")))?;
    Ok((stored, report))
}

/// Runs a recorded scan, writing its progress every second, and records how it ended.
async fn execute(
    app: &App,
    id: &str,
    paths: &[String],
    options: ScanOptions,
    progress: Arc<ScanProgress>,
) -> ScanReport {
    if let Err(e) = app.store.start_scan(id, now_ms()).await {
        tracing::error!(scan = %id, error = %Causes(&e), "marking a scan running");
    }
    let so_far = Arc::new(Mutex::new(ScanReport::default()));
    let ticker = tokio::spawn(write_progress(
        app.clone(),
        id.to_owned(),
        progress.clone(),
        so_far.clone(),
    ));
    let result = scan(app, paths, options, &progress, |report| {
        *so_far.lock().expect("not poisoned") = report.clone();
    })
    .await;
    ticker.abort();
    let (report, error) = match result {
        Ok(report) => {
            let unscanned: Vec<String> = report
                .roots
                .iter()
                .filter_map(|r| r.error.clone())
                .collect();
            let error = (unscanned.len() == report.roots.len())
                .then(|| format!("no folder could be scanned: {}", unscanned.join("; ")));
            (report, error)
        }
        Err(e) => {
            // The report is for administrators: it says the whole chain of causes.
            let why = match &e {
                AppError::Internal(cause) => format!("{cause:#}"),
                other => other.to_string(),
            };
            tracing::error!(scan = %id, error = %why, "library scan failed");
            let so_far = so_far.lock().expect("not poisoned").clone();
            (so_far, Some(format!("the scan stopped: {why}")))
        }
    };
    let json = serde_json::to_string(&report).expect("a report serialises");
    let total = progress.total.load(Ordering::Relaxed) as i64;
    let done = progress.done.load(Ordering::Relaxed) as i64;
    let ended = async {
        app.store
            .scan_progress(id, total, done, &json, now_ms())
            .await?;
        app.store
            .finish_scan(id, &json, error.as_deref(), now_ms())
            .await
    };
    if let Err(e) = ended.await {
        tracing::error!(scan = %id, error = %Causes(&e), "recording the end of a library scan");
    }
    tracing::info!(scan = %id, found = report.found, added = report.added, moved = report.moved,
        missing = report.missing, failed = report.failed, elapsed_ms = report.elapsed_ms,
        "library scan ended");
    app.bus.publish(Event::LibraryScanFinished {
        scan_id: id.to_owned(),
        status: if error.is_some() { "failed" } else { "done" }.into(),
    });
    report
}

async fn write_progress(
    app: App,
    id: String,
    progress: Arc<ScanProgress>,
    so_far: Arc<Mutex<ScanReport>>,
) {
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    loop {
        tick.tick().await;
        let report = serde_json::to_string(&*so_far.lock().expect("not poisoned"))
            .expect("a report serialises");
        let _ = app
            .store
            .scan_progress(
                &id,
                progress.total.load(Ordering::Relaxed) as i64,
                progress.done.load(Ordering::Relaxed) as i64,
                &report,
                now_ms(),
            )
            .await;
    }
}
