//! Imports a synthetic Extended-streaming-history export into a fresh database and reports
//! plays per second and the process's peak memory. Run in release:
//!
//! `cargo run -p medley-imports --release --example import_speed -- 1000000`
//!
//! The export is split into files of 16,000 rows like Spotify's (`Streaming_History_Audio_*`,
//! about 12 MB each). Arguments: `ROWS [DATABASE_URL]`; without a URL, a SQLite file in a
//! temporary folder.
use std::error::Error;
use std::fs::File;
use std::io::BufWriter;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use medley_history::synth::{write_extended, SynthConfig};
use medley_imports::{collect, Importer, Progress, ZipLimits};
use medley_store::{NewUser, SqlStore, Store};

const ROWS_PER_FILE: u64 = 16_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args.next().map_or(Ok(1_000_000), |n| n.parse())?;
    let url = args.next();
    let dir = tempfile::tempdir()?;
    let export = dir.path().join("export");
    std::fs::create_dir(&export)?;

    let started = Instant::now();
    let (mut written, mut start_ms, mut bytes) = (0u64, 1_199_145_600_000i64, 0u64);
    let mut file_no = 0;
    while written < rows {
        let n = ROWS_PER_FILE.min(rows - written);
        let path = export.join(format!("Streaming_History_Audio_{file_no:04}.json"));
        let mut out = BufWriter::new(File::create(&path)?);
        let summary = write_extended(
            &SynthConfig {
                seed: file_no + 1,
                rows: n,
                start_ms,
                ..SynthConfig::default()
            },
            &mut out,
        )?;
        // On disk before the clock starts: the kernel writing 600 MB back during the import
        // made runs differ by a fifth.
        out.into_inner()?.sync_all()?;
        bytes += std::fs::metadata(&path)?.len();
        start_ms = summary.last_ts_ms + 3_600_000;
        written += n;
        file_no += 1;
    }
    println!(
        "generated {rows} rows in {file_no} files, {:.1} MB, in {:.2?}",
        bytes as f64 / 1e6,
        started.elapsed()
    );

    let url = url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("m.db").display()));
    let store: Arc<dyn Store> = Arc::new(SqlStore::connect(&url).await?);
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let user_id = medley_domain::UserId::new();
    store
        .create_user(NewUser {
            id: user_id.clone(),
            username: format!("bench{}", &user_id[..6]),
            password_hash: "-".into(),
            display_name: None,
            now_ms,
        })
        .await?;
    let entries = collect(&[export], &ZipLimits::default())?;
    let import_id = medley_domain::ImportId::new();
    store
        .create_import(&import_id, &user_id, "bench", bytes as i64, now_ms)
        .await?;
    let progress = Arc::new(Progress::default());
    let started = Instant::now();
    let report = Importer::new(store.clone())
        .run(&user_id, &import_id, &entries, &progress, now_ms, |_| {})
        .await?;
    let secs = started.elapsed().as_secs_f64();
    let t = &report.totals;
    println!(
        "imported {} rows: {} added, {} duplicate, {} skipped, {} rejected in {secs:.2} s: \
         {:.0} rows/s, {:.0} plays added/s",
        t.rows,
        t.added,
        t.duplicate,
        t.skipped,
        t.rejected,
        t.rows as f64 / secs,
        t.added as f64 / secs
    );
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines().filter(|l| l.starts_with("VmHWM")) {
            println!("peak memory (resident): {}", line["VmHWM:".len()..].trim());
        }
    }
    Ok(())
}
