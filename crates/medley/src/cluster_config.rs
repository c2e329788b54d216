//! Settings of several nodes sharing one database, layered like the rest (defaults < file <
//! environment < flags):
//!
//! | flag | environment | file key | default |
//! |---|---|---|---|
//! | `--nats-url` | `MEDLEY_NATS_URL` | `nats_url` | none: one node, events stay in the process |
//! | `--nats-subject-prefix` | `MEDLEY_NATS_SUBJECT_PREFIX` | `nats_subject_prefix` | `medley` |
//! | `--lease-secs` | `MEDLEY_LEASE_SECS` | `lease_secs` | 120 (how long a dead node's queued work waits for another node) |
//!
//! Credentials in the NATS URL (`nats://user:password@host:4222`) are never logged.

use std::time::Duration;

use anyhow::bail;
use clap::Args;
use medley_events::nats::{redact, valid_prefix};

/// Flags and variables of `serve` for several nodes.
#[derive(Args, Debug, Clone, Default)]
pub struct ClusterFlags {
    /// NATS server joining several nodes on one database (nats://HOST:4222); without it, one node.
    #[arg(long, env = "MEDLEY_NATS_URL", hide_env_values = true)]
    pub nats_url: Option<String>,
    /// First part of every NATS subject: nodes of one deployment share it.
    #[arg(long, env = "MEDLEY_NATS_SUBJECT_PREFIX")]
    pub nats_subject_prefix: Option<String>,
    /// Seconds a node holds queued work before another may take it over (5 to 3600).
    #[arg(long, env = "MEDLEY_LEASE_SECS")]
    pub lease_secs: Option<u64>,
}

/// The same settings as read from the config file.
#[derive(Debug, Default)]
pub struct ClusterFile {
    pub nats_url: Option<String>,
    pub nats_subject_prefix: Option<String>,
    pub lease_secs: Option<u64>,
}

/// The resolved settings.
#[derive(Clone)]
pub struct Cluster {
    pub nats_url: Option<String>,
    pub subject_prefix: String,
    pub lease: Duration,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster {
            nats_url: None,
            subject_prefix: "medley".into(),
            lease: medley_app::worker::LEASE,
        }
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("nats_url", &self.nats_url.as_deref().map(redact))
            .field("subject_prefix", &self.subject_prefix)
            .field("lease", &self.lease)
            .finish()
    }
}

pub fn cluster(flags: &ClusterFlags, file: ClusterFile) -> anyhow::Result<Cluster> {
    let nats_url = flags
        .nats_url
        .clone()
        .or(file.nats_url)
        .filter(|u| !u.trim().is_empty());
    if let Some(url) = &nats_url {
        if !["nats://", "tls://", "ws://", "wss://"]
            .iter()
            .any(|s| url.starts_with(s))
        {
            bail!(
                "the NATS URL must start with nats://, tls://, ws:// or wss:// (got `{}`)",
                redact(url)
            );
        }
    }
    let subject_prefix = flags
        .nats_subject_prefix
        .clone()
        .or(file.nats_subject_prefix)
        .unwrap_or_else(|| "medley".into());
    if !valid_prefix(&subject_prefix) {
        bail!(
            "the NATS subject prefix `{subject_prefix}` is not usable: use letters, digits, `-` \
             and `_`, in parts separated by dots"
        );
    }
    let lease_secs = flags
        .lease_secs
        .or(file.lease_secs)
        .unwrap_or(medley_app::worker::LEASE.as_secs());
    if !(5..=3600).contains(&lease_secs) {
        bail!("the lease must be between 5 and 3600 seconds (got {lease_secs})");
    }
    Ok(Cluster {
        nats_url,
        subject_prefix,
        lease: Duration::from_secs(lease_secs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_and_bad_values_are_refused() {
        let file = ClusterFile {
            nats_url: Some("nats://file:4222".into()),
            lease_secs: Some(60),
            ..ClusterFile::default()
        };
        let flags = ClusterFlags {
            nats_url: Some("nats://flag:4222".into()),
            ..ClusterFlags::default()
        };
        let c = cluster(&flags, file).unwrap();
        assert_eq!(c.nats_url.as_deref(), Some("nats://flag:4222"));
        assert_eq!(c.lease, Duration::from_secs(60));
        assert_eq!(c.subject_prefix, "medley");
        let bad = |flags: ClusterFlags| cluster(&flags, ClusterFile::default()).unwrap_err();
        assert!(bad(ClusterFlags {
            nats_url: Some("http://x".into()),
            ..ClusterFlags::default()
        })
        .to_string()
        .contains("nats://"));
        assert!(bad(ClusterFlags {
            lease_secs: Some(1),
            ..ClusterFlags::default()
        })
        .to_string()
        .contains("lease"));
        assert!(bad(ClusterFlags {
            nats_subject_prefix: Some("a.>".into()),
            ..ClusterFlags::default()
        })
        .to_string()
        .contains("prefix"));
    }

    #[test]
    fn the_password_in_the_url_is_not_shown() {
        let flags = ClusterFlags {
            nats_url: Some("nats://medley:hunter2@nats:4222".into()),
            ..ClusterFlags::default()
        };
        let c = cluster(&flags, ClusterFile::default()).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
