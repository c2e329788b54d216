//! `medley-bench live run`: N listeners over S shows of a running server, a few of them
//! speaking, every comment timed from its send to its receipt at every listener.
//!
//! The run: the server's memory is read; all N listeners connect (at most `--concurrency`
//! joining at once) and the time until the last welcome is the connect time; they sit idle
//! for `--idle-seconds`, after which the server's memory again gives the memory per idle
//! listener, `(RSS idle − RSS before) / N`; then for `--seconds` the speakers send
//! `--rate` comments a second in each show (`2 × rate` speakers a show, each sending every
//! `2 × rate / rate` = 2 s: Medley lets a listener comment once a second), evenly spaced and
//! staggered across shows; the run waits (up to 10 s) for every comment to reach every
//! listener of its show, and reports latency percentiles, deliveries against expectations,
//! and the server's (and the generator's own) CPU and memory.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use medley_domain::ShowId;
use serde::Serialize;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::procfs::{cpu_percent, Proc, Sample};
use super::wire::{comment_text, Incoming, Protocol, Ws};
use super::LiveData;

#[derive(clap::Args)]
pub struct Args {
    /// Which server is at `--url`.
    #[arg(long, value_enum)]
    protocol: Protocol,
    /// The server, `http://127.0.0.1:PORT`; with several nodes, each of them, comma-separated:
    /// listener i joins through the (i mod N)-th.
    #[arg(long, value_delimiter = ',', required = true)]
    url: Vec<String>,
    /// The folder `live prepare` wrote (`live.json`: tokens and show ids).
    #[arg(long)]
    data_dir: PathBuf,
    /// Listeners in all, spread evenly over the shows (listener i in show i mod S).
    #[arg(long, default_value_t = 10_000)]
    listeners: usize,
    /// Shows to spread them over.
    #[arg(long, default_value_t = 1)]
    shows: usize,
    /// The first of the prepared shows to use (runs against one server use distinct shows).
    #[arg(long, default_value_t = 0)]
    first_show: usize,
    /// Comments a second in each show.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// How long the speakers speak.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// How long everyone sits connected and silent before the speakers start (the idle
    /// memory is read at its end).
    #[arg(long, default_value_t = 10)]
    idle_seconds: u64,
    /// The server's process, for its memory and CPU; with several nodes, each of them,
    /// comma-separated (their figures are summed).
    #[arg(long, value_delimiter = ',', required = true)]
    server_pid: Vec<u32>,
    /// Connections joining at once.
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// Generator threads (1: a single-threaded runtime, leaving the other core to the server).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Write the results as JSON here too.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn main(args: Args) -> anyhow::Result<()> {
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    }
    .context("starting the async runtime")?;
    runtime.block_on(run(args))
}

/// Figures of one run (`--out`), read back by `live report`.
#[derive(Serialize, serde::Deserialize, Clone, Debug)]
pub struct RunReport {
    pub protocol: String,
    pub listeners: usize,
    pub shows: usize,
    pub rate_per_show: f64,
    pub seconds: u64,
    pub connected: usize,
    pub join_failures: usize,
    pub first_join_error: Option<String>,
    pub connect_secs: f64,
    pub rss_before_bytes: u64,
    pub rss_idle_bytes: u64,
    pub idle_bytes_per_listener: f64,
    pub idle_cpu_percent: f64,
    pub comments_sent: u64,
    pub comments_accepted: u64,
    pub comments_refused: u64,
    pub deliveries_expected: u64,
    pub deliveries: u64,
    /// Deliveries expected but not arrived 10 s after the speakers stopped (late or lost).
    pub deliveries_missing: u64,
    pub disconnected: u64,
    pub latency_ms: Latency,
    pub run_cpu_percent: f64,
    pub run_rss_max_bytes: u64,
    pub generator_cpu_percent: f64,
    pub load_average: String,
}

#[derive(Serialize, serde::Deserialize, Clone, Debug)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

/// What every listener task shares.
struct Shared {
    protocol: Protocol,
    /// Send times are µs since this instant (one process: one clock).
    base: Instant,
    /// Delivery latency, µs.
    histogram: Mutex<Histogram<u64>>,
    deliveries: AtomicU64,
    sent: AtomicU64,
    accepted: AtomicU64,
    refused: AtomicU64,
    disconnected: AtomicU64,
    /// Comments each show accepted (Medley: its reply; Socket.IO: sent).
    accepted_by_show: Vec<AtomicU64>,
}

impl Shared {
    fn now_us(&self) -> u64 {
        self.base.elapsed().as_micros() as u64
    }
}

/// When the speakers speak.
#[derive(Clone, Copy)]
struct Plan {
    start: Instant,
    stop: Instant,
}

/// A listener's place: its show, and its turn if it speaks.
#[derive(Clone, Copy)]
struct Seat {
    show: usize,
    /// `Some((first send after the plan's start, period))` for a speaker.
    speaks: Option<(Duration, Duration)>,
}

async fn run(args: Args) -> anyhow::Result<()> {
    if args.shows == 0 || args.listeners < args.shows {
        bail!("--listeners must be at least --shows (and --shows at least 1)");
    }
    if args.rate.is_nan() || args.rate <= 0.0 {
        bail!("--rate must be positive");
    }
    let data = LiveData::load(&args.data_dir)?;
    if data.users.len() < args.listeners {
        bail!(
            "live.json has {} users; prepare at least --listeners ({})",
            data.users.len(),
            args.listeners
        );
    }
    if data.shows.len() < args.first_show + args.shows {
        bail!(
            "live.json has {} shows; --first-show {} --shows {} needs more",
            data.shows.len(),
            args.first_show,
            args.shows
        );
    }
    let limit = rlimit::increase_nofile_limit(u64::MAX).context("raising RLIMIT_NOFILE")?;
    if (limit as usize) < args.listeners + 64 {
        bail!(
            "this process may open {limit} files, fewer than --listeners ({}) needs: raise the hard limit (ulimit -Hn)",
            args.listeners
        );
    }
    let shows: Vec<ShowId> = data.shows[args.first_show..args.first_show + args.shows].to_vec();
    let per_show: Vec<usize> = (0..args.shows)
        .map(|s| (args.listeners - s).div_ceil(args.shows))
        .collect();
    // Twice the rate in speakers, each every 2 s: Medley's default slow mode is one comment
    // a second per listener, and the margin keeps a late timer from breaking it.
    let speakers = ((2.0 * args.rate).ceil() as usize).max(1);
    let period = Duration::from_secs_f64(speakers as f64 / args.rate);
    let seats: Vec<Seat> = (0..args.listeners)
        .map(|i| {
            let show = i % args.shows;
            let rank = i / args.shows;
            let speaks = (rank < speakers.min(per_show[show])).then(|| {
                // Evenly spaced within the show, shows staggered by a fraction of a gap.
                let offset = (rank as f64 + show as f64 / args.shows as f64) / args.rate;
                (Duration::from_secs_f64(offset), period)
            });
            Seat { show, speaks }
        })
        .collect();

    let proc = Proc::new();
    let shared = Arc::new(Shared {
        protocol: args.protocol,
        base: Instant::now(),
        histogram: Mutex::new(Histogram::new_with_bounds(1, 120_000_000, 3)?),
        deliveries: AtomicU64::new(0),
        sent: AtomicU64::new(0),
        accepted: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        disconnected: AtomicU64::new(0),
        accepted_by_show: (0..args.shows).map(|_| AtomicU64::new(0)).collect(),
    });
    let (plan_tx, plan_rx) = watch::channel::<Option<Plan>>(None);
    let stop = CancellationToken::new();

    // --- connect ------------------------------------------------------------------------
    let before = proc.sample_all(&args.server_pid)?;
    eprintln!(
        "{}: connecting {} listeners to {} show(s), {} at a time (server RSS {:.1} MiB)",
        args.protocol.name(),
        args.listeners,
        args.shows,
        args.concurrency,
        mib(before.rss)
    );
    let slots = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let (joined_tx, mut joined_rx) = mpsc::unbounded_channel::<(usize, Result<(), String>)>();
    let connect_started = Instant::now();
    for (i, seat) in seats.iter().copied().enumerate() {
        let slots = slots.clone();
        let joined = joined_tx.clone();
        let shared = shared.clone();
        let plan = plan_rx.clone();
        let stop = stop.clone();
        let url = args.url[i % args.url.len()].clone();
        let show = shows[seat.show].clone();
        let token = data.users[i].token.clone();
        tokio::spawn(async move {
            let permit = slots.acquire_owned().await;
            let ws = shared.protocol.join(&url, &show, &token).await;
            drop(permit);
            match ws {
                Ok(ws) => {
                    let _ = joined.send((i, Ok(())));
                    listen(ws, seat, shared, plan, stop).await;
                }
                Err(e) => {
                    let _ = joined.send((i, Err(format!("{e:#}"))));
                }
            }
        });
    }
    drop(joined_tx);
    let mut connected = 0;
    let mut failures = 0;
    let mut first_error = None;
    let mut in_show = vec![0u64; args.shows];
    while let Some((i, outcome)) = joined_rx.recv().await {
        match outcome {
            Ok(()) => {
                connected += 1;
                in_show[seats[i].show] += 1;
            }
            Err(e) => {
                failures += 1;
                first_error.get_or_insert(e);
            }
        }
        if connected + failures == args.listeners {
            break;
        }
    }
    let connect_secs = connect_started.elapsed().as_secs_f64();
    eprintln!(
        "  {connected} joined in {connect_secs:.2} s, {failures} failed{}",
        first_error
            .as_deref()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );

    // --- idle ---------------------------------------------------------------------------
    let idle_from = proc.sample_all(&args.server_pid)?;
    tokio::time::sleep(Duration::from_secs(args.idle_seconds)).await;
    let idle = proc.sample_all(&args.server_pid)?;
    let idle_per_listener = (idle.rss as f64 - before.rss as f64) / (connected.max(1) as f64);
    eprintln!(
        "  idle: server RSS {:.1} MiB ({:.0} B a listener), CPU {:.1}%",
        mib(idle.rss),
        idle_per_listener,
        cpu_percent(&idle_from, &idle)
    );

    // --- comments -----------------------------------------------------------------------
    let start = Instant::now() + Duration::from_millis(200);
    let plan = Plan {
        start,
        stop: start + Duration::from_secs(args.seconds),
    };
    let run_from = proc.sample_all(&args.server_pid)?;
    let me_from = proc.sample(None)?;
    let _ = plan_tx.send(Some(plan));
    let mut rss_max = run_from.rss;
    let mut run_to = run_from;
    let mut me_to = me_from;
    while Instant::now() < plan.stop {
        tokio::time::sleep(Duration::from_secs(1).min(plan.stop - Instant::now())).await;
        run_to = proc.sample_all(&args.server_pid)?;
        me_to = proc.sample(None)?;
        rss_max = rss_max.max(run_to.rss);
    }
    // Every comment sent by now must reach every listener of its show (Medley: once its
    // reply came back).
    let expected = |s: &Shared| -> u64 {
        s.accepted_by_show
            .iter()
            .zip(&in_show)
            .map(|(a, n)| a.load(Ordering::Relaxed) * n)
            .sum()
    };
    let drain_until = Instant::now() + Duration::from_secs(10);
    loop {
        let answered = shared.accepted.load(Ordering::Relaxed)
            + shared.refused.load(Ordering::Relaxed)
            == shared.sent.load(Ordering::Relaxed)
            || args.protocol == Protocol::Socketio;
        if answered && shared.deliveries.load(Ordering::Relaxed) >= expected(&shared) {
            break;
        }
        if Instant::now() >= drain_until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = proc.sample_all(&args.server_pid)?;
    rss_max = rss_max.max(after.rss);
    stop.cancel();

    let histogram = shared
        .histogram
        .lock()
        .expect("the histogram lock is never poisoned")
        .clone();
    let ms = |us: u64| us as f64 / 1000.0;
    let deliveries = shared.deliveries.load(Ordering::Relaxed);
    let expected = expected(&shared);
    let report = RunReport {
        protocol: format!("{:?}", args.protocol).to_lowercase(),
        listeners: args.listeners,
        shows: args.shows,
        rate_per_show: args.rate,
        seconds: args.seconds,
        connected,
        join_failures: failures,
        first_join_error: first_error,
        connect_secs,
        rss_before_bytes: before.rss,
        rss_idle_bytes: idle.rss,
        idle_bytes_per_listener: idle_per_listener,
        idle_cpu_percent: cpu_percent(&idle_from, &idle),
        comments_sent: shared.sent.load(Ordering::Relaxed),
        comments_accepted: shared
            .accepted_by_show
            .iter()
            .map(|a| a.load(Ordering::Relaxed))
            .sum(),
        comments_refused: shared.refused.load(Ordering::Relaxed),
        deliveries_expected: expected,
        deliveries,
        deliveries_missing: expected.saturating_sub(deliveries),
        disconnected: shared.disconnected.load(Ordering::Relaxed),
        latency_ms: Latency {
            p50: ms(histogram.value_at_quantile(0.50)),
            p90: ms(histogram.value_at_quantile(0.90)),
            p99: ms(histogram.value_at_quantile(0.99)),
            p999: ms(histogram.value_at_quantile(0.999)),
            max: ms(histogram.max()),
            mean: histogram.mean() / 1000.0,
        },
        run_cpu_percent: cpu_percent(&run_from, &run_to),
        run_rss_max_bytes: rss_max,
        generator_cpu_percent: cpu_percent(&me_from, &me_to),
        load_average: std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
    };
    print(&report, &run_to);
    if let Some(out) = &args.out {
        std::fs::write(out, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}

/// One listener after joining: records every comment's delivery; a speaker also sends its
/// comments on its schedule; Socket.IO's pings are answered.
async fn listen(
    mut ws: Ws,
    seat: Seat,
    shared: Arc<Shared>,
    mut plan: watch::Receiver<Option<Plan>>,
    stop: CancellationToken,
) {
    let protocol = shared.protocol;
    let mut next: Option<(Instant, Instant, Duration)> = None;
    let mut plan_open = seat.speaks.is_some();
    // Made once: a wait made anew at every frame joins and leaves the token's shared list of
    // waiters each time, ten thousand listeners at once.
    let stopped = stop.cancelled();
    tokio::pin!(stopped);
    loop {
        let due = next.map(|(at, _, _)| at);
        tokio::select! {
            _ = &mut stopped => break,
            changed = plan.changed(), if plan_open => {
                plan_open = false;
                if changed.is_ok() {
                    if let (Some(p), Some((offset, period))) = (*plan.borrow_and_update(), seat.speaks) {
                        let first = p.start + offset;
                        next = (first < p.stop).then_some((first, p.stop, period));
                    }
                }
            }
            _ = sleep_until(due), if due.is_some() => {
                let Some((at, until, period)) = next else { continue };
                let sent_us = shared.now_us();
                let frame = protocol.comment(&comment_text(sent_us));
                if ws.send(Message::text(frame)).await.is_err() {
                    shared.disconnected.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                shared.sent.fetch_add(1, Ordering::Relaxed);
                if protocol == Protocol::Socketio {
                    shared.accepted.fetch_add(1, Ordering::Relaxed);
                    shared.accepted_by_show[seat.show].fetch_add(1, Ordering::Relaxed);
                }
                let following = at + period;
                next = (following < until).then_some((following, until, period));
            }
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => match protocol.read(text.as_str()) {
                    Incoming::Comment { sent_us } => {
                        let latency = shared.now_us().saturating_sub(sent_us).max(1);
                        shared
                            .histogram
                            .lock()
                            .expect("the histogram lock is never poisoned")
                            .saturating_record(latency);
                        shared.deliveries.fetch_add(1, Ordering::Relaxed);
                    }
                    Incoming::Accepted => {
                        shared.accepted.fetch_add(1, Ordering::Relaxed);
                        shared.accepted_by_show[seat.show].fetch_add(1, Ordering::Relaxed);
                    }
                    Incoming::Refused => {
                        shared.refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Incoming::Ping => {
                        if ws.send(Message::text(protocol.pong())).await.is_err() {
                            shared.disconnected.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                    }
                    Incoming::Other => {}
                },
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    shared.disconnected.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            },
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn print(r: &RunReport, last: &Sample) {
    println!(
        "{} | {} listeners in {} show(s), {} comments/s a show for {} s",
        match r.protocol.as_str() {
            "medley" => "Medley",
            _ => "Socket.IO",
        },
        r.listeners,
        r.shows,
        r.rate_per_show,
        r.seconds
    );
    println!(
        "  connect: {} joined in {:.2} s ({} failed)",
        r.connected, r.connect_secs, r.join_failures
    );
    println!(
        "  idle: RSS {:.1} → {:.1} MiB, {:.0} B ({:.1} KiB) a listener, CPU {:.1}%",
        mib(r.rss_before_bytes),
        mib(r.rss_idle_bytes),
        r.idle_bytes_per_listener,
        r.idle_bytes_per_listener / 1024.0,
        r.idle_cpu_percent
    );
    println!(
        "  comments: {} sent, {} accepted, {} refused; deliveries {} of {} ({} not arrived 10 s after the speakers stopped); {} disconnected",
        r.comments_sent,
        r.comments_accepted,
        r.comments_refused,
        r.deliveries,
        r.deliveries_expected,
        r.deliveries_missing,
        r.disconnected
    );
    println!(
        "  latency ms: p50 {:.2}, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.2}, mean {:.2}",
        r.latency_ms.p50,
        r.latency_ms.p90,
        r.latency_ms.p99,
        r.latency_ms.p999,
        r.latency_ms.max,
        r.latency_ms.mean
    );
    println!(
        "  server under load: CPU {:.1}% of a core, RSS max {:.1} MiB (last {:.1}); generator CPU {:.1}%; load average {}",
        r.run_cpu_percent,
        mib(r.run_rss_max_bytes),
        mib(last.rss),
        r.generator_cpu_percent,
        r.load_average
    );
}
