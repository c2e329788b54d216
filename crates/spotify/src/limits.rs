//! Spending requests carefully: the per-app gate that honours `Retry-After` and the daily
//! quota, the fair share of a daily budget, and the meter that counts what was sent.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// When an app may talk to Spotify again. Shared by every connection of the app on this node;
/// persisted by the caller (see [`Gate::state`]) so that a restart keeps honouring it.
#[derive(Debug, Default)]
pub struct Gate {
    state: Mutex<GateState>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateState {
    /// No request before this (Unix ms): the rate limit's `Retry-After`.
    pub rate_until_ms: i64,
    /// No request before this (Unix ms): the daily quota was exceeded.
    pub quota_until_ms: i64,
}

/// What the gate says about sending a request now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Go,
    /// Rate-limited: wait this long first.
    Wait(Duration),
    /// Quota spent until this time (Unix ms).
    Quota(i64),
}

impl Gate {
    pub fn new(state: GateState) -> Gate {
        Gate {
            state: Mutex::new(state),
        }
    }

    pub fn state(&self) -> GateState {
        *self.state.lock().expect("gate lock")
    }

    /// Adopts deadlines recorded elsewhere (storage, another node); later deadlines win.
    pub fn merge(&self, other: GateState) {
        let mut s = self.state.lock().expect("gate lock");
        s.rate_until_ms = s.rate_until_ms.max(other.rate_until_ms);
        s.quota_until_ms = s.quota_until_ms.max(other.quota_until_ms);
    }

    pub fn admit(&self, now_ms: i64) -> Admission {
        let s = self.state();
        if s.quota_until_ms > now_ms {
            Admission::Quota(s.quota_until_ms)
        } else if s.rate_until_ms > now_ms {
            Admission::Wait(Duration::from_millis((s.rate_until_ms - now_ms) as u64))
        } else {
            Admission::Go
        }
    }

    /// A 429 of the rolling rate limit: nothing before `now + retry_after`.
    pub fn rate_limited(&self, now_ms: i64, retry_after: Duration) {
        let mut s = self.state.lock().expect("gate lock");
        s.rate_until_ms = s.rate_until_ms.max(now_ms + retry_after.as_millis() as i64);
    }

    /// A 429 with `QUOTA_EXCEEDED`: the app's work pauses until the deadline.
    pub fn quota_exceeded(&self, until_ms: i64) {
        let mut s = self.state.lock().expect("gate lock");
        s.quota_until_ms = s.quota_until_ms.max(until_ms);
    }
}

/// How many requests one connection may still send in the current 24 hours, out of a daily
/// `budget` shared by all connections of an app.
///
/// Each of the n connections is guaranteed `budget / n`; what a connection does not use of its
/// share can be borrowed by the others, but never the part of another's share it has not spent
/// yet. So a busy user cannot starve a quiet one, and an app with one busy user still uses its
/// whole budget.
pub fn allowance(budget: u64, mine: u64, others: &[u64]) -> u64 {
    let n = others.len() as u64 + 1;
    let fair = budget / n;
    let used: u64 = mine + others.iter().sum::<u64>();
    let headroom = budget.saturating_sub(used);
    let reserved: u64 = others.iter().map(|o| fair.saturating_sub(*o)).sum();
    let own = fair.saturating_sub(mine);
    own.max(headroom.saturating_sub(reserved)).min(headroom)
}

/// Requests sent, by endpoint (method and route template, e.g. `GET /playlists/{id}/items`).
#[derive(Debug, Default)]
pub struct Meter {
    counts: Mutex<BTreeMap<&'static str, u64>>,
}

impl Meter {
    pub fn count(&self, route: &'static str) {
        *self
            .counts
            .lock()
            .expect("meter lock")
            .entry(route)
            .or_default() += 1;
    }

    pub fn total(&self) -> u64 {
        self.counts.lock().expect("meter lock").values().sum()
    }

    pub fn by_route(&self) -> BTreeMap<&'static str, u64> {
        self.counts.lock().expect("meter lock").clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_holds_requests_until_the_deadlines() {
        let gate = Gate::default();
        assert_eq!(gate.admit(1_000), Admission::Go);
        gate.rate_limited(1_000, Duration::from_secs(5));
        assert_eq!(gate.admit(2_000), Admission::Wait(Duration::from_secs(4)));
        assert_eq!(gate.admit(6_000), Admission::Go);
        // An earlier deadline never shortens a later one.
        gate.rate_limited(1_500, Duration::from_secs(1));
        assert_eq!(gate.state().rate_until_ms, 6_000);
        gate.quota_exceeded(50_000);
        assert_eq!(gate.admit(7_000), Admission::Quota(50_000));
        assert_eq!(gate.admit(50_000), Admission::Go);
        let restored = Gate::new(gate.state());
        assert_eq!(restored.admit(7_000), Admission::Quota(50_000));
    }

    #[test]
    fn a_lone_connection_may_use_the_whole_budget() {
        assert_eq!(allowance(1_000, 0, &[]), 1_000);
        assert_eq!(allowance(1_000, 990, &[]), 10);
        assert_eq!(allowance(1_000, 1_000, &[]), 0);
    }

    #[test]
    fn a_busy_connection_cannot_take_a_quiet_ones_share() {
        // Two connections, 500 each guaranteed. The quiet one used 0: the busy one, at 500,
        // may not borrow any of the quiet one's 500.
        assert_eq!(allowance(1_000, 500, &[0]), 0);
        // The quiet one still gets its whole share.
        assert_eq!(allowance(1_000, 0, &[500]), 500);
        // Once the quiet one used 400, 100 of its share is still reserved for it.
        assert_eq!(allowance(1_000, 500, &[400]), 0);
        // Share not needed by anyone can be borrowed: three connections, 333 each.
        assert_eq!(allowance(999, 100, &[333, 333]), 233);
        assert_eq!(allowance(999, 333, &[333, 0]), 0);
    }

    #[test]
    fn allowances_never_exceed_the_budget_together() {
        for budget in [0u64, 1, 7, 100, 1_000, 2_500] {
            for n in 1..6usize {
                // Everyone spends its allowance in turn, repeatedly; the total stays in budget.
                let mut used = vec![0u64; n];
                for round in 0..4 {
                    for i in 0..n {
                        let others: Vec<u64> =
                            (0..n).filter(|j| *j != i).map(|j| used[j]).collect();
                        let a = allowance(budget, used[i], &others);
                        used[i] += if round % 2 == 0 { a / 2 } else { a };
                    }
                    assert!(used.iter().sum::<u64>() <= budget);
                }
            }
        }
    }

    #[test]
    fn the_meter_counts_by_route() {
        let m = Meter::default();
        m.count("GET /me/playlists");
        m.count("GET /me/playlists");
        m.count("POST /playlists/{id}/items");
        assert_eq!(m.total(), 3);
        assert_eq!(m.by_route()["GET /me/playlists"], 2);
    }
}
