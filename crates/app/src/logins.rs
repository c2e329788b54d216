//! What keeps sign-ins from hurting the server (used by `accounts::sign_in`): a bound on how many password hashes
//! run at once, and throttling of failed attempts per account and per client address.
//!
//! - **Hashing.** Argon2id takes about 19 MiB and tens of milliseconds of a core per hash, on
//!   purpose. Unbounded, 64 concurrent wrong passwords took a server from 106 MB to 1.6 GB.
//!   [`Hashing`] holds a few slots (sized from the cores and the memory, configurable); a
//!   request that cannot get one within a short wait is answered [`AppError::Busy`] with a
//!   time to retry. The slot is held by the blocking thread itself, so a request that gives up
//!   does not free a slot its hash still uses.
//! - **Throttling.** [`Throttle`] is a keyed token bucket with the clock passed in: each failed
//!   attempt takes a token from the account's bucket and from the client address's bucket
//!   (taken before the check and given back when the password was right, so attempts made at
//!   once cannot all slip through); tokens come back at a steady rate. While either bucket is
//!   empty the attempt is refused
//!   before any hash runs ([`AppError::Throttled`], with `Retry-After`), even with the right
//!   password. Other accounts, and the same account from elsewhere once its bucket refills,
//!   are unaffected. IPv6 clients are keyed by their /64, which one client usually holds whole.
//!
//! Why not the `governor` crate: its keyed limiter counts every request and reads the clock
//! itself; here only failures count, the wait must be told to the caller before hashing, and
//! tests drive the clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, AppResult};

/// Memory one Argon2id hash takes with Medley's parameters (the `argon2` crate's defaults).
pub const HASH_MEMORY_BYTES: u64 = 19 * 1024 * 1024;

/// How sign-ins are bounded; see the module docs.
#[derive(Clone, Debug)]
pub struct LoginSettings {
    /// Password hashes running at once on this node.
    pub hash_slots: usize,
    /// How long a request waits for a hashing slot before it is answered 503.
    pub hash_wait: Duration,
    /// Failed attempts allowed per account before throttling, and how often one comes back.
    pub per_account: Rate,
    /// Failed attempts allowed per client address, and how often one comes back.
    pub per_client: Rate,
}

/// A bucket of `burst` attempts, one coming back every `every`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

impl Default for LoginSettings {
    fn default() -> Self {
        LoginSettings {
            hash_slots: default_hash_slots(),
            hash_wait: Duration::from_secs(2),
            per_account: Rate {
                burst: 10,
                every: Duration::from_secs(30),
            },
            per_client: Rate {
                burst: 30,
                every: Duration::from_secs(2),
            },
        }
    }
}

/// One slot per core, but no more than a quarter of the available memory allows (at least 1).
pub fn default_hash_slots() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let by_memory =
        available_memory().map_or(usize::MAX, |bytes| (bytes / 4 / HASH_MEMORY_BYTES) as usize);
    cores.min(by_memory).max(1)
}

/// `MemAvailable` of `/proc/meminfo`, where there is one.
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The slots password hashes run in.
pub struct Hashing {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl Hashing {
    pub fn new(slots: usize, wait: Duration) -> Hashing {
        Hashing {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            wait,
        }
    }

    /// A slot, waiting at most the configured time for one.
    pub async fn slot(&self) -> AppResult<OwnedSemaphorePermit> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy {
                message: "the server is checking too many passwords at once: try again shortly"
                    .into(),
                retry_after: Duration::from_secs(1),
            }),
        }
    }
}

/// Keyed token buckets of failed attempts, with the clock passed in.
pub struct Throttle {
    rate: Rate,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Attempts left, as of `at_ms`.
    tokens: f64,
    at_ms: i64,
}

/// Keys kept before full buckets (keys with nothing to remember) are swept out.
const SWEEP_AT: usize = 10_000;

impl Throttle {
    pub fn new(rate: Rate) -> Throttle {
        Throttle {
            rate,
            buckets: Mutex::default(),
        }
    }

    fn refilled(&self, bucket: Bucket, now_ms: i64) -> f64 {
        let every = self.rate.every.as_millis().max(1) as f64;
        let regained = (now_ms - bucket.at_ms).max(0) as f64 / every;
        (bucket.tokens + regained).min(f64::from(self.rate.burst))
    }

    /// How long `key` must wait before its next attempt, or `None` when it may try now.
    pub fn wait(&self, key: &str, now_ms: i64) -> Option<Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let tokens = self.refilled(*buckets.get(key)?, now_ms);
        self.wait_for(tokens)
    }

    fn wait_for(&self, tokens: f64) -> Option<Duration> {
        (tokens < 1.0).then(|| {
            let ms = ((1.0 - tokens) * self.rate.every.as_millis() as f64).ceil();
            Duration::from_millis(ms as u64)
        })
    }

    /// Takes an attempt from `key`'s bucket, or says how long to wait for one. Taken before
    /// the password is checked, so that attempts made at once cannot all pass the check
    /// before any of them failed; a success gives it back ([`Throttle::refund`]).
    pub fn take(&self, key: &str, now_ms: i64) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= SWEEP_AT && !buckets.contains_key(key) {
            let burst = f64::from(self.rate.burst);
            buckets.retain(|_, b| self.refilled(*b, now_ms) < burst);
        }
        let full = Bucket {
            tokens: f64::from(self.rate.burst),
            at_ms: now_ms,
        };
        let bucket = buckets.entry(key.to_owned()).or_insert(full);
        let tokens = self.refilled(*bucket, now_ms);
        if let Some(wait) = self.wait_for(tokens) {
            return Err(wait);
        }
        bucket.tokens = tokens - 1.0;
        bucket.at_ms = now_ms;
        Ok(())
    }

    /// Gives back an attempt taken by [`Throttle::take`] (it was not a failure).
    pub fn refund(&self, key: &str, now_ms: i64) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get_mut(key) {
            bucket.tokens = (self.refilled(*bucket, now_ms) + 1.0).min(f64::from(self.rate.burst));
            bucket.at_ms = now_ms;
        }
    }

    /// Forgets `key`'s failures (after its right password).
    pub fn forgive(&self, key: &str) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets.remove(key);
    }
}

/// Everything sign-ins go through on this node.
pub struct Logins {
    pub hashing: Hashing,
    /// Failed attempts per account (`user:<name>`).
    pub accounts: Throttle,
    /// Failed attempts per client address ([`client_key`]).
    pub clients: Throttle,
}

impl Logins {
    pub fn new(settings: &LoginSettings) -> Logins {
        Logins {
            hashing: Hashing::new(settings.hash_slots, settings.hash_wait),
            accounts: Throttle::new(settings.per_account),
            clients: Throttle::new(settings.per_client),
        }
    }
}

impl Default for Logins {
    fn default() -> Self {
        Logins::new(&LoginSettings::default())
    }
}

/// The key of a client address: the address itself, or the /64 of an IPv6 address.
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> Throttle {
        Throttle::new(Rate {
            burst: 3,
            every: Duration::from_secs(10),
        })
    }

    #[test]
    fn a_key_is_throttled_after_its_burst_and_regains_attempts_over_time() {
        let t = throttle();
        for i in 0..3 {
            assert_eq!(t.wait("a", 0), None, "attempt {i}");
            assert_eq!(t.take("a", 0), Ok(()));
        }
        assert_eq!(t.take("a", 0), Err(Duration::from_secs(10)));
        t.refund("a", 0);
        assert_eq!(t.wait("a", 0), None);
        assert_eq!(t.take("a", 0), Ok(()));
        assert_eq!(t.wait("a", 0), Some(Duration::from_secs(10)));
        assert_eq!(t.wait("a", 4_000), Some(Duration::from_secs(6)));
        assert_eq!(t.wait("b", 0), None, "other keys are not affected");
        assert_eq!(t.wait("a", 10_000), None);
        assert_eq!(t.take("a", 10_000), Ok(()));
        assert_eq!(t.wait("a", 10_000), Some(Duration::from_secs(10)));
        t.forgive("a");
        assert_eq!(t.wait("a", 10_000), None);
    }

    #[test]
    fn full_buckets_are_swept_when_many_keys_are_kept() {
        let t = throttle();
        for i in 0..SWEEP_AT {
            t.take(&i.to_string(), 0).unwrap();
        }
        // Long after, every bucket is full again: the next new key sweeps them all out.
        t.take("new", 1_000_000).unwrap();
        assert_eq!(t.buckets.lock().unwrap().len(), 1);
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        let v4: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_key(v4), "10.0.0.1");
    }

    #[tokio::test]
    async fn a_request_waits_for_a_hashing_slot_only_so_long() {
        let hashing = Hashing::new(1, Duration::from_millis(20));
        let held = hashing.slot().await.unwrap();
        assert!(matches!(hashing.slot().await, Err(AppError::Busy { .. })));
        drop(held);
        assert!(hashing.slot().await.is_ok());
    }
}
