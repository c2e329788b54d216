//! Latency summaries from client-side samples.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Percentiles are nearest-rank over every sample (no histogram buckets: runs hold thousands
/// of samples, not millions).
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Summary {
    pub requests: usize,
    /// Requests answered with an unexpected status or not answered.
    pub errors: usize,
    pub wall_secs: f64,
    pub per_sec: f64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    pub fn new(samples: &[Duration], errors: usize, wall: Duration) -> Summary {
        let mut sorted: Vec<Duration> = samples.to_vec();
        sorted.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let total: Duration = sorted.iter().sum();
        let n = sorted.len();
        Summary {
            requests: n,
            errors,
            wall_secs: wall.as_secs_f64(),
            per_sec: if wall.is_zero() {
                0.0
            } else {
                n as f64 / wall.as_secs_f64()
            },
            mean_ms: if n == 0 { 0.0 } else { ms(total) / n as f64 },
            p50_ms: ms(percentile(&sorted, 50.0)),
            p90_ms: ms(percentile(&sorted, 90.0)),
            p99_ms: ms(percentile(&sorted, 99.0)),
            max_ms: ms(sorted.last().copied().unwrap_or_default()),
        }
    }

    pub fn line(&self) -> String {
        format!(
            "{} requests ({} errors) in {:.1} s = {:.0}/s; p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.requests,
            self.errors,
            self.wall_secs,
            self.per_sec,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.max_ms
        )
    }
}

/// Nearest rank: the smallest sample with at least `p` % of samples at or below it.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&samples, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
        let s = Summary::new(&samples, 0, Duration::from_secs(2));
        assert_eq!(s.per_sec, 50.0);
        assert_eq!(s.max_ms, 100.0);
    }
}
