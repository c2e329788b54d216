//! Settings that protect the server from its clients, layered like the rest (defaults < file <
//! environment < flags):
//!
//! | flag | environment | file key | default |
//! |---|---|---|---|
//! | `--header-timeout-secs` | `MEDLEY_HEADER_TIMEOUT_SECS` | `header_timeout_secs` | 20 (to send a request's headers; also closes idle kept-alive connections) |
//! | `--body-timeout-secs` | `MEDLEY_BODY_TIMEOUT_SECS` | `body_timeout_secs` | 30 (longest pause while sending a body) |
//! | `--max-connections` | `MEDLEY_MAX_CONNECTIONS` | `max_connections` | 10000 (beyond it: 503 and close) |
//! | `--trusted-proxies` | `MEDLEY_TRUSTED_PROXIES` | `trusted_proxies` | none (addresses or networks whose `X-Forwarded-For` is believed) |
//! | `--login-hash-slots` | `MEDLEY_LOGIN_HASH_SLOTS` | `login_hash_slots` | cores, at most a quarter of free memory / 19 MiB |
//! | `--login-account-burst` | `MEDLEY_LOGIN_ACCOUNT_BURST` | `login_account_burst` | 10 failed sign-ins per account… |
//! | `--login-account-every-secs` | `MEDLEY_LOGIN_ACCOUNT_EVERY_SECS` | `login_account_every_secs` | …then one every 30 s |
//! | `--login-client-burst` | `MEDLEY_LOGIN_CLIENT_BURST` | `login_client_burst` | 30 failed sign-ins per client address… |
//! | `--login-client-every-secs` | `MEDLEY_LOGIN_CLIENT_EVERY_SECS` | `login_client_every_secs` | …then one every 2 s |

use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use medley_api::ConnectionLimits;
use medley_app::logins::{LoginSettings, Rate};

/// Flags and variables (`serve`).
#[derive(Args, Debug, Clone, Default)]
pub struct EdgeFlags {
    /// Seconds a client has to send a request's headers (also the idle keep-alive timeout).
    #[arg(long, env = "MEDLEY_HEADER_TIMEOUT_SECS")]
    pub header_timeout_secs: Option<u64>,
    /// Longest pause, in seconds, while a client sends a request body.
    #[arg(long, env = "MEDLEY_BODY_TIMEOUT_SECS")]
    pub body_timeout_secs: Option<u64>,
    /// Connections served at once.
    #[arg(long, env = "MEDLEY_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Comma-separated addresses or networks (10.0.0.0/8) of proxies whose
    /// `X-Forwarded-For` names the client.
    #[arg(long, env = "MEDLEY_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// Password hashes run at once (each takes 19 MiB).
    #[arg(long, env = "MEDLEY_LOGIN_HASH_SLOTS")]
    pub login_hash_slots: Option<usize>,
    #[arg(long, env = "MEDLEY_LOGIN_ACCOUNT_BURST")]
    pub login_account_burst: Option<u32>,
    #[arg(long, env = "MEDLEY_LOGIN_ACCOUNT_EVERY_SECS")]
    pub login_account_every_secs: Option<u64>,
    #[arg(long, env = "MEDLEY_LOGIN_CLIENT_BURST")]
    pub login_client_burst: Option<u32>,
    #[arg(long, env = "MEDLEY_LOGIN_CLIENT_EVERY_SECS")]
    pub login_client_every_secs: Option<u64>,
}

/// The resolved settings.
#[derive(Clone, Debug)]
pub struct EdgeSettings {
    pub connections: ConnectionLimits,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub logins: LoginSettings,
}

/// Layers `flags` over the file's values (`file`, the same shape) over the defaults.
pub fn resolve(flags: &EdgeFlags, file: EdgeFlags) -> anyhow::Result<EdgeSettings> {
    let secs = |flag: Option<u64>, file: Option<u64>, default: u64, what: &str| {
        let s = flag.or(file).unwrap_or(default);
        if s == 0 {
            bail!("{what} must be at least 1 second");
        }
        Ok(Duration::from_secs(s))
    };
    let defaults = ConnectionLimits::default();
    let connections = ConnectionLimits {
        header_timeout: secs(
            flags.header_timeout_secs,
            file.header_timeout_secs,
            defaults.header_timeout.as_secs(),
            "the header timeout",
        )?,
        body_timeout: secs(
            flags.body_timeout_secs,
            file.body_timeout_secs,
            defaults.body_timeout.as_secs(),
            "the body timeout",
        )?,
        max_connections: flags
            .max_connections
            .or(file.max_connections)
            .unwrap_or(defaults.max_connections),
    };
    if connections.max_connections == 0 {
        bail!("max connections must be at least 1");
    }
    let trusted_proxies = match flags.trusted_proxies.clone().or(file.trusted_proxies) {
        Some(list) => parse_proxies(&list)?,
        None => Vec::new(),
    };
    let d = LoginSettings::default();
    let rate = |burst: Option<u32>, every: Option<u64>, default: Rate, what: &str| {
        let rate = Rate {
            burst: burst.unwrap_or(default.burst),
            every: every.map_or(default.every, Duration::from_secs),
        };
        if rate.burst == 0 || rate.every.is_zero() {
            bail!("{what}: the burst and the seconds must be at least 1");
        }
        Ok(rate)
    };
    let logins = LoginSettings {
        hash_slots: flags
            .login_hash_slots
            .or(file.login_hash_slots)
            .unwrap_or(d.hash_slots)
            .max(1),
        hash_wait: d.hash_wait,
        per_account: rate(
            flags.login_account_burst.or(file.login_account_burst),
            flags
                .login_account_every_secs
                .or(file.login_account_every_secs),
            d.per_account,
            "the per-account sign-in throttle",
        )?,
        per_client: rate(
            flags.login_client_burst.or(file.login_client_burst),
            flags
                .login_client_every_secs
                .or(file.login_client_every_secs),
            d.per_client,
            "the per-client sign-in throttle",
        )?,
    };
    Ok(EdgeSettings {
        connections,
        trusted_proxies,
        logins,
    })
}

/// `10.0.0.1, 192.168.0.0/16, ::1`: addresses (one host each) and networks.
fn parse_proxies(list: &str) -> anyhow::Result<Vec<ipnet::IpNet>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .with_context(|| format!("trusted proxy `{s}` is not an address or a network"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_bad_values_are_refused() {
        let file = EdgeFlags {
            header_timeout_secs: Some(5),
            max_connections: Some(10),
            trusted_proxies: Some("10.0.0.0/8".into()),
            ..EdgeFlags::default()
        };
        let flags = EdgeFlags {
            max_connections: Some(20),
            trusted_proxies: Some("127.0.0.1, 192.168.0.0/16".into()),
            ..EdgeFlags::default()
        };
        let s = resolve(&flags, file).unwrap();
        assert_eq!(s.connections.header_timeout, Duration::from_secs(5));
        assert_eq!(s.connections.max_connections, 20);
        assert_eq!(s.trusted_proxies.len(), 2);
        assert!(s.trusted_proxies[0].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        let bad = EdgeFlags {
            trusted_proxies: Some("proxy.example".into()),
            ..EdgeFlags::default()
        };
        assert!(resolve(&bad, EdgeFlags::default()).is_err());
        let zero = EdgeFlags {
            body_timeout_secs: Some(0),
            ..EdgeFlags::default()
        };
        assert!(resolve(&zero, EdgeFlags::default()).is_err());
    }
}
