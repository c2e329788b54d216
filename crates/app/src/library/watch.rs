//! Watched folders: after a scan, changes below the folders (files added, changed, moved or
//! deleted) are picked up as they happen. The operating system's notifications (the `notify`
//! crate: inotify on Linux) are gathered for [`DEBOUNCE`] after the last one (a file being
//! copied fires many), then only the parts of the folders they touched are scanned (see
//! [`scopes`]): new and changed files are read, moves recognised, deleted files marked
//! missing, exactly as a full scan would.
//!
//! A watch needs notifications from the machine the files are on: network shares often send
//! none (scan them on a schedule instead).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use tokio::sync::mpsc;

use super::scan::{scan_scopes, ScanOptions, ScanProgress, ScanReport, Scope};
use super::walk::check_root;
use crate::error::{AppError, AppResult};
use crate::App;

/// How long after the last notification a change is scanned.
pub const DEBOUNCE: Duration = Duration::from_millis(400);

/// A watch running in the background; dropping it stops it.
pub struct Watch {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Watch {
    /// Waits until the watch ends (it runs until dropped, or until its folders' notifications
    /// stop for good).
    pub async fn finished(mut self) {
        let _ = (&mut self.task).await;
    }
}

/// Starts watching `roots` (absolute folders, as scans name them): each batch of changes is
/// scanned and `on_scan` told of its report. Fails when a folder cannot be watched, saying
/// which and why; nothing is scanned here (scan the folders first).
pub fn watch(
    app: App,
    roots: &[String],
    options: ScanOptions,
    on_scan: impl Fn(&ScanReport) + Send + Sync + 'static,
) -> AppResult<Watch> {
    let roots: Vec<PathBuf> = roots
        .iter()
        .map(|r| check_root(r).map_err(AppError::Invalid))
        .collect::<AppResult<_>>()?;
    let (tx, mut rx) = mpsc::unbounded_channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |r: DebounceEventResult| {
        let _ = tx.send(r);
    })
    .map_err(|e| AppError::upstream("watching folders", e))?;
    for root in &roots {
        debouncer
            .watch(root, RecursiveMode::Recursive)
            .map_err(|e| AppError::upstream(format!("{} cannot be watched", root.display()), e))?;
    }
    let on_scan = Arc::new(on_scan);
    let task = tokio::spawn(async move {
        // The debouncer lives as long as the task: dropping it stops the notifications.
        let _debouncer = debouncer;
        while let Some(first) = rx.recv().await {
            let mut changed = BTreeSet::new();
            let mut gather = |r: DebounceEventResult| match r {
                Ok(events) => {
                    for e in events {
                        changed.extend(e.event.paths.iter().cloned());
                    }
                }
                Err(errors) => {
                    for e in errors {
                        tracing::warn!("watching the library folders: {e}");
                    }
                }
            };
            gather(first);
            while let Ok(more) = rx.try_recv() {
                gather(more);
            }
            let scopes = scopes(&roots, &changed);
            if scopes.is_empty() {
                continue;
            }
            let progress = ScanProgress::default();
            match scan_scopes(&app, &scopes, options, &progress, |_| {}).await {
                Ok(report) => {
                    tracing::info!(
                        added = report.added,
                        updated = report.updated,
                        moved = report.moved,
                        missing = report.missing,
                        failed = report.failed,
                        "watched folders changed: scanned what changed"
                    );
                    on_scan(&report);
                }
                Err(e) => tracing::error!("scanning a change in a watched folder: {e}"),
            }
        }
    });
    Ok(Watch { task })
}

/// What `serve` does with the folders of its configuration: watches them, then scans them
/// once in the background (recorded like any scan), so that what changed while the server
/// was stopped is picked up too. Fails at once when a folder cannot be watched.
pub fn scan_and_watch(app: &App, roots: &[String], options: ScanOptions) -> AppResult<Watch> {
    let watch = watch(app.clone(), roots, options, |_| {})?;
    let (app, roots) = (app.clone(), roots.to_vec());
    tokio::spawn(async move {
        match super::scans::run_here(&app, &roots, options, Arc::default()).await {
            Ok((_, report)) => tracing::info!(
                found = report.found,
                added = report.added,
                missing = report.missing,
                "library folders scanned; watching them for changes"
            ),
            Err(e) => tracing::error!("scanning the library folders: {e}"),
        }
    });
    Ok(watch)
}

/// The parts of `roots` to scan for the `changed` paths: for each, the nearest folder that
/// still exists at or above it (a deleted file's folder, a new folder itself), within its
/// root; a folder inside another one to scan is left to that one.
pub fn scopes(roots: &[PathBuf], changed: &BTreeSet<PathBuf>) -> Vec<Scope> {
    let mut dirs: Vec<(PathBuf, PathBuf)> = Vec::new();
    for path in changed {
        let Some(root) = roots.iter().find(|r| path.starts_with(r)) else {
            continue;
        };
        let mut dir: &Path = path;
        while !dir.is_dir() && dir != root.as_path() {
            match dir.parent() {
                Some(parent) => dir = parent,
                None => break,
            }
        }
        dirs.push((root.clone(), dir.to_owned()));
    }
    dirs.sort_by(|a, b| a.1.cmp(&b.1));
    let mut out: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (root, dir) in dirs {
        if out.iter().any(|(_, d)| dir.starts_with(d)) {
            continue;
        }
        out.push((root, dir));
    }
    out.into_iter()
        .map(|(root, dir)| Scope {
            root: root.to_string_lossy().into_owned(),
            dir: dir.to_string_lossy().into_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_scanned_from_the_nearest_folder_still_there() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("A/Album")).unwrap();
        std::fs::create_dir_all(root.join("B")).unwrap();
        let dirs = |changed: &[PathBuf]| -> Vec<PathBuf> {
            let changed: BTreeSet<PathBuf> = changed.iter().cloned().collect();
            scopes(std::slice::from_ref(&root), &changed)
                .into_iter()
                .map(|s| {
                    assert_eq!(s.root, root.to_string_lossy());
                    PathBuf::from(s.dir)
                })
                .collect()
        };
        // A new and a deleted file in one folder, and the folder itself: that folder.
        let album = [
            root.join("A/Album/new.flac"),
            root.join("A/Album/gone.mp3"),
            root.join("A/Album"),
            PathBuf::from("/elsewhere/x.mp3"),
        ];
        assert_eq!(dirs(&album), [root.join("A/Album")]);
        // Two folders.
        let two = [root.join("A/Album/x.mp3"), root.join("B/y.mp3")];
        assert_eq!(dirs(&two), [root.join("A/Album"), root.join("B")]);
        // A deleted folder: the root, which holds the others.
        let mut gone = album.to_vec();
        gone.push(root.join("C/deleted/folder/x.mp3"));
        assert_eq!(dirs(&gone), std::slice::from_ref(&root));
    }
}
