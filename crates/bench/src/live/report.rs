//! `medley-bench live report`: Medley's and Socket.IO's runs of one scenario side by side,
//! with the ratios (Socket.IO ÷ Medley: above 1, Medley needs less), as a Markdown table; with
//! a run of `live floor` too (the least any server can do), its figures and Medley ÷ floor.

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
    /// `live run --out` of `live floor`, same scenario.
    #[arg(long)]
    floor: Option<PathBuf>,
}

const KIB: f64 = 1024.0;
const MIB: f64 = 1024.0 * 1024.0;

/// One figure of a run.
type Figure = fn(&RunReport) -> f64;

fn load(path: &Path) -> anyhow::Result<RunReport> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let m = load(&args.medley)?;
    let s = load(&args.socketio)?;
    let f = args.floor.as_deref().map(load).transpose()?;
    println!(
        "{} listeners in {} show(s), {} comments/s a show for {} s",
        m.listeners, m.shows, m.rate_per_show, m.seconds
    );
    println!();
    if f.is_some() {
        println!(
            "| figure | Medley | floor | Socket.IO 4.8 | Socket.IO ÷ Medley | Medley ÷ floor |"
        );
        println!("|---|---|---|---|---|---|");
    } else {
        println!("| figure | Medley | Socket.IO 4.8 | Socket.IO ÷ Medley |");
        println!("|---|---|---|---|");
    }
    // (figure, the figure of a run, decimals)
    let rows: [(&str, Figure, usize); 11] = [
        ("connect all listeners (s)", |r| r.connect_secs, 2),
        (
            "server memory per idle listener (KiB)",
            |r| r.idle_bytes_per_listener / KIB,
            1,
        ),
        (
            "server RSS, all connected and idle (MiB)",
            |r| r.rss_idle_bytes as f64 / MIB,
            1,
        ),
        ("server CPU idle (% of a core)", |r| r.idle_cpu_percent, 1),
        ("delivery p50 (ms)", |r| r.latency_ms.p50, 2),
        ("delivery p99 (ms)", |r| r.latency_ms.p99, 2),
        ("delivery p99.9 (ms)", |r| r.latency_ms.p999, 2),
        ("delivery max (ms)", |r| r.latency_ms.max, 2),
        (
            "server CPU while comments flow (% of a core)",
            |r| r.run_cpu_percent,
            1,
        ),
        (
            "server RSS while comments flow, max (MiB)",
            |r| r.run_rss_max_bytes as f64 / MIB,
            1,
        ),
        (
            "generator CPU (% of a core)",
            |r| r.generator_cpu_percent,
            1,
        ),
    ];
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            format!("{:.2}×", a / b)
        } else {
            "–".into()
        }
    };
    for (name, figure, decimals) in rows {
        let fmt = |v: f64| format!("{v:.decimals$}");
        let (a, b) = (figure(&m), figure(&s));
        match &f {
            Some(f) => println!(
                "| {name} | {} | {} | {} | {} | {} |",
                fmt(a),
                fmt(figure(f)),
                fmt(b),
                ratio(b, a),
                ratio(a, figure(f))
            ),
            None => println!("| {name} | {} | {} | {} |", fmt(a), fmt(b), ratio(b, a)),
        }
    }
    let runs = [
        ("Medley", Some(&m)),
        ("floor", f.as_ref()),
        ("Socket.IO", Some(&s)),
    ];
    // The text's cell closed, then the other columns left empty.
    let columns = if f.is_some() { 6 } else { 4 };
    let blanks = " |".repeat(columns - 1);
    for (name, r) in runs.into_iter().filter_map(|(n, r)| Some((n, r?))) {
        println!(
            "| deliveries, {name} | {} of {} ({} not arrived 10 s after the speakers stopped; {} comments sent, {} refused; {} joins failed, {} disconnected){blanks}",
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
        "load average at the end: Medley's run {}, {}Socket.IO's run {}",
        m.load_average,
        f.as_ref()
            .map(|f| format!("the floor's run {}, ", f.load_average))
            .unwrap_or_default(),
        s.load_average
    );
    Ok(())
}
