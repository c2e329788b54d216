//! Several nodes: three real `medley serve` processes on one PostgreSQL database and one NATS
//! server (see `cluster/mod.rs` for when these run). What one node writes, the others show
//! within a deadline shorter than their caches' lifetimes (so only the events carried by NATS
//! can explain it); queued work runs exactly once across nodes; and the work a killed node
//! held is finished by the others once its leases run out.
//!
//! By area: `writes` (what one node writes, the others show), `queue` (queued work across
//! nodes), `nats` (losing NATS and catching up), `live` and `rolling` (live shows across nodes,
//! a rolling restart), `delay` (the cross-node delay benchmark, run by name).

#[path = "../cluster/mod.rs"]
mod cluster;
#[path = "../common/mod.rs"]
mod common;

mod delay;
mod live;
mod nats;
mod queue;
mod rolling;
mod writes;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::FutureExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::watch;

use cluster::live::{Frame, Listener};
use cluster::{within, Client, Cluster};

/// Below the playlist cache's 5 s and the token cache's 30 s: meeting it proves invalidation.
const SOON: Duration = Duration::from_secs(3);
/// Work through the queue (composites, syncs).
const WORK: Duration = Duration::from_secs(30);

fn id_of(uri: &str) -> String {
    uri.rsplit(':').next().unwrap().to_owned()
}
