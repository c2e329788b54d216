//! `medley-bench live report`: Medley's and Socket.IO's runs of one scenario side by side,
//! with the ratios (Socket.IO ÷ Medley: above 1, Medley needs less), as a Markdown table.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::run::RunReport;

#[derive(clap::Args)]
pub struct Args {
    /// `live run --out` of Medley.
    #[arg(long)]
    medley: PathBuf,
    /// `live run --out` of the Socket.IO baseline, same scenario.
    #[arg(long)]
    socketio: PathBuf,
}

fn load(path: &Path) -> anyhow::Result<RunReport> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let m = load(&args.medley)?;
    let s = load(&args.socketio)?;
    println!(
        "{} listeners in {} show(s), {} comments/s a show for {} s",
        m.listeners, m.shows, m.rate_per_show, m.seconds
    );
    println!();
    println!("| figure | Medley | Socket.IO 4.8 | Socket.IO ÷ Medley |");
    println!("|---|---|---|---|");
    let kib = 1024.0;
    let mib = 1024.0 * 1024.0;
    // (figure, Medley, Socket.IO, decimals)
    let rows: Vec<(&str, f64, f64, usize)> = vec![
        (
            "connect all listeners (s)",
            m.connect_secs,
            s.connect_secs,
            2,
        ),
        (
            "server memory per idle listener (KiB)",
            m.idle_bytes_per_listener / kib,
            s.idle_bytes_per_listener / kib,
            1,
        ),
        (
            "server RSS, all connected and idle (MiB)",
            m.rss_idle_bytes as f64 / mib,
            s.rss_idle_bytes as f64 / mib,
            1,
        ),
        (
            "server CPU idle (% of a core)",
            m.idle_cpu_percent,
            s.idle_cpu_percent,
            1,
        ),
        ("delivery p50 (ms)", m.latency_ms.p50, s.latency_ms.p50, 2),
        ("delivery p99 (ms)", m.latency_ms.p99, s.latency_ms.p99, 2),
        (
            "delivery p99.9 (ms)",
            m.latency_ms.p999,
            s.latency_ms.p999,
            2,
        ),
        ("delivery max (ms)", m.latency_ms.max, s.latency_ms.max, 2),
        (
            "server CPU while comments flow (% of a core)",
            m.run_cpu_percent,
            s.run_cpu_percent,
            1,
        ),
        (
            "server RSS while comments flow, max (MiB)",
            m.run_rss_max_bytes as f64 / mib,
            s.run_rss_max_bytes as f64 / mib,
            1,
        ),
        (
            "generator CPU (% of a core)",
            m.generator_cpu_percent,
            s.generator_cpu_percent,
            1,
        ),
    ];
    for (name, a, b, decimals) in rows {
        let fmt = |v: f64| format!("{v:.decimals$}");
        let ratio = if a > 0.0 {
            format!("{:.2}×", b / a)
        } else {
            "–".into()
        };
        println!("| {name} | {} | {} | {ratio} |", fmt(a), fmt(b));
    }
    for (name, r) in [("Medley", &m), ("Socket.IO", &s)] {
        println!(
            "| deliveries, {name} | {} of {} ({} not arrived 10 s after the speakers stopped; {} comments sent, {} refused; {} joins failed, {} disconnected) | | |",
            r.deliveries,
            r.deliveries_expected,
            r.deliveries_missing,
            r.comments_sent,
            r.comments_refused,
            r.join_failures,
            r.disconnected
        );
    }
    println!();
    println!(
        "load average at the end: Medley's run {}, Socket.IO's run {}",
        m.load_average, s.load_average
    );
    Ok(())
}
