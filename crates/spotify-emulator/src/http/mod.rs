//! The HTTP edge: one router for the Web API (`/v1`), the accounts service (`/authorize`,
//! `/api/token`) and the control API (`/control`), served by our own accept loop so that a
//! `drop` fault can close a connection without answering.

pub mod accounts;
pub mod control;
pub mod error;
pub mod gate;
pub mod web;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::routing::{get, post};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

use crate::clock::Clock;
use crate::world::World;

/// What every handler shares: the world, the virtual clock and where links point.
#[derive(Clone)]
pub struct AppState {
    pub world: Arc<Mutex<World>>,
    pub clock: Arc<Clock>,
    pub base: Arc<str>,
    pub fault_hold: Duration,
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn api(&self) -> String {
        format!("{}/v1", self.base)
    }
}

/// Closes the request's connection without a response (the `drop` fault).
#[derive(Clone)]
pub struct Kill(pub Arc<Notify>);

pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/v1", web::router(state.clone()))
        .route("/authorize", get(accounts::authorize))
        .route("/api/token", post(accounts::token))
        .nest("/control", control::router())
        .with_state(state)
}

/// Accepts connections until `shutdown` changes; each connection can be killed by its
/// requests through the [`Kill`] extension.
pub async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let router = router.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let for_requests = kill.clone();
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(Kill(for_requests.clone()));
                router.clone().oneshot(req.map(Body::new))
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
                _ = conn_shutdown.changed() => {}
            }
        });
    }
}
