//! Per-app limits: a rolling 30-second rate limit whose ban grows when the client retries too
//! early, and an optional rolling 24-hour quota answered with `QUOTA_EXCEEDED`.

use std::collections::VecDeque;

use super::World;

pub const RATE_WINDOW_MS: i64 = 30_000;
pub const QUOTA_WINDOW_MS: i64 = 24 * 3_600 * 1_000;
/// The shortest `Retry-After` of an exhausted daily quota (observed 13–24 h).
pub const QUOTA_MIN_RETRY_MS: i64 = 13 * 3_600 * 1_000;

#[derive(Debug, Clone, Default)]
pub struct Usage {
    window: VecDeque<i64>,
    ban_until: Option<i64>,
    day: VecDeque<i64>,
}

/// Why a request was refused with 429, and its `Retry-After` in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    RateLimited { retry_after_secs: u64 },
    QuotaExceeded { retry_after_secs: u64 },
}

fn ceil_secs(ms: i64) -> u64 {
    (ms.max(1) as u64).div_ceil(1_000)
}

impl World {
    /// Counts a request of `client_id` against its limits, or refuses it.
    pub fn admit(&mut self, now: i64, client_id: &str) -> Result<(), Refusal> {
        let ban_extension = self.defaults.ban_extension_ms;
        let Some(app) = self.apps.get_mut(client_id) else {
            return Ok(());
        };
        let usage = &mut app.usage;
        while usage
            .day
            .front()
            .is_some_and(|t| *t <= now - QUOTA_WINDOW_MS)
        {
            usage.day.pop_front();
        }
        if let Some(quota) = app.daily_quota {
            if usage.day.len() >= quota as usize {
                let frees_at = usage.day.front().map_or(now, |t| t + QUOTA_WINDOW_MS);
                let wait = (frees_at - now).max(QUOTA_MIN_RETRY_MS);
                return Err(Refusal::QuotaExceeded {
                    retry_after_secs: ceil_secs(wait),
                });
            }
        }
        if let Some(until) = usage.ban_until {
            if now < until {
                let extended = until + ban_extension;
                usage.ban_until = Some(extended);
                return Err(Refusal::RateLimited {
                    retry_after_secs: ceil_secs(extended - now),
                });
            }
            usage.ban_until = None;
        }
        while usage
            .window
            .front()
            .is_some_and(|t| *t <= now - RATE_WINDOW_MS)
        {
            usage.window.pop_front();
        }
        if usage.window.len() >= app.rate_limit_per_30s as usize {
            let until = usage
                .window
                .front()
                .map_or(now, |t| t + RATE_WINDOW_MS)
                .max(now + 1);
            usage.ban_until = Some(until);
            return Err(Refusal::RateLimited {
                retry_after_secs: ceil_secs(until - now),
            });
        }
        usage.window.push_back(now);
        usage.day.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{auth::AppSettings, AppDefaults};

    fn world(limit: u32, quota: Option<u32>) -> World {
        let mut w = World::new(
            0,
            AppDefaults {
                rate_limit_per_30s: limit,
                daily_quota: quota,
                ban_extension_ms: 10_000,
            },
        );
        w.configure_app("app", AppSettings::default()).unwrap();
        w
    }

    #[test]
    fn rate_limit_bans_and_early_retries_extend_the_ban() {
        let mut w = world(3, None);
        for t in [0, 1_000, 2_000] {
            assert_eq!(w.admit(t, "app"), Ok(()));
        }
        assert_eq!(
            w.admit(5_000, "app"),
            Err(Refusal::RateLimited {
                retry_after_secs: 25
            })
        );
        // Retrying early extends the ban by 10 s.
        assert_eq!(
            w.admit(6_000, "app"),
            Err(Refusal::RateLimited {
                retry_after_secs: 34
            })
        );
        // Waiting it out works.
        assert_eq!(w.admit(40_000, "app"), Ok(()));
    }

    #[test]
    fn quota_refuses_for_at_least_13_hours() {
        let mut w = world(1_000, Some(2));
        assert_eq!(w.admit(0, "app"), Ok(()));
        assert_eq!(w.admit(QUOTA_WINDOW_MS - 3_600_000, "app"), Ok(()));
        let at = QUOTA_WINDOW_MS - 1_800_000;
        assert_eq!(
            w.admit(at, "app"),
            Err(Refusal::QuotaExceeded {
                retry_after_secs: 13 * 3_600
            })
        );
        assert_eq!(w.admit(QUOTA_WINDOW_MS + 1, "app"), Ok(()));
    }
}
