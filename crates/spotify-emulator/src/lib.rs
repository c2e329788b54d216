//! An emulator of the Spotify Web API and accounts service, for Medley's tests and for
//! trying Medley without a Spotify account. It reproduces the rules in
//! `shared/spotify/NOTES.md`, failures included; the README lists routes and deviations.
//!
//! Layout:
//! - [`world`]: the emulated Spotify as plain data with pure methods (no I/O, no clock).
//! - [`render`]: JSON in Spotify's shapes.
//! - [`http`]: thin handlers for `/v1`, `/authorize`, `/api/token` and `/control`, the gate
//!   (auth, counting, limits, faults) and the accept loop.
//! - [`control`]: the control API's types and [`Control`], its typed client.
//! - [`clock`], [`config`], [`ids`], [`demo`].
#![forbid(unsafe_code)]

pub mod clock;
pub mod config;
pub mod control;
pub mod demo;
pub mod http;
pub mod ids;
pub mod render;
pub mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::Config;
pub use control::Control;

use http::AppState;
use world::{AppDefaults, World};

/// A running emulator. Dropping it stops the server.
pub struct Running {
    addr: SocketAddr,
    base: String,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Starts an emulator on `config.listen` and returns once it accepts connections.
pub async fn spawn(config: Config) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let base = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_string();
    let defaults = AppDefaults {
        rate_limit_per_30s: config.rate_limit_per_30s,
        daily_quota: config.daily_quota,
        ban_extension_ms: (config.ban_extension_secs as i64) * 1_000,
    };
    let state = AppState {
        world: Arc::new(Mutex::new(World::new(config.seed, defaults))),
        clock: Arc::default(),
        base: base.clone().into(),
        fault_hold: config.fault_hold,
    };
    if config.seed_demo {
        let now = state.now();
        demo::seed(&mut state.lock(), now).context("seeding the demo user")?;
    }
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(http::serve(listener, http::router(state), stopped));
    Ok(Running {
        addr,
        base,
        stop,
        task: Some(task),
    })
}

impl Running {
    /// The root URL, e.g. `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.base.clone()
    }

    /// The Web API base, `…/v1`.
    pub fn api_url(&self) -> String {
        format!("{}/v1", self.base)
    }

    /// The accounts service base: `…/authorize` and `…/api/token` hang off it.
    pub fn accounts_url(&self) -> String {
        self.base.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A control client for this instance.
    pub fn control(&self) -> Control {
        Control::new(self.url())
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
