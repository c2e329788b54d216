//! The emulator's configuration: limits, fault timing and the seed of its random choices.

use std::net::SocketAddr;
use std::time::Duration;

/// How an emulator instance is set up. `Config::default()` is what tests want: a free port
/// on the loopback, Spotify's usual rate limit, no daily quota, no faults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Base URL that hrefs and `next`/`previous` links use; default `http://{bound address}`.
    pub public_url: Option<String>,
    /// Requests each app may make in any rolling 30 s window (default 180).
    pub rate_limit_per_30s: u32,
    /// Seconds a request sent during a rate-limit ban adds to it (default 10).
    pub ban_extension_secs: u64,
    /// Requests each app may make in any rolling 24 h; `None` (the default) means unlimited.
    pub daily_quota: Option<u32>,
    /// How long a `timeout` fault holds its response, in real time (default 30 s).
    pub fault_hold: Duration,
    /// Seed of the generator behind ids, tokens and snapshot ids (default 0).
    pub seed: u64,
    /// Create the `demo` user and playlists at start.
    pub seed_demo: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            rate_limit_per_30s: 180,
            ban_extension_secs: 10,
            daily_quota: None,
            fault_hold: Duration::from_secs(30),
            seed: 0,
            seed_demo: false,
        }
    }
}
