//! A process's resident memory and CPU time, from `/proc/<pid>/status` and `/proc/<pid>/stat`.

use std::time::Instant;

use anyhow::{bail, Context};

/// One reading of a process.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub at: Instant,
    /// Resident set size, bytes (`VmRSS`).
    pub rss: u64,
    /// User plus system CPU time, seconds (`utime + stime`).
    pub cpu_secs: f64,
}

/// Reads processes' figures; `ticks` is the kernel's clock ticks a second (`getconf CLK_TCK`).
pub struct Proc {
    ticks: f64,
}

impl Proc {
    pub fn new() -> Proc {
        let ticks = std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .unwrap_or(100.0);
        Proc { ticks }
    }

    /// `pid` of `None`: this process.
    pub fn sample(&self, pid: Option<u32>) -> anyhow::Result<Sample> {
        let dir = match pid {
            Some(pid) => format!("/proc/{pid}"),
            None => "/proc/self".to_owned(),
        };
        let status = std::fs::read_to_string(format!("{dir}/status"))
            .with_context(|| format!("reading {dir}/status (is the process running?)"))?;
        let rss_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no VmRSS in {dir}/status"))?;
        let stat = std::fs::read_to_string(format!("{dir}/stat"))
            .with_context(|| format!("reading {dir}/stat"))?;
        // Fields after the command's closing parenthesis start at field 3 (state); utime and
        // stime are fields 14 and 15.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            bail!("unexpected {dir}/stat: {stat}");
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let tick = |i: usize| -> anyhow::Result<f64> {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .with_context(|| format!("unexpected {dir}/stat: {stat}"))
        };
        Ok(Sample {
            at: Instant::now(),
            rss: rss_kib * 1024,
            cpu_secs: (tick(11)? + tick(12)?) / self.ticks,
        })
    }

    /// The processes `pids` together: memory and CPU time summed (several nodes).
    pub fn sample_all(&self, pids: &[u32]) -> anyhow::Result<Sample> {
        let mut sum = Sample {
            at: Instant::now(),
            rss: 0,
            cpu_secs: 0.0,
        };
        for pid in pids {
            let one = self.sample(Some(*pid))?;
            sum.rss += one.rss;
            sum.cpu_secs += one.cpu_secs;
        }
        Ok(sum)
    }
}

/// CPU used between two samples, in percent of one core.
pub fn cpu_percent(from: &Sample, to: &Sample) -> f64 {
    let wall = to.at.duration_since(from.at).as_secs_f64();
    if wall <= 0.0 {
        return 0.0;
    }
    100.0 * (to.cpu_secs - from.cpu_secs) / wall
}
