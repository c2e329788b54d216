//! The server's clock as seen from here, NTP-style (LIVE.md, "Playback"): each `ping {t0}` is
//! answered by `pong {t0, t1, t2}` and read at `t3`; the offset is
//! `((t1 - t0) + (t2 - t3)) / 2` and the sample's delay `(t3 - t0) - (t2 - t1)`. The sample with
//! the lowest delay among the last few is the best estimate.

use std::collections::VecDeque;

/// How many of the latest samples are kept.
pub const SAMPLES: usize = 8;

/// An estimate of the server's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockOffset {
    /// Server time minus local time, in ms: `server_now = local_now + offset_ms`.
    pub offset_ms: i64,
    /// The round trip of the sample it comes from, less the server's own time, in ms.
    pub delay_ms: i64,
}

/// The latest samples.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    samples: VecDeque<ClockOffset>,
}

impl Clock {
    /// Adds the sample of a `pong` read at local time `t3`.
    pub fn sample(&mut self, t0: i64, t1: i64, t2: i64, t3: i64) {
        let sample = ClockOffset {
            offset_ms: ((t1 - t0) + (t2 - t3)).div_euclid(2),
            delay_ms: ((t3 - t0) - (t2 - t1)).max(0),
        };
        if self.samples.len() == SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    /// The lowest-delay sample of the latest ones (the latest among equals).
    pub fn estimate(&self) -> Option<ClockOffset> {
        self.samples
            .iter()
            .rev()
            .min_by_key(|s| s.delay_ms)
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lowest_delay_sample_wins() {
        let mut clock = Clock::default();
        assert_eq!(clock.estimate(), None);
        // The server is 1,000 ms ahead; 40 ms each way, 2 ms on the server.
        clock.sample(0, 1_040, 1_042, 82);
        assert_eq!(
            clock.estimate(),
            Some(ClockOffset {
                offset_ms: 1_000,
                delay_ms: 80
            })
        );
        // A slow, lopsided sample (300 ms back) does not replace it.
        clock.sample(100, 1_110, 1_111, 411);
        assert_eq!(clock.estimate().unwrap().offset_ms, 1_000);
        // A quicker one does.
        clock.sample(500, 1_505, 1_505, 510);
        assert_eq!(
            clock.estimate(),
            Some(ClockOffset {
                offset_ms: 1_000,
                delay_ms: 10
            })
        );
        // Old samples age out.
        for i in 0..SAMPLES as i64 {
            clock.sample(1_000 + i, 2_000 + i + 25, 2_000 + i + 25, 1_000 + i + 50);
        }
        assert_eq!(clock.estimate().unwrap().delay_ms, 50);
    }
}
