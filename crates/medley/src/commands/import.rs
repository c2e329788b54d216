//! `medley import --user NAME PATH…`: imports listening-history exports (files, folders, or a
//! whole `my_spotify_data.zip`) straight into the database, with a progress bar. Exits
//! non-zero, after the report, when the import failed or any file was rejected.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use medley_app::{imports, App, AppConfig};
use medley_events::Bus;
use medley_imports::{collect, FileStatus, ImportReport, Progress, ZipLimits};
use medley_search::SearchIndex;
use medley_store::Store;

use super::open_store;
use crate::config::Config;

#[derive(Args)]
pub struct ImportArgs {
    /// Whose listening history this is.
    #[arg(long)]
    pub user: String,
    /// Export files, folders or zip archives.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(config: &Config, args: ImportArgs) -> anyhow::Result<()> {
    let store: Arc<dyn Store> = open_store(config).await?;
    let (user, _) = store
        .user_by_username(&args.user)
        .await?
        .ok_or_else(|| anyhow!("no user named {}", args.user))?;
    let entries = collect(&args.paths, &ZipLimits::default())?;
    let name = args
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let total: u64 = entries.iter().map(|e| e.size()).sum();
    let app = App::new(
        store,
        Bus::new(),
        Arc::new(SearchIndex::in_memory()?),
        AppConfig::default(),
    );

    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {msg}",
        )
        .context("progress bar template")?,
    );
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            loop {
                every.tick().await;
                bar.set_position(progress.bytes_done.load(Ordering::Relaxed));
                bar.set_message(format!(
                    "{} rows",
                    progress.rows_done.load(Ordering::Relaxed)
                ));
            }
        })
    };
    // An earlier import this command left `running` when it was killed ends `failed` now.
    if let Ok(n @ 1..) = imports::fail_interrupted(&app).await {
        eprintln!("{n} interrupted import(s) marked failed");
    }
    let finished = imports::import_now(&app, &user.id, &name, entries, progress).await?;
    ticker.abort();
    bar.finish_and_clear();
    let report = &finished.report;
    if args.json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print_report(report, bar.elapsed());
    }
    // A script must notice: any rejected file, or an import that failed, is a failure.
    if let Some(error) = finished.error {
        return Err(anyhow!("the import failed: {error}"));
    }
    let t = &report.totals;
    if t.files_rejected > 0 {
        return Err(anyhow!(
            "{} of {} files were rejected (the report above says why); the other files were \
             imported",
            t.files_rejected,
            t.files
        ));
    }
    Ok(())
}

fn print_report(report: &ImportReport, took: Duration) {
    println!(
        "{:<60} {:<9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "FILE", "STATUS", "ROWS", "ADDED", "DUPLICATE", "SKIPPED", "REJECTED"
    );
    for f in &report.files {
        let status = match f.status {
            FileStatus::Imported => "imported",
            FileStatus::Rejected => "rejected",
            FileStatus::Ignored => "ignored",
        };
        println!(
            "{:<60} {:<9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            shorten(&f.name, 60),
            status,
            f.rows,
            f.added,
            f.duplicate + f.replaced,
            f.skipped_total(),
            f.rejected
        );
        if let Some(reason) = &f.reason {
            println!("    {reason}");
        }
        for r in &f.rejected_rows {
            println!("    record {} (line {}): {}", r.record, r.line, r.error);
        }
    }
    let t = &report.totals;
    println!(
        "{} files ({} imported, {} rejected, {} ignored): {} rows, {} plays added, {} duplicate, \
         {} replaced by more precise copies, {} skipped, {} rejected, in {:.1} s",
        t.files,
        t.files_imported,
        t.files_rejected,
        t.files_ignored,
        t.rows,
        t.added,
        t.duplicate,
        t.replaced,
        t.skipped,
        t.rejected,
        took.as_secs_f64()
    );
}

fn shorten(name: &str, width: usize) -> String {
    let count = name.chars().count();
    if count <= width {
        return name.to_owned();
    }
    let tail: String = name.chars().skip(count - (width - 1)).collect();
    format!("…{tail}")
}
