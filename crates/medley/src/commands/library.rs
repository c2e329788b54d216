//! `medley library scan DIR… [--watch]`: scans folders for audio, with a progress bar and a
//! report, then (with `--watch`) keeps watching them. The scan is recorded like the API's
//! (`GET /v1/admin/library/scans` lists it).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use medley_app::library::scan::{ScanOptions, ScanProgress, ScanReport};
use medley_app::library::{scans, watch, Audio};
use medley_app::{App, AppConfig};
use medley_audio::hot::HotCache;
use medley_audio::{Storage, Transcoder, UrlSigner};
use medley_events::Bus;
use medley_search::SearchIndex;

use super::open_store;
use crate::config::Config;

#[derive(Subcommand)]
pub enum LibraryCommand {
    /// Scan folders for audio files: new files become catalog tracks (or give their audio to
    /// tracks already there), changed files are read again, moved files are recognised by their
    /// content, deleted files are marked missing. Only what changed since the last scan is read.
    Scan(ScanArgs),
}

#[derive(Args)]
pub struct ScanArgs {
    /// Folders to scan.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Copy the files into the audio storage (default when the storage is S3).
    #[arg(long, conflicts_with = "in_place")]
    pub copy: bool,
    /// Read the files where they are (default for a local storage folder).
    #[arg(long)]
    pub in_place: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Keep watching the folders after the scan: files added, changed, moved or deleted are
    /// picked up within seconds, until interrupted (Ctrl-C or SIGTERM).
    #[arg(long)]
    pub watch: bool,
}

/// The audio side of the application as configured: storage, signing key, settings.
pub fn audio(config: &Config, signer: UrlSigner) -> anyhow::Result<Audio> {
    let storage = Storage::open(&config.storage).context("opening the audio storage")?;
    Ok(Audio::new(storage, signer, config.library.clone()))
}

/// The audio side of `serve`: stream URLs are signed under a key derived from the server's
/// secret key, so every node sharing that key accepts the others' URLs.
pub fn serving_audio(config: &Config) -> anyhow::Result<Audio> {
    let (key, _) = super::secret_key(config)?;
    let audio = audio(config, UrlSigner::from_secret(key.trim().as_bytes()))?;
    let transcoder = Transcoder::start(&config.streams.transcode).with_context(|| {
        format!(
            "opening the transcode cache in {}",
            config.streams.transcode.cache_dir.display()
        )
    })?;
    let mut audio = audio.with_transcoder(transcoder);
    if let Some((dir, max_bytes)) = &config.streams.hot {
        if audio.storage.is_remote() {
            let hot = HotCache::open(dir, *max_bytes)
                .with_context(|| format!("opening the hot-object cache in {}", dir.display()))?;
            audio = audio.with_hot_cache(hot);
        }
    }
    Ok(audio)
}

pub async fn run(config: &Config, command: LibraryCommand) -> anyhow::Result<()> {
    let LibraryCommand::Scan(args) = command;
    let store = open_store(config).await?;
    let search = Arc::new(SearchIndex::in_memory().context("creating the search index")?);
    let mut app = App::new(store, Bus::new(), search, AppConfig::default());
    app.audio = Arc::new(audio(config, UrlSigner::random())?);
    let copy = if args.copy {
        true
    } else if args.in_place {
        false
    } else {
        app.audio.storage.is_remote()
    };
    let mut dirs = Vec::new();
    for dir in &args.dirs {
        let absolute = std::path::absolute(dir)
            .with_context(|| format!("resolving the folder {}", dir.display()))?;
        dirs.push(absolute.to_string_lossy().into_owned());
    }

    let progress = Arc::new(ScanProgress::default());
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} files ({per_sec}, {eta})",
        )
        .context("progress bar template")?,
    );
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tick.tick().await;
                bar.set_length(progress.total.load(Ordering::Relaxed));
                bar.set_position(progress.done.load(Ordering::Relaxed));
            }
        })
    };
    let result = scans::run_here(&app, &dirs, ScanOptions { copy }, progress).await;
    ticker.abort();
    bar.finish_and_clear();
    let (stored, report) = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report, copy);
    }
    if let Some(error) = stored.error {
        anyhow::bail!("the scan failed: {error}");
    }
    if args.watch {
        let json = args.json;
        let watching = watch::watch(app, &dirs, ScanOptions { copy }, move |r| {
            if json {
                if let Ok(text) = serde_json::to_string(r) {
                    println!("{text}");
                }
            } else {
                print_change(r);
            }
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if !json {
            println!(
                "Watching {} for changes (stop with Ctrl-C).",
                dirs.join(", ")
            );
        }
        stopped().await?;
        drop(watching);
    }
    Ok(())
}

/// What a watched change did, in one line (and its failures).
fn print_change(r: &ScanReport) {
    println!(
        "Changed: {} added, {} updated, {} moved, {} back in place, {} gone (marked missing), \
         {} failed",
        r.added, r.updated, r.moved, r.restored, r.missing, r.failed
    );
    for f in &r.failures {
        println!("  failed: {}: {}", f.path, f.reason);
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn stopped() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).context("handling SIGTERM")?;
        tokio::select! {
            _ = terminate.recv() => {},
            _ = tokio::signal::ctrl_c() => {},
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await.context("handling Ctrl-C")?;
    Ok(())
}

fn print_report(r: &ScanReport, copy: bool) {
    for root in &r.roots {
        match &root.error {
            Some(e) => println!("{}: not scanned: {e}", root.path),
            None => println!("{}: {} audio files", root.path, root.files),
        }
    }
    println!(
        "{} files: {} added, {} updated, {} unchanged, {} moved, {} back in place, {} failed; \
         {} gone (marked missing); {} not audio",
        r.found,
        r.added,
        r.updated,
        r.unchanged,
        r.moved,
        r.restored,
        r.failed,
        r.missing,
        r.ignored
    );
    println!(
        "{} tracks added to the catalog, {} files joined tracks already there{}; {:.1} s",
        r.tracks_created,
        r.tracks_matched,
        if copy {
            format!(", {} copied into the audio storage", r.copied)
        } else {
            String::new()
        },
        r.elapsed_ms as f64 / 1000.0
    );
    for f in &r.failures {
        println!("  failed: {}: {}", f.path, f.reason);
    }
    if r.failed as usize > r.failures.len() {
        println!("  … and {} more", r.failed as usize - r.failures.len());
    }
    if r.tracks_created > 0 {
        println!("A running server finds the new tracks in search after its next start.");
    }
}
